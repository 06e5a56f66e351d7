"""Config resolution (one override rule), data loading and validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiindex.config import StageSection, deep_merge, resolve_choice, resolve_config
from aiindex.data import load_data
from aiindex.errors import ValidationError
from aiindex.framework import Framework

FW = Framework.from_dict({"code": "I", "children": [
    {"code": "D", "children": [{"code": "a"}, {"code": "b", "methods": {"normalize": {"method": "rank"}}}]},
    {"code": "E", "children": [{"code": "c"}]},
]})


def test_deep_merge_does_not_touch_inputs():
    base = {"normalize": {"method": "minmax", "low": 0}, "x": 1}
    over = {"normalize": {"method": "zscore"}, "x": None}
    out = deep_merge(base, over)
    assert out == {"normalize": {"method": "zscore", "low": 0}}
    assert base == {"normalize": {"method": "minmax", "low": 0}, "x": 1}


def test_one_rule_for_overrides():
    sec = StageSection(method="minmax", low=0, high=100,
                       overrides={"a": {"high": 10}, "c": {"method": "zscore", "sd": 2}},
                       levels={2: {"method": "geometric"}})
    # param-only layer updates params of the method in force
    assert resolve_choice(sec, "normalize", "a", 1).params == {"low": 0, "high": 10}
    # a layer naming a method replaces method and params
    c = resolve_choice(sec, "normalize", "c", 1)
    assert c.method == "zscore" and dict(c.params) == {"sd": 2}
    # node's own methods win over everything
    b = resolve_choice(sec, "normalize", "b", 1, FW.nodes["b"].methods)
    assert b.method == "rank" and dict(b.params) == {}
    # levels layer
    assert resolve_choice(sec, "aggregate", "D", 2).method == "geometric"


def test_config_errors_list_every_key(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("name: x\nframwork: {}\ndata: {fiel: a.csv}\n")
    with pytest.raises(ValidationError) as ei:
        resolve_config(p)
    keys = {pr.key for pr in ei.value.problems}
    assert "framwork" in keys and "data.fiel" in keys


def _wide():
    return pd.DataFrame({"uCode": ["AUT", "NO", "BEL"], "uName": ["Austria", "Norway", "Belgium"],
                         "grp": ["E", "E", "E"], "a": [1.0, 2.0, np.nan], "b": ["3", "4", ""],
                         "c": [5, 6, 7]})


def test_wide_dataframe_not_modified():
    df = _wide()
    before = df.copy()
    ds = load_data(df, FW)
    pd.testing.assert_frame_equal(df, before)
    assert list(ds.metrics.columns) == ["a", "b", "c"]
    assert ds.metrics.loc["NO", "b"] == 4.0 and np.isnan(ds.metrics.loc["BEL", "b"])
    assert list(ds.groups.columns) == ["grp"]
    assert ds.names["NO"] == "Norway"


def test_long_table(tmp_path):
    long = pd.DataFrame({"uCode": ["A", "A", "A", "B", "B", "B"], "metric": list("abcabc"),
                         "value": [1, 2, 3, 4, 5, 6]})
    ds = load_data(long, FW)
    assert ds.metrics.loc["B", "c"] == 6
    long["year"] = [2020] * 3 + [2021] * 3
    ds = load_data(long.rename(columns={"year": "Time"}), FW)
    assert ds.is_panel is False or ds.years == [2020, 2021]


def test_all_data_problems_at_once(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("uCode,a,b\nAUT,1,x\nAUT,2,3\nBEL,,4\n")
    with pytest.raises(ValidationError) as ei:
        load_data(p, FW)
    probs = ei.value.problems
    text = "\n".join(str(x) for x in probs)
    assert "non-numeric" in text and "row=2" in text and "column=b" in text
    assert "duplicate unit code" in text
    assert "metric 'c'" in text
    assert len(probs) == 4  # x, two duplicate rows, missing c


def test_panel_data(asem_dir):
    fw = Framework.from_table(asem_dir / "iMeta.csv")
    ds = load_data(asem_dir / "iData_panel.csv", fw)
    assert ds.years == [2018, 2019, 2020, 2021, 2022]
    assert ds.select_year(2020).metrics.shape == (51, 49)


def test_override_naming_a_method_replaces_its_params():
    base = {"framework": {"code": "I", "children": [{"code": "a"}]},
            "normalize": {"method": "minmax", "low": 0, "high": 100,
                          "overrides": {"a": {"method": "rank"}}}}
    cfg = resolve_config(base, {"normalize": {"method": "zscore"}})
    assert cfg.normalize.method == "zscore" and cfg.normalize.params("normalize") == {}
    assert cfg.normalize.overrides == {"a": {"method": "rank"}}
    cfg = resolve_config(base, {"normalize": {"high": 10}})
    assert cfg.normalize.params("normalize") == {"low": 0, "high": 10}


def test_long_table_keeps_unit_attributes():
    fw = Framework.from_dict({"code": "I", "children": [{"code": "a"}, {"code": "b"}]})
    long = pd.DataFrame({"uCode": ["NA", "NA", "NO", "NO"], "uName": ["Namibia"] * 2 + ["Norway"] * 2,
                         "Region": ["Africa"] * 2 + ["Europe"] * 2, "metric": ["a", "b"] * 2,
                         "value": [1, 2, 3, 4]})
    ds = load_data(long, fw)
    assert ds.names["NA"] == "Namibia" and list(ds.groups.columns) == ["Region"]
    assert ds.groups.loc["NO", "Region"] == "Europe"
    long.loc[1, "Region"] = "Asia"
    with pytest.raises(ValidationError, match="attribute differs"):
        load_data(long, fw)


def test_missing_markers_and_bad_text(tmp_path):
    fw = Framework.from_dict({"code": "I", "children": [{"code": "a"}, {"code": "b"}]})
    p = tmp_path / "d.csv"
    p.write_text("uCode,a,b\nAAA,-,1\nBBB,n/a,2\nCCC,3,85%\n")
    with pytest.raises(ValidationError) as ei:
        load_data(p, fw)
    (prob,) = ei.value.problems
    assert prob.value == "85%" and prob.row == 4 and "missing marker" in prob.expected


def test_override_layer_naming_a_method_replaces_its_params():
    base = {"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
            "normalize": {"method": "minmax", "overrides": {"a": {"method": "distance_to_target",
                                                                  "targets": {"a": 5}}}}}
    cfg = resolve_config(base, {"normalize": {"overrides": {"a": {"method": "rank"}}}})
    assert cfg.normalize.overrides["a"] == {"method": "rank"}
    cfg = resolve_config(base, {"normalize": {"overrides": {"a": {"cap_max": False}}}})
    assert cfg.normalize.overrides["a"]["targets"] == {"a": 5}


def test_tiers_and_weights_method_change_replaces_params():
    base = {"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
            "tiers": {"method": "jenks", "k": 4, "rules": [{"type": "contiguous"}]},
            "weights": {"method": "entropy", "explicit": {"a": 2}}}
    cfg = resolve_config(base, {"tiers": {"method": "sizes", "sizes": [1, 1]}})
    assert cfg.tiers == {"method": "sizes", "sizes": [1, 1], "rules": [{"type": "contiguous"}]}
    cfg = resolve_config(base, {"weights": {"method": "pca", "rank_tol": 1e-6}})
    assert cfg.weights == {"method": "pca", "rank_tol": 1e-6, "explicit": {"a": 2}}
