"""Calibration as a worked example (never the default): one weight set across editions, one held out.

The bundled default is the fixed-method public-proxy index (``gaiii_panel.yaml``, equal weights,
docs/gaiii.md). This example asks what *fitting* weights to the published scores would buy:

1. run the panel (editions 2020-2023, normalisation pooled over the data years);
2. stack the 11 sub-indicator scores of every (country, edition) and take the published score
   facts of ``gaiii_published.yaml`` that have data (2020: US 66.31; 2023: US 74.71,
   China 52.69, UK 37.9);
3. hold out one edition, fit **one** set of effective sub-indicator weights to the score facts of
   the other editions (:func:`aiindex.analysis.calibrate.calibrate`: the weights closest to equal
   that meet every target within ``TOL`` points; with 2020 held out also an affine map from the
   proxy's scale to the published one, see :data:`SCALES`), and predict the held-out edition;
4. score the calibrated index against every published fact (``aiindex.analysis.anchors``, with
   score levels compared, since the weights were fitted to the published scale) and compare with
   the fixed-method index;
5. a null check: the permuted 2023 headline (China and the UK swapped) is fitted too.

6. the identifiability report of the fit (``aiindex.analysis.identify``, as ``aiindex calibrate
   ... --report``): free weights, the feasible range of every weight, the swap and
   leave-one-target-out checks.

Run: ``python examples/calibrate_gaiii_editions.py [--hold-out 2020|2023]``
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiindex.analysis.anchors import anchors, load_published
from aiindex.analysis.calibrate import CalibrationResult, calibrate
from aiindex.data.bundled import bundled_config
from aiindex.pipeline import run_panel

CONFIG = bundled_config("gaiii_panel")
#: tolerance of the fit on each published score (points; the figures have two decimals, the UK's
#: is uncertain by about 1 point, so 0.05 is strict)
TOL = 0.05


def design(config: Any = CONFIG) -> tuple[pd.DataFrame, pd.Series, Any]:
    """Sub-indicator scores of every ``COUNTRY@EDITION`` row, the score targets, the panel.

    Returns
    -------
    components : DataFrame
        Rows ``"USA@2023"``, columns the sub-indicators (level 2), complete rows only.
    targets : Series
        Published scores of the editions the panel covers, indexed like ``components``.
    panel : PanelResult
    """
    panel = run_panel(config)
    fw = panel.framework
    subs = fw.level_codes(2)
    comps = pd.concat({y: r.scores[subs] for y, r in panel.results.items()}, names=["edition"])
    comps.index = [f"{u}@{y}" for y, u in comps.index]
    facts = load_published(bundled_config("gaiii_panel").parent / "gaiii_published.yaml")["facts"]
    targets = pd.Series({f"{f['unit']}@{f['edition']}": float(f["value"]) for f in facts
                         if f["kind"] == "score" and f["edition"] in panel.results})
    return comps.dropna(), targets, panel


#: weight given to a sub-indicator or dimension the fit sets to 0: a country with data only in
#: such nodes keeps a score (renormalised over the children it has); the targets move < 1e-6
FLOOR = 1e-9


def raw_weights(fw: Any, effective: pd.Series) -> dict[str, float]:
    """Raw node weights from effective sub-indicator weights (a dimension = sum of its own)."""
    out: dict[str, float] = {}
    for d in fw.dimensions:
        kids = fw.children(d)
        out[d] = max(float(effective.reindex(kids).fillna(0).sum()), FLOOR)
        for k in kids:
            out[k] = max(float(effective.get(k, 0.0)), FLOOR)
    return out


def fit(hold_out: int, comps: pd.DataFrame, targets: pd.Series, fw: Any, scale: str,
        tol: float = TOL) -> tuple[CalibrationResult, pd.Series]:
    """Fit on every score target outside edition ``hold_out``; return the fit and the fitted
    effective sub-indicator weights."""
    train = targets[[not i.endswith(f"@{hold_out}") for i in targets.index]]
    cal = calibrate(train, comps, prior=prior(fw, comps), tol=tol, scale=scale)  # type: ignore[arg-type]
    return cal, cal.weights.reindex(comps.columns).fillna(0.0)


def prior(fw: Any, comps: pd.DataFrame) -> pd.Series:
    """The fixed method's (equal) effective weights of the sub-indicators."""
    w = fw.effective_weights()[list(comps.columns)]
    return w / w.sum()


