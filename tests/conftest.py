"""Shared fixtures: the real datasets live in ../shared/data beside the project root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # pragma: no cover
    import aiindex

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """Path of a file under ../shared/data; skip (or fail in CI) when the folder is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared data file {p} is missing in CI")
        pytest.skip(f"shared data folder not found at {SHARED} (needed: {'/'.join(parts)})")
    return p


@pytest.fixture
def asem_dir() -> Path:
    """Folder of the ASEM example data (COINr)."""
    return shared_path("asem")


@pytest.fixture
def gii_dir() -> Path:
    """Folder of the GII score data."""
    return shared_path("gii")


@pytest.fixture(scope="module")
def asem() -> aiindex.Result:
    """The ASEM example (configs/asem.yaml) run with 4 Jenks tiers (one run per test module).

    A test module may override it with its own ``asem`` fixture (test_explore.py does).
    """
    import aiindex  # noqa: F811 - imported lazily so that collecting tests stays light

    shared_path("asem", "iData.csv")
    return aiindex.run(ROOT / "configs" / "asem.yaml",
                       overrides={"tiers": {"method": "jenks", "k": 4}})
