"""Post-aggregation rescaling (aiindex.stages.rescale and the ``rescale`` config section)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import aiindex
from aiindex.config import MethodChoice
from aiindex.errors import ConfigError, MethodError, ValidationError
from aiindex.stages.rescale import RESCALERS, rescale_array, rescale_choices

ROOT = Path(__file__).resolve().parents[1]


def test_hand_computed_values():
    x = np.array([2.0, 4.0, 10.0, np.nan])
    np.testing.assert_allclose(RESCALERS.get("minmax")(x), [0.0, 25.0, 100.0, np.nan])
    np.testing.assert_allclose(RESCALERS.get("minmax")(x, low=1, high=5), [1.0, 2.0, 5.0, np.nan])
    np.testing.assert_allclose(RESCALERS.get("leader")(x), [20.0, 40.0, 100.0, np.nan])
    np.testing.assert_allclose(RESCALERS.get("affine")(x, slope=2, intercept=-1),
                               [3.0, 7.0, 19.0, np.nan])
    np.testing.assert_allclose(RESCALERS.get("minmax")(np.array([3.0, 3.0])), [50.0, 50.0])


def test_rows_are_rescaled_independently():
    S = np.array([[1.0, 2.0, 3.0], [10.0, 30.0, 20.0]])
    np.testing.assert_allclose(RESCALERS.get("minmax")(S), [[0, 50, 100], [0, 100, 50]])
    np.testing.assert_allclose(RESCALERS.get("leader")(S), [[100 / 3, 200 / 3, 100],
                                                            [100 / 3, 100, 200 / 3]])


def test_leader_needs_a_positive_maximum():
    with pytest.raises(MethodError, match="positive"):
        rescale_array(np.array([-1.0, -2.0]), MethodChoice("leader"), node="Index")


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 12), elements=st.floats(0.5, 1e3)),
       st.sampled_from(["minmax", "leader", "affine"]))
def test_increasing_methods_keep_the_order(x, method):
    y = RESCALERS.get(method)(x, **({"slope": 0.7, "intercept": 3} if method == "affine" else {}))
    assert np.all(np.isfinite(y))
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(y[order]) >= -1e-9 * (1 + np.abs(y).max()))


def test_section_validation():
    aggs = ["A", "B", "Index"]
    assert rescale_choices(None, "Index", aggs) == {}
    assert rescale_choices({"method": "none"}, "Index", aggs) == {}
    assert set(rescale_choices({"method": "minmax"}, "Index", aggs)) == {"Index"}
    assert set(rescale_choices({"method": "leader", "nodes": "all"}, "Index", aggs)) == set(aggs)
    with pytest.raises(ConfigError, match="not aggregates"):
        rescale_choices({"method": "minmax", "nodes": ["m1"]}, "Index", aggs)
    with pytest.raises(ConfigError, match="unknown rescaling method"):
        rescale_choices({"method": "stretch"}, "Index", aggs)
    with pytest.raises(ConfigError, match="unknown parameter"):
        rescale_choices({"method": "minmax", "hgh": 10}, "Index", aggs)


def test_run_applies_rescale_to_the_index(asem_dir):
    base = aiindex.run(ROOT / "configs" / "asem.yaml")
    res = aiindex.run(ROOT / "configs" / "asem.yaml",
                      overrides={"rescale": {"method": "minmax", "low": 0, "high": 100}})
    s, b = res.scores["Index"], base.scores["Index"]
    assert s.max() == pytest.approx(100.0) and s.min() == pytest.approx(0.0)
    np.testing.assert_allclose(s, 100 * (b - b.min()) / (b.max() - b.min()), atol=1e-12)
    assert (res.ranks["Index"] == base.ranks["Index"]).all()
    # other aggregates are untouched
    np.testing.assert_allclose(res.scores["Conn"], base.scores["Conn"], atol=0)


def test_rescaled_child_feeds_its_parent(asem_dir):
    base = aiindex.run(ROOT / "configs" / "asem.yaml")
    res = aiindex.run(ROOT / "configs" / "asem.yaml",
                      overrides={"rescale": {"method": "affine", "slope": 2.0, "intercept": 1.0,
                                             "nodes": ["Conn", "Sust"]}})
    np.testing.assert_allclose(res.scores["Conn"], 1 + 2 * base.scores["Conn"], atol=1e-12)
    # the index is the mean of the two rescaled sub-indices (equal weights)
    np.testing.assert_allclose(res.scores["Index"], 1 + 2 * base.scores["Index"], atol=1e-9)


def test_bad_section_is_a_validation_problem(asem_dir):
    with pytest.raises(ValidationError, match="rescale"):
        aiindex.run(ROOT / "configs" / "asem.yaml", overrides={"rescale": {"method": "stretch"}})
    probs = aiindex.validate({**aiindex.load_config(ROOT / "configs" / "asem.yaml").to_dict(),
                              "base_dir": str(ROOT / "configs"),
                              "rescale": {"method": "minmax", "nodes": ["nope"]}})
    assert any(p.key == "rescale" for p in probs)
