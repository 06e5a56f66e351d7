"""The bundled configs and datasets: the default index and COINr's ASEM example.

``aiindex run`` with no config runs :func:`default_config_path`: edition 2023 of a public-proxy
index of the Global AI Innovation Index with a method fixed in advance (not CISTI's index; data
in ``aiindex/data/gaiii_panel``, a byte-identical copy of the project's shared panel without its
build script; see ``docs/gaiii.md``). ``gaiii_panel`` runs its editions 2020-2023;
``configs/gaiii_published.yaml`` beside them holds the published facts ``aiindex anchors`` scores
it against. ``aiindex/data/gaiii_public`` keeps the earlier single-year compilation.
``aiindex run asem`` runs COINr's ASEM example (data in ``aiindex/data/asem``: COINr 1.1.14's
example data, MIT licence, Copyright (c) 2022 William Becker; see its README). Any command takes
a bundled config's name (:data:`BUNDLED_CONFIGS`) in place of a config file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from ..errors import ConfigError

__all__ = ["default_config_path", "bundled_config", "bundled_data_dir", "BUNDLED_CONFIGS",
           "BUNDLED_DATASETS"]

#: configs shipped inside the package (name → file name)
BUNDLED_CONFIGS = {
    "default": "gaiii_2023.yaml",
    "gaiii_2023": "gaiii_2023.yaml",
    "gaiii_panel": "gaiii_panel.yaml",
    "asem": "asem.yaml",
    "asem_panel": "asem_panel.yaml",
    "asem_uncertainty": "asem_uncertainty.yaml",
}


def _pkg_path(*parts: str) -> Path:
    return Path(str(files("aiindex").joinpath(*parts)))


def bundled_config(name: str) -> Path:
    """Path of a bundled config by name (see :data:`BUNDLED_CONFIGS`).

    Parameters
    ----------
    name
        A key of :data:`BUNDLED_CONFIGS` (``default``, ``asem``, ``gaiii_panel``, ...).

    Returns
    -------
    Path
        The config file inside the installed package.
    """
    if name not in BUNDLED_CONFIGS:
        raise ConfigError(f"no bundled config {name!r}; available: {sorted(BUNDLED_CONFIGS)}")
    return _pkg_path("configs", BUNDLED_CONFIGS[name])


def default_config_path() -> Path:
    """Path of the default config (the Global AI Innovation Index public-proxy index, 2023).

    Returns
    -------
    Path
        ``aiindex/configs/gaiii_2023.yaml`` inside the installed package.
    """
    return bundled_config("gaiii_2023")


#: datasets shipped inside the package (folders of ``aiindex/data``)
BUNDLED_DATASETS = ("gaiii_public", "gaiii_panel", "asem")


def bundled_data_dir(name: str = "gaiii_public") -> Path:
    """Folder of a bundled dataset: ``gaiii_public`` (default), ``gaiii_panel`` or ``asem``.

    Parameters
    ----------
    name
        ``gaiii_public`` (default), ``gaiii_panel`` or ``asem``.

    Returns
    -------
    Path
        The dataset's folder inside the installed package.
    """
    p = _pkg_path("data", name)
    if name not in BUNDLED_DATASETS or not p.is_dir():
        raise ConfigError(f"no bundled dataset {name!r}; available: {', '.join(BUNDLED_DATASETS)}")
    return p
