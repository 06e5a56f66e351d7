"""The GII calibration example (examples/gii_calibration.py) on the real published scores."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from conftest import ROOT, shared_path


def _example():
    path = ROOT / "examples" / "gii_calibration.py"
    spec = importlib.util.spec_from_file_location("gii_calibration", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def table():
    shared_path("gii", "gii_2011_2022_pillars_mendeley.csv")
    mod = _example()
    assert mod.data_dir() == Path(shared_path("gii"))
    return mod, mod.main(verbose=False)


def test_structure_recovered_2013_2022(table):
    mod, t = table
    recent = t.loc[2013:2022]
    assert list(recent.index) == list(range(2013, 2023))
    w = recent[mod.PILLARS]
    # measured: largest deviation 0.0014 (2022); max abs error 0.149 (2018, Malaysia)
    assert ((w - mod.STRUCTURE).abs().to_numpy() <= 0.01).all()
    assert (recent["max_abs_error"] <= 0.2).all()
    assert (recent["rmse"] <= 0.05).all()
    assert (recent["r2"] >= 0.9999).all()
    assert recent["consistent"].all()
    assert (w.sum(axis=1) - 1).abs().max() < 1e-9


def test_early_editions_and_geometric_alternative(table):
    mod, t = table
    # 2011/2012 are less clean (README: max diffs 2.5 and 0.4) but the weights are still close
    assert ((t.loc[[2011, 2012], mod.PILLARS] - mod.STRUCTURE).abs().to_numpy() <= 0.01).all()
    assert not bool(t.loc[2011, "consistent"])
    # the geometric mean fits far worse than the arithmetic mean in every edition
    assert (t["geometric_rmse"] > 10 * t["rmse"].clip(lower=0.02)).loc[2013:].all()


def test_missing_data_message(tmp_path):
    mod = _example()
    with pytest.raises(FileNotFoundError, match="GII data not found"):
        mod.load(tmp_path / "absent.csv")
