"""Framework tree: building, validation, weights, YAML and iMeta round trips."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.errors import ConfigError, ValidationError
from aiindex.framework import Framework, Node
from aiindex.yamlio import load_yaml

TREE = {
    "code": "Index",
    "children": [
        {"code": "D1", "weight": 2, "children": [
            {"code": "m1", "direction": 1, "unit": "%", "source": "WDI"},
            {"code": "m2", "direction": -1, "weight": 3},
        ]},
        {"code": "D2", "children": [{"code": "m3"}]},
    ],
}


def test_nested_tree_levels_and_navigation():
    fw = Framework.from_dict(TREE)
    assert fw.root == "Index"
    assert fw.metrics == ["m1", "m2", "m3"]
    assert fw.aggregates == ["D1", "D2", "Index"]
    assert fw.depth == 3
    assert fw.dimensions == ["D1", "D2"]
    assert fw.nodes["m1"].level == 1 and fw.nodes["D1"].level == 2
    assert fw.ancestors("m2") == ["D1", "Index"]
    assert fw.leaves_under("D1") == ["m1", "m2"]


def test_local_and_effective_weights_by_hand():
    fw = Framework.from_dict(TREE)
    lw = fw.local_weights()
    assert lw["m1"] == pytest.approx(0.25) and lw["m2"] == pytest.approx(0.75)
    assert lw["D1"] == pytest.approx(2 / 3)
    ew = fw.effective_weights()
    # m1: 2/3 * 1/4 = 1/6 ; m2: 2/3 * 3/4 = 1/2 ; m3: 1/3
    assert ew["m1"] == pytest.approx(1 / 6)
    assert ew["m2"] == pytest.approx(1 / 2)
    assert ew["m3"] == pytest.approx(1 / 3)
    M = fw.weight_matrix(2)
    assert M.loc["m2", "D1"] == pytest.approx(0.75) and M.loc["m3", "D2"] == 1.0
    assert M.sum().tolist() == pytest.approx([1.0, 1.0])


def test_one_level_index():
    fw = Framework.from_dict({"metrics": [{"code": "a"}, {"code": "b", "weight": 3}]})
    assert fw.root == "Index" and fw.depth == 2
    assert fw.effective_weights()["b"] == pytest.approx(0.75)


def test_yaml_round_trip_lossless(tmp_path):
    fw = Framework.from_dict(TREE)
    p = tmp_path / "fw.yaml"
    fw.to_yaml(p)
    assert Framework.from_yaml(p).equals(fw)


def test_norway_code_stays_string():
    d = load_yaml("code: Index\nchildren:\n  - {code: NO}\n  - {code: YES}\n")
    fw = Framework.from_dict(d)
    assert fw.metrics == ["NO", "YES"]


def test_asem_imeta_loads_as_is(asem_dir):
    fw = Framework.from_table(asem_dir / "iMeta.csv")
    assert len(fw.metrics) == 49
    assert len(fw.level_codes(2)) == 8 and len(fw.level_codes(3)) == 2
    assert fw.root == "Index" and fw.depth == 4
    assert fw.nodes["CostImpEx"].direction == -1
    assert fw.nodes["Flights"].denominator == "Population"
    assert fw.group_columns == ["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]
    assert set(fw.denominator_columns) == {"Area", "Energy", "GDP", "Population"}
    assert fw.effective_weights()[fw.metrics].sum() == pytest.approx(1.0)
    # table and YAML round trips
    assert Framework.from_table(fw.to_table()).equals(fw)
    assert Framework.from_dict(load_yaml(fw.to_yaml())).equals(fw)
    t1 = pd.read_csv(asem_dir / "iMeta.csv")
    t2 = fw.to_table()
    assert sorted(t1["iCode"]) == sorted(t2["iCode"])


def test_cycle_unknown_parent_duplicate_reported_together():
    nodes = [
        Node(code="root"),
        Node(code="a", parent="b"),
        Node(code="b", parent="a"),
        Node(code="c", parent="zz"),
        Node(code="c", parent="root"),
    ]
    with pytest.raises(ValidationError) as ei:
        Framework(nodes)
    msgs = " | ".join(p.message for p in ei.value.problems)
    assert "cycle" in msgs and "unknown parent" in msgs and "duplicate" in msgs


def test_bad_nodes():
    with pytest.raises(ValidationError, match="direction"):
        Framework.from_nodes([{"code": "r"}, {"code": "a", "parent": "r", "direction": 2}])
    with pytest.raises(ValidationError, match="weight"):
        Framework.from_nodes([{"code": "r"}, {"code": "a", "parent": "r", "weight": -1}])
    with pytest.raises(ValidationError, match="unknown key"):
        Framework.from_dict({"code": "r", "children": [{"code": "a", "wieght": 1}]})
    fw = Framework.from_dict(TREE)
    with pytest.raises(ConfigError, match="zero weight"):
        fw.local_weights({"D1": 0, "D2": 0})


def test_drop_and_with_weights_are_pure():
    fw = Framework.from_dict(TREE)
    g = fw.drop(["m3"])
    assert "D2" not in g.nodes and "m3" in fw.nodes
    h = fw.with_weights({"D1": 1})
    assert h.effective_weights()["m3"] == pytest.approx(0.5)
    assert fw.nodes["D1"].weight == 2


@st.composite
def trees(draw):
    n_dims = draw(st.integers(1, 4))
    children = []
    k = 0
    for d in range(n_dims):
        n_sub = draw(st.integers(1, 3))
        subs = []
        for s in range(n_sub):
            n_m = draw(st.integers(1, 3))
            ms = []
            for _ in range(n_m):
                ms.append({"code": f"m{k}", "weight": draw(st.floats(0.01, 10))})
                k += 1
            subs.append({"code": f"s{d}_{s}", "weight": draw(st.floats(0.01, 10)), "children": ms})
        children.append({"code": f"d{d}", "weight": draw(st.floats(0.01, 10)), "children": subs})
    return {"code": "Index", "children": children}


@settings(max_examples=50, deadline=None)
@given(trees())
def test_effective_weights_sum_to_one(tree):
    fw = Framework.from_dict(tree)
    ew = fw.effective_weights()
    assert ew[fw.metrics].sum() == pytest.approx(1.0)
    for lvl in range(1, fw.depth + 1):
        assert ew[fw.level_codes(lvl)].sum() == pytest.approx(1.0)
    assert Framework.from_table(fw.to_table()).equals(fw)
