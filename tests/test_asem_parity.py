"""ASEM parity: configs/asem.yaml against COINr's documented results and an independent,
deliberately plain re-implementation of COINr's build_example_coin() written here in the test
(loops and textbook formulas, no aiindex code), compared at 1e-9 for every stage, unit and
indicator.

COINr's documentation (COINr 1.1.14, build_example_coin) reports: CHE first (68.38), then NLD
(64.82), DNK (64.80), NOR (64.47), BEL (63.54); 15 indicators winsorised, none log-transformed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiindex

CFG = Path(__file__).resolve().parents[1] / "configs" / "asem.yaml"


def _skew(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    n = len(x)
    d = x - x.mean()
    g1 = np.sqrt(n) * np.sum(d**3) / np.sum(d**2) ** 1.5
    return g1 * np.sqrt(n * (n - 1)) / (n - 2)


def _kurt(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    n = len(x)
    d = x - x.mean()
    r = n * np.sum(d**4) / np.sum(d**2) ** 2
    return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))


def _passes(x: np.ndarray) -> bool:
    return abs(_skew(x)) < 2 or _kurt(x) < 3.5


def _coinr_treat(x: np.ndarray, winmax: int = 5) -> tuple[np.ndarray, int, bool]:
    """COINr Treat() default for one column: winsorise, else log_CT of the original."""
    orig = x.copy()
    x = x.copy()
    nwin, imax, imin = 0, [], []
    while not _passes(x) and nwin < winmax:
        if _skew(x) >= 0:
            top = np.nanmax(x)
            imax = [i for i in range(len(x)) if x[i] == top]
            rest = max(x[i] for i in range(len(x)) if not np.isnan(x[i]) and i not in imax)
            for i in imax:
                x[i] = rest
        else:
            bot = np.nanmin(x)
            imin = [i for i in range(len(x)) if x[i] == bot]
            rest = min(x[i] for i in range(len(x)) if not np.isnan(x[i]) and i not in imin)
            for i in imin:
                x[i] = rest
        nwin = len(imax) + len(imin)
    if _passes(x):
        return x, nwin, False
    lo, hi = np.nanmin(orig), np.nanmax(orig)
    return np.log(orig - lo + 0.01 * (hi - lo)), 0, True


@pytest.fixture(scope="module")
def reference(request):
    from conftest import shared_path

    d = shared_path("asem")
    data = pd.read_csv(d / "iData.csv").set_index("uCode").sort_index()
    meta = pd.read_csv(d / "iMeta.csv")
    ind = meta[meta["Type"] == "Indicator"]
    codes = list(ind["iCode"])
    X = data[codes].astype(float)
    stages = {"raw": X.copy()}
    # Denominate
    for _, row in ind.iterrows():
        if isinstance(row["Denominator"], str):
            X[row["iCode"]] = X[row["iCode"]] / data[row["Denominator"]]
    stages["denominated"] = X.copy()
    # Impute: mean within EurAsia_group
    for g in data["EurAsia_group"].unique():
        rows = data["EurAsia_group"] == g
        for c in codes:
            m = X.loc[rows, c].mean()
            X.loc[rows & X[c].isna(), c] = m
    stages["imputed"] = X.copy()
    # Treat
    n_win, n_log = 0, 0
    for c in codes:
        v, k, lg = _coinr_treat(X[c].to_numpy())
        X[c] = v
        n_win += k > 0
        n_log += lg
    stages["treated"] = X.copy()
    # Normalise: min-max 0-100 of x * direction
    dirs = ind.set_index("iCode")["Direction"]
    N = X * dirs
    N = (N - N.min()) / (N.max() - N.min()) * 100
    stages["normalized"] = N
    # Aggregate: arithmetic means (weights all 1) up the tree
    scores = N.copy()
    for level in (2, 3, 4):
        for _, agg in meta[(meta["Level"] == level) & (meta["Type"] == "Aggregate")].iterrows():
            kids = list(meta.loc[meta["Parent"] == agg["iCode"], "iCode"])
            scores[agg["iCode"]] = scores[kids].mean(axis=1)
    return stages, scores, n_win, n_log


@pytest.fixture(scope="module")
def result():
    return aiindex.run(CFG)


def test_coinr_documented_headline(result):
    top = result.scores["Index"].sort_values(ascending=False).head(5).round(2)
    assert list(top.index) == ["CHE", "NLD", "DNK", "NOR", "BEL"]
    assert list(top.to_numpy()) == [68.38, 64.82, 64.80, 64.47, 63.54]
    t = result.info["treat"]["treatment"]
    assert int((t["n_winsorised"] > 0).sum()) == 15
    assert int(t["log_applied"].sum()) == 0
    assert len(result.scores) == 51  # screening at 90% after imputation drops nobody


def test_every_stage_unit_and_indicator_at_1e9(result, reference):
    stages, scores, n_win, n_log = reference
    assert (n_win, n_log) == (15, 0)
    for name in ("raw", "denominated", "imputed", "treated", "normalized"):
        ours = result.stages[name].sort_index()[stages[name].columns]
        np.testing.assert_allclose(ours.to_numpy(), stages[name].to_numpy(), rtol=0, atol=1e-9,
                                   err_msg=f"stage {name}")
    ours = result.stages["aggregated"].sort_index()[scores.columns]
    np.testing.assert_allclose(ours.to_numpy(), scores.to_numpy(), rtol=0, atol=1e-9)


def test_cli_writes_every_stage(tmp_path):
    from aiindex.cli import main

    assert main(["run", str(CFG), "--out", str(tmp_path)]) == 0
    for s in ("raw", "denominated", "imputed", "screened", "treated", "normalized", "aggregated"):
        assert (tmp_path / f"stage_{s}.csv").exists()
    sc = pd.read_csv(tmp_path / "scores.csv", index_col="uCode")
    assert sc["Index"].idxmax() == "CHE"
