"""``aiindex calibrate [CONFIG] --published F.csv``: weights that reproduce published scores.

``--out OVERLAY.yaml`` writes a complete config overlay (``extends:`` the config, the fitted
weights under ``weights: explicit:`` and the fitted scale as ``rescale:``) that ``aiindex run
OVERLAY.yaml`` runs and ``aiindex whatif CONFIG OVERLAY.yaml`` takes as a scenario.
``--report DIR`` adds the identifiability report (:mod:`aiindex.analysis.identify`).
"""

from __future__ import annotations

import argparse
from typing import Any

from . import _term
from ._common import add_config_arguments, check_out, command_line, config_from_args, parse_set


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex calibrate``."""
    add_config_arguments(p, out_help="write a config overlay (extends CONFIG; fitted weights "
                                     "and rescale) that `aiindex run` reproduces the fit with")
    p.add_argument("--published", required=True, metavar="FILE.csv",
                   help="CSV of published scores with columns uCode,score")
    p.add_argument("--level", type=int, default=None, metavar="L",
                   help="level whose weights are fitted (default: the whole tree)")
    p.add_argument("--scale", default="auto",
                   choices=["auto", "none", "leader", "leader100", "minmax", "affine"],
                   help="how published totals relate to the weighted mean: auto (default: the "
                        "simplest that fits at the rounding of the published figures), none, "
                        "leader (leader = 100; alias leader100), minmax (0-100), affine (a + b*x)")
    p.add_argument("--tol", type=float, default=None, metavar="T",
                   help="tolerance per target when there are few published scores (default: "
                        "the rounding of the published figures)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="write the identifiability report (CSVs + summary.txt) to this folder")


def main(args: argparse.Namespace) -> int:
    """Fit and print the weights; write the overlay and the identifiability report."""
    from ..analysis.calibrate import calibrate, read_published

    check_out(args.out, folder=False)
    check_out(args.report, folder=True)
    pub = read_published(args.published)
    res = calibrate(pub, config=config_from_args(args), level=args.level, scale=args.scale,
                    tol=args.tol, data=args.data)
    print_calibration(res)
    if args.out:
        extra = parse_set(getattr(args, "set", None))
        if args.data:
            from pathlib import Path

            extra["data"] = {**extra.get("data", {}), "file": str(Path(args.data).resolve())}
        res.to_yaml(args.out, extra=extra)
        _term.echo(f"\nwrote the calibrated overlay to {args.out} (aiindex run {args.out})")
    if args.report:
        from ..analysis.identify import identifiability

        rep = identifiability(res)
        _term.echo()
        print_identifiability(rep)
        paths = rep.to_csv(args.report, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.report}")
    return 0


def print_calibration(res: Any) -> None:
    """The fitted weights, the fit, every aggregator and scale, and the statement (the parts of
    :meth:`CalibrationResult.summary`, fitted to the terminal)."""
    import pandas as pd

    _term.echo(f"calibration ({res.mode}, {res.aggregator} mean, scale {res.scale}"
               + (f", level {res.level}" if res.level is not None else "") + ")")
    w = pd.DataFrame({"weight": res.weights})
    if (res.groups.reindex(w.index) != "*").any():
        w["group"] = res.groups.reindex(w.index).replace("*", "")
    w.index.name = "code"
    _term.print_table(w, decimals=4)
    _term.echo(f"units {len(res.published)}, max abs error {res.max_abs_error:.4g}, "
               f"RMSE {res.rmse:.4g}, R² {res.r2:.6f}")
    _term.echo("every aggregator and scale:")
    t = res.scales_table().drop(columns=["feasible"] if res.mode == "least_squares" else [])
    _term.print_table(t, index=False, decimals=4)
    _term.note(res.statement, prefix="")


def print_identifiability(rep: Any) -> None:
    """The verdict, the weight ranges, the null checks and the widest rank ranges (the parts of
    :meth:`IdentifiabilityReport.summary`, fitted to the terminal)."""
    i = rep.info
    _term.echo(f"Identifiability ({i['aggregator']} mean, scale {i['scale']}): {rep.verdict}")
    _term.echo(f"{i['n_targets']} target(s), {i['n_free']} free weight(s), constraint rank "
               f"{i['rank']}; tolerance ±{i['tol_min']:.3g}"
               + (f"–{i['tol_max']:.3g}" if i["tol_max"] > i["tol_min"] else ""))
    if i.get("note"):
        _term.note(i["note"])
    _term.echo("weights over the feasible set:")
    _term.print_table(rep.weights, decimals=4)
    _term.echo("null checks:")
    _term.print_table(rep.null_checks(), index=False)
    u = rep.units
    has_ranks = "rank_best" in u
    width = (u["rank_worst"] - u["rank_best"]) if has_ranks else (u["score_max"] - u["score_min"])
    wide = u.assign(width=width).sort_values(["width", "rank_fitted"], ascending=[False, True])
    cols = ["published", "fitted", "score_min", "score_max", "rank_fitted"] + (
        ["rank_best", "rank_worst"] if has_ranks else [])
    _term.echo(("rank" if has_ranks else "score") + " ranges over the feasible set (widest):")
    _term.print_table(wide[cols].head(10))

