"""The bundled default example: a reconstruction of the 2023 Global AI Innovation Index.

``aiindex run`` with no config runs :func:`default_config_path`. The data (public proxy
statistics for the 46 countries, every value with a source) are bundled under
``aiindex/data/gaiii_public``; see ``docs/gaiii.md``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["default_config_path", "bundled_config", "bundled_data_dir", "BUNDLED_CONFIGS"]

#: configs shipped inside the package (name → file name)
BUNDLED_CONFIGS = {
    "gaiii_2023": "gaiii_2023.yaml",
    "gaiii_2023_equal": "gaiii_2023_equal.yaml",
}


def _pkg_path(*parts: str) -> Path:
    return Path(str(files("aiindex").joinpath(*parts)))


def bundled_config(name: str) -> Path:
    """Path of a bundled config by name (see :data:`BUNDLED_CONFIGS`)."""
    if name not in BUNDLED_CONFIGS:
        raise KeyError(f"no bundled config {name!r}; available: {sorted(BUNDLED_CONFIGS)}")
    return _pkg_path("configs", BUNDLED_CONFIGS[name])


def default_config_path() -> Path:
    """Path of the default config (the Global AI Innovation Index reconstruction)."""
    return bundled_config("gaiii_2023")


def bundled_data_dir() -> Path:
    """Folder of the bundled ``gaiii_public`` dataset."""
    return _pkg_path("data", "gaiii_public")
