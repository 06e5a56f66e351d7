"""Bundled datasets and configs: COINr's ASEM example runs from a plain install."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import aiindex
from aiindex.cli import main
from aiindex.data.bundled import BUNDLED_CONFIGS, bundled_config, bundled_data_dir
from aiindex.errors import ConfigError
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]


def _md5(p: Path) -> str:
    return hashlib.md5(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["iData.csv", "iMeta.csv", "iData_panel.csv", "README.md"])
def test_bundled_asem_is_the_shared_copy(name):
    assert _md5(bundled_data_dir("asem") / name) == _md5(shared_path("asem", name))


@pytest.mark.parametrize("name", ["asem", "asem_panel", "asem_uncertainty"])
def test_bundled_asem_configs_match_the_project_configs(name):
    """Same method as configs/<name>.yaml; only the data paths (and comments) differ."""
    from aiindex.config import load_config

    a = load_config(bundled_config(name)).to_dict()
    b = load_config(ROOT / "configs" / f"{name}.yaml").to_dict()
    for d in (a, b):
        d.pop("base_dir"), d.pop("source_file")
        d["framework"] = Path(str(d["framework"]["file"])).name
        d["data"]["file"] = Path(d["data"]["file"]).name
    assert a == b


def test_bundled_asem_gives_the_same_scores(asem_dir):
    a = aiindex.run(bundled_config("asem"))
    b = aiindex.run(ROOT / "configs" / "asem.yaml")
    np.testing.assert_array_equal(a.scores.to_numpy(), b.scores.to_numpy())
    # COINr's documented top five (build_example_coin)
    assert list(a.table().index[:5]) == ["CHE", "NLD", "DNK", "NOR", "BEL"]


def test_cli_takes_a_bundled_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # an empty folder: nothing but the package
    assert main(["run", "asem", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "ASEM" in out and "CHE" in out


def test_unknown_bundled_names():
    with pytest.raises(ConfigError, match="available"):
        bundled_config("nope")
    with pytest.raises(ConfigError, match="available"):
        bundled_data_dir("nope")
    assert {"default", "asem"} <= set(BUNDLED_CONFIGS)
