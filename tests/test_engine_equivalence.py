"""Every replication of the compiled engine equals a plain ``aiindex.run`` with its choices.

Random small trees (depth 2-4, mixed aggregators including geometric, harmonic, power and a
non-mean aggregator, per-node overrides, missing cells, ``min_share``, ``rescale``) and random
designs (weight noise, Dirichlet weights, weight sets, a normaliser choice, an aggregator
choice): the engine's scores of every aggregate agree with the plain pipeline to 1e-9 and its
ranks exactly. The plain run's weights are composed here independently of the engine: weight
set, then Dirichlet weight, replace the framework weight; noise multiplies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiindex.analysis.uncertainty import uncertainty
from aiindex.config import resolve_config
from aiindex.pipeline import build_framework, load_dataset, run_dataset

AGGS = [{"method": "arithmetic"}, {"method": "geometric"}, {"method": "harmonic"},
        {"method": "power", "p": 2.0}, {"method": "power", "p": 0.5}, {"method": "median"}]
RESCALES = [None, {"method": "minmax", "low": 1, "high": 100},
            {"method": "leader", "value": 100, "nodes": "all"},
            {"method": "affine", "slope": 2.0, "intercept": 1.0, "nodes": "all"}]


def _tree(rng: np.random.Generator, depth: int) -> tuple[dict, list[str], dict[int, list[str]]]:
    """A random tree (levels 1..depth), its metric codes and the codes of each level."""
    levels: dict[int, list[str]] = {lv: [] for lv in range(1, depth + 1)}

    def node(level: int, code: str) -> dict:
        levels[level].append(code)
        d = {"code": code, "weight": float(rng.choice([0.5, 1.0, 2.0, 3.0]))}
        if level > 1:
            d["children"] = [node(level - 1, f"{code}{j}") for j in range(rng.integers(2, 4))]
        return d

    root = node(depth, "R")
    root.pop("weight")
    return root, levels[1], levels


def _case(seed: int, depth: int) -> tuple[dict, pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    fwk, metrics, levels = _tree(rng, depth)
    n = int(rng.integers(5, 9))
    X = rng.lognormal(0.0, 0.7, size=(n, len(metrics)))
    miss = rng.random(X.shape) < rng.choice([0.0, 0.0, 0.15])  # complete data collapse
    miss[:3] = False  # every metric keeps at least three values (min-max needs a range)
    miss[miss.all(axis=1), 0] = False  # every unit keeps a value (an empty unit is an error)
    X[miss] = np.nan
    data = pd.DataFrame(X, columns=metrics)
    data.insert(0, "uCode", [f"U{i}" for i in range(n)])
    aggs = [c for lv in range(2, depth + 1) for c in levels[lv]]
    overrides = {c: dict(AGGS[int(rng.integers(len(AGGS)))]) for c in aggs
                 if rng.random() < 0.4}
    agg = {"method": "arithmetic", "overrides": overrides}
    if rng.random() < 0.5:
        agg["min_share"] = 0.5
    cfg: dict = {"framework": fwk, "normalize": {"method": "minmax", "low": 1, "high": 100},
                 "aggregate": agg}
    rescale = RESCALES[int(rng.integers(len(RESCALES)))]
    if rescale is not None:
        cfg["rescale"] = dict(rescale)
    lv = int(rng.integers(1, depth))
    factors = [{"name": "wn", "type": "weight_noise", "level": lv, "relative": 0.4},
               {"name": "norm", "type": "choice", "stage": "normalize",
                "alternatives": [{"method": "minmax", "low": 1, "high": 100},
                                 {"method": "minmax", "low": 2, "high": 50}]},
               {"name": "agg", "type": "choice", "stage": "aggregate",
                "alternatives": [{"method": "arithmetic"}, {"method": "geometric"},
                                 {"method": "power", "p": -1.5}]}]
    if depth > 2 and rng.random() < 0.5:
        factors.append({"name": "dir", "type": "dirichlet", "level": depth - 1,
                        "concentration": 20})
    if rng.random() < 0.5:
        some = levels[int(rng.integers(1, depth))][:2]
        factors.append({"name": "ws", "type": "weight_sets",
                        "sets": [{c: 1.0 for c in some}, {c: 4.0 for c in some}]})
    cfg["uncertainty"] = {"factors": factors}
    return cfg, data, {"levels": levels}


def _plain(cfg: dict, data: pd.DataFrame, row: pd.Series) -> object:
    """The plain run of one replication: its normaliser, aggregator and composed weights."""
    c = resolve_config(cfg)
    fw = build_framework(c)
    raw = c.to_dict()
    norm = {"method": "minmax", "low": 1, "high": 100} if row["norm"].endswith("high=100)") \
        else {"method": "minmax", "low": 2, "high": 50}
    raw["normalize"] = norm
    alt = {"arithmetic": {"method": "arithmetic"}, "geometric": {"method": "geometric"}}.get(
        row["agg"], {"method": "power", "p": -1.5})
    agg_sec = {k: v for k, v in raw["aggregate"].items() if k in ("overrides", "levels",
                                                                   "min_share")}
    raw["aggregate"] = {**agg_sec, **alt}
    w = {code: node.weight for code, node in fw.nodes.items()}
    if "ws" in row.index:
        spec = next(f for f in cfg["uncertainty"]["factors"] if f["name"] == "ws")
        w.update(spec["sets"][int(row["ws"])])
    for col in row.index:
        if col.startswith("dir["):
            w[col[4:-1]] = row[col]
    for col in row.index:
        if col.startswith("wn["):
            w[col[3:-1]] *= row[col]
    c2 = resolve_config({**raw, "base_dir": c.base_dir, "source_file": c.source_file})
    fw2 = fw.with_weights({k: v for k, v in w.items() if k != fw.root})
    return run_dataset(c2, fw2, load_dataset(c2, fw2, data))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), depth=st.integers(2, 4),
       nodes=st.sampled_from(["root", "all"]))
def test_random_trees_every_replication_equals_a_plain_run(seed, depth, nodes):
    cfg, data, _ = _case(seed, depth)
    res = uncertainty(cfg, data=data, n=4, seed=seed, nodes=nodes, keep_scores=True,
                      chunk_size=3)
    for i in range(res.n):
        plain = _plain(cfg, data, res.design.iloc[i])
        root = plain.framework.root
        want = plain.scores[root].reindex(res.scores.columns).to_numpy(dtype=float)
        np.testing.assert_allclose(res.scores.iloc[i].to_numpy(), want, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(
            res.ranks.iloc[i].to_numpy(),
            plain.ranks[root].reindex(res.scores.columns).to_numpy(dtype=float,
                                                                   na_value=np.nan))
        if nodes == "all":
            for code, sc in res.node_scores.items():
                np.testing.assert_allclose(
                    sc.iloc[i].to_numpy(),
                    plain.scores[code].reindex(sc.columns).to_numpy(dtype=float),
                    rtol=0, atol=1e-9, err_msg=f"node {code}")


@pytest.mark.parametrize("rescale", RESCALES[1:])
def test_rescale_replications_equal_plain_runs(rescale):
    cfg, data, _ = _case(12345, 3)
    cfg["rescale"] = dict(rescale)
    res = uncertainty(cfg, data=data, n=20, seed=3, nodes="all", keep_scores=True)
    for i in (0, 7, 19):
        plain = _plain(cfg, data, res.design.iloc[i])
        for code, sc in res.node_scores.items():
            np.testing.assert_allclose(sc.iloc[i].to_numpy(),
                                       plain.scores[code].reindex(sc.columns).to_numpy(),
                                       rtol=0, atol=1e-9, err_msg=f"node {code}")
    if rescale["method"] == "minmax":  # the root is stretched to [1, 100] in every replication
        assert np.allclose(res.scores.max(axis=1), 100) and np.allclose(res.scores.min(axis=1), 1)
