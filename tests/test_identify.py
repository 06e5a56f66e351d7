"""Identifiability of a calibration (aiindex.analysis.identify): what published scores pin
down. Hand-computed feasible sets, the GII (identified) and the three-number GAIII headline
(not identified)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex.analysis.calibrate import calibrate
from aiindex.analysis.identify import identifiability
from aiindex.cli import main as cli_main
from aiindex.errors import MethodError

ROOT = Path(__file__).resolve().parents[1]


def test_hand_computed_weight_range_two_components():
    # y = w·a + (1 − w)·b, published to 1 decimal (tolerance 0.05): every unit bounds w
    X = pd.DataFrame({"a": [80.0, 20.0, 60.0, 40.0], "b": [20.0, 70.0, 30.0, 50.0]},
                     index=list("PQRS"))
    w = 0.33
    y = (X["a"] * w + X["b"] * (1 - w)).round(1)  # 39.8, 53.5, 40.0, 46.7
    r = calibrate(y, X, rounding=0.05)  # components exact (they look like integers)
    rep = identifiability(r)
    d = X["a"] - X["b"]
    lo = ((y - 0.05 - X["b"]) / d).where(d > 0, (y + 0.05 - X["b"]) / d).max()
    hi = ((y + 0.05 - X["b"]) / d).where(d > 0, (y - 0.05 - X["b"]) / d).min()
    assert rep.info["tol_max"] == pytest.approx(0.05)
    assert rep.weights.loc["a", "min"] == pytest.approx(lo, abs=1e-9)
    assert rep.weights.loc["a", "max"] == pytest.approx(hi, abs=1e-9)
    assert rep.weights.loc["b", "max"] == pytest.approx(1 - lo, abs=1e-9)
    assert rep.verdict.startswith("identified: every weight within ±0.01")
    assert rep.info["n_free"] == 1 and rep.info["rank"] == 1
    # score ranges: unit P's score a·w + b·(1 − w) over [lo, hi]
    sc = X.loc["P", "b"] + d["P"] * np.array([lo, hi])
    assert rep.units.loc["P", "score_min"] == pytest.approx(sc.min())
    assert rep.units.loc["P", "score_max"] == pytest.approx(sc.max())
    assert len(rep.loo) == 4 and rep.loo["within_range"].all()


def test_few_targets_are_not_identified_and_swaps_are_feasible():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.uniform(0, 100, (12, 6)), columns=list("abcdef"),
                     index=[f"U{i}" for i in range(12)])
    y = (X @ np.full(6, 1 / 6)).round(2).iloc[:3]
    rep = identifiability(calibrate(y, X))
    assert rep.verdict.startswith("not identified")
    assert "3 target(s) for 5 free weight(s), constraint rank 3" in rep.verdict
    assert len(rep.swaps) == 5  # 3! - 1 other assignments
    assert rep.units.loc[y.index, "published"].tolist() == y.tolist()
    assert (rep.units["rank_worst"] >= rep.units["rank_best"]).all()
    assert rep.units["target"].sum() == 3


def test_affine_and_minmax_sets_contain_the_truth():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.uniform(0, 100, (40, 4)).round(2), columns=list("abcd"))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    s = X @ w
    for scale, y in (("affine", (10 + 0.8 * s).round(2)),
                     ("minmax", (100 * (s - s.min()) / (s.max() - s.min())).round(2))):
        r = calibrate(y, X)
        assert r.scale == scale
        rep = identifiability(r, ranks=False)
        assert rep.info["exact"] and rep.identified, rep.summary()
        assert ((rep.weights["min"] <= w + 1e-9) & (w - 1e-9 <= rep.weights["max"])).all()


def test_geometric_without_rescaling_and_errors():
    rng = np.random.default_rng(6)
    X = pd.DataFrame(rng.uniform(10, 100, (30, 3)), columns=list("abc"))
    w = np.array([0.5, 0.3, 0.2])
    y = np.exp(np.log(X) @ w).round(3)
    r = calibrate(y, X, aggregator="geometric", scale="none")
    rep = identifiability(r, ranks=False)
    assert rep.identified and (np.abs(rep.weights["fitted"] - w) <= 0.01).all()
    r2 = calibrate(y, X, aggregator="geometric", scale="affine")
    with pytest.raises(MethodError, match="geometric mean is supported without rescaling"):
        identifiability(r2)


def test_outputs_csv_html_and_report_hook(tmp_path):
    X = pd.DataFrame({"a": [80.0, 20.0, 60.0, 40.0], "b": [20.0, 70.0, 30.0, 50.0]},
                     index=["<script>", "Q", "R", "S"])
    y = (0.3 * X["a"] + 0.7 * X["b"]).round(1)
    rep = identifiability(calibrate(y, X))
    paths = rep.to_csv(tmp_path / "id", command="test")
    names = {p.name for p in paths}
    assert {"weights.csv", "units.csv", "swaps.csv", "loo.csv", "permuted.csv",
            "null_checks.csv", "residuals.csv", "summary.txt", "manifest.json"} <= names
    man = json.loads((tmp_path / "id" / "manifest.json").read_text())
    assert man["complete"] and man["verdict"] == rep.verdict
    h = rep.html_section()
    assert "<script>" not in h and "&lt;script&gt;" in h and "identifiability" in h
    assert "Null checks" in h


def test_report_includes_the_section():
    from aiindex import run
    from aiindex.outputs.report import report_html

    rng = np.random.default_rng(8)
    data = pd.DataFrame(rng.uniform(0, 100, (20, 3)).round(1), columns=["a", "b", "c"])
    data.insert(0, "uCode", [f"U{i:02d}" for i in range(20)])
    cfg = {"name": "toy", "framework": {"code": "I", "children": [
        {"code": "a", "weight": 2}, {"code": "b"}, {"code": "c"}]},
        "normalize": {"method": "none"}}
    res = run(cfg, data=data)
    rep = identifiability(calibrate(res.scores["I"].round(2), config=cfg, data=data),
                          ranks=False)
    assert rep.identified
    page = report_html(res, charts=False, identifiability=rep)
    assert "id='identifiability'" in page and "What the published scores pin down" in page


# ------------------------------------------------------------------ the worked cases
def _gii():
    spec = importlib.util.spec_from_file_location("gii_calibration",
                                                  ROOT / "examples" / "gii_calibration.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gii_is_identified_around_the_published_structure(gii_dir):
    G = _gii()
    df = G.load()
    g = df[df["Year"] == 2022].dropna(subset=[*G.PILLARS, G.OVERALL]).set_index("Economies")
    r = calibrate(g[G.OVERALL], g[G.PILLARS])
    assert r.scale == "none" and r.consistent
    rep = identifiability(r, n_perm=40, n_fit_perm=5)
    assert rep.verdict.startswith("identified: every weight within ±0.01")
    wt = rep.weights
    assert (wt["max"] - wt["min"]).max() <= 0.02
    structure = G.STRUCTURE.reindex(wt.index)
    assert ((wt["min"] - 0.001 <= structure) & (structure <= wt["max"] + 0.001)).all()
    assert rep.swaps["feasible"].sum() == 0  # shuffled published values do not fit
    assert (rep.units["rank_worst"] - rep.units["rank_best"]).max() <= 5


def test_gaiii_headline_is_not_identified_and_the_uk_rank_ranges_widely():
    """The three published 2023 figures (configs/gaiii_published.yaml: USA 74.71, CHN 52.69,
    and GBR ≈ 37.9) on the bundled default's framework: properties, not today's numbers."""
    import aiindex
    from aiindex.analysis.anchors import load_published

    facts = load_published(ROOT / "configs" / "gaiii_published.yaml")["facts"]
    targets = pd.Series({f["unit"]: f["value"] for f in facts
                         if f["edition"] == 2023 and f["kind"] == "score"}, dtype=float)
    assert targets.to_dict() == {"USA": 74.71, "CHN": 52.69, "GBR": 37.9}
    base = aiindex.run()
    fw = base.framework
    subs = fw.level_codes(fw.depth - 2)  # the sub-indicators (level 2 of the default)
    r = calibrate(targets, base.scores[subs], prior=fw.effective_weights()[subs])
    rep = identifiability(r, n_fit_perm=5)
    assert rep.verdict.startswith("not identified")
    assert rep.info["rank"] <= 3 < rep.info["n_free"]
    uk = rep.units.loc["GBR"]
    assert uk["rank_worst"] > uk["rank_best"]  # a rank range wider than one rank
    assert uk["score_min"] >= 37.9 - rep.info["tol_max"] - 1e-6
    assert len(rep.swaps) == 5


def test_cli_calibrate_report(tmp_path, capsys):
    X = pd.DataFrame({"a": [80.0, 20.0, 60.0, 40.0, 10.0], "b": [20.0, 70.0, 30.0, 50.0, 5.0]},
                     index=list("PQRST"))
    data = X.rename_axis("uCode").reset_index()
    data.to_csv(tmp_path / "d.csv", index=False)
    from aiindex.yamlio import dump_yaml

    dump_yaml({"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
               "data": {"file": "d.csv"}, "normalize": {"method": "none"}}, tmp_path / "c.yaml")
    y = (0.3 * X["a"] + 0.7 * X["b"]).round(1)
    pd.DataFrame({"uCode": y.index, "score": y.to_numpy()}).to_csv(tmp_path / "p.csv",
                                                                   index=False)
    rc = cli_main(["calibrate", str(tmp_path / "c.yaml"), "--published", str(tmp_path / "p.csv"),
                   "--report", str(tmp_path / "rep")])
    out = capsys.readouterr().out
    assert rc == 0 and "Identifiability (arithmetic mean, scale none): identified" in out
    assert (tmp_path / "rep" / "weights.csv").exists()