def identifiability(cal: CalibrationResult) -> Any:
    """The identifiability report of this fit (:func:`aiindex.analysis.identify.identifiability`):
    the free weights against the rank of the targets' system, every weight's range over the
    weights that meet every target within the fit's tolerance, and the null checks. Rank ranges
    are left out: the rows are country-editions, whose ranks across editions mean nothing."""
    from aiindex.analysis.identify import identifiability as report

    return report(cal, ranks=False, n_fit_perm=20, seed=0)


#: scale of the fit by held-out edition: with 2020 held out, three 2023 scores fix the weights and
#: an affine map a + b·score from the proxy's own 0-100 scale to the published one; with 2023
#: held out, the one 2020 score cannot fix a scale, so the index's own scale is used (none)
SCALES = {2020: "affine", 2023: "none"}


def main(hold_out: int = 2020, verbose: bool = True, scale: str | None = None) -> dict[str, Any]:
    """Run the worked example for one held-out edition; return the pieces (for tests/docs)."""
    comps, targets, panel = design()
    fw = panel.framework
    scale = scale or SCALES.get(hold_out, "none")
    cal, eff = fit(hold_out, comps, targets, fw, scale)
    weights = raw_weights(fw, eff)
    ab = (cal.scale_params.get("a", 0.0), cal.scale_params.get("b", 1.0)) \
        if cal.scale == "affine" else None
    calibrated = anchors(CONFIG, weights=weights, levels=True, affine=ab, results=panel.results,
                         label=f"weights calibrated without edition {hold_out}, scale {scale}")
    # like for like with the fixed method: the same facts, score levels not compared
    shape = anchors(CONFIG, weights=weights, affine=ab, results=panel.results,
                    label=f"weights calibrated without edition {hold_out}, levels not compared")
    fixed = anchors(CONFIG, results=panel.results)
    held = targets[[i.endswith(f"@{hold_out}") for i in targets.index]]
    pred = calibrated.scores[hold_out].reindex([i.split("@")[0] for i in held.index])
    swapped = targets[[i.endswith("@2023") for i in targets.index]].copy()
    swapped[["CHN@2023", "GBR@2023"]] = swapped[["GBR@2023", "CHN@2023"]].to_numpy()
    null = calibrate(swapped, comps, prior=prior(fw, comps), tol=TOL, scale="affine")
    out = {"fit": cal, "scale": scale, "affine": ab, "effective": eff, "weights": weights,
           "calibrated": calibrated, "calibrated_shape": shape,
           "fixed": fixed, "held_out": held, "predicted": pred, "swap_fit": null,
           "identifiability": identifiability(cal)}
    if verbose:
        _print(out, hold_out)
    return out


def _print(out: dict[str, Any], hold_out: int) -> None:
    cal = out["fit"]
    print(f"Held out: edition {hold_out}. Fitted on {list(cal.published.index)}, scale "
          f"{out['scale']} {out['affine'] or ''}")
    print(cal.summary())
    print("\nEffective sub-indicator weights (fixed method: 1/15, 1/10 or 1/5 by dimension):")
    print(out["effective"].round(3).to_string())
    print(f"\nPredicted held-out scores (published {out['held_out'].to_dict()}):")
    print(out["predicted"].round(2).to_string())
    print("\nCalibrated index:", out["calibrated"].summary(), sep="\n")
    print("\nCalibrated index, levels not compared:", out["calibrated_shape"].summary(), sep="\n")
    print("\nFixed-method index:", out["fixed"].summary(), sep="\n")
    s = out["swap_fit"]
    print(f"\nNull check, China and UK swapped in 2023 (affine): feasible={s.feasible}, "
          f"max abs error {s.max_abs_error:.3f}")
    print("\n" + out["identifiability"].summary())


if __name__ == "__main__":
    import sys

    argv = sys.argv[1:]
    h = int(argv[argv.index("--hold-out") + 1]) if "--hold-out" in argv else 2020
    main(h)
