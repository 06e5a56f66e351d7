"""Shared fixtures: the real datasets live in ../shared/data beside the project root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
