"""``aiindex calibrate [CONFIG] --published F.csv``: weights that reproduce published scores.

``--out OVERLAY.yaml`` writes a complete config overlay (``extends:`` the config, the fitted
weights under ``weights: explicit:`` and the fitted scale as ``rescale:``) that ``aiindex run
OVERLAY.yaml`` runs and ``aiindex whatif CONFIG OVERLAY.yaml`` takes as a scenario.
``--report DIR`` adds the identifiability report (:mod:`aiindex.analysis.identify`).
"""

from __future__ import annotations

import argparse

from ._common import add_config_arguments, check_out, command_line, config_from_args, parse_set


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex calibrate``."""
    add_config_arguments(p, out_help="write a config overlay (extends CONFIG; fitted weights "
                                     "and rescale) that `aiindex run` reproduces the fit with")
    p.add_argument("--published", required=True, metavar="FILE.csv",
                   help="CSV of published scores with columns uCode,score")
    p.add_argument("--level", type=int, default=None,
                   help="level whose weights are fitted (default: the whole tree)")
    p.add_argument("--scale", default="auto",
                   choices=["auto", "none", "leader", "leader100", "minmax", "affine"],
                   help="how published totals relate to the weighted mean: auto (default: the "
                        "simplest that fits at the rounding of the published figures), none, "
                        "leader (leader = 100; alias leader100), minmax (0-100), affine (a + b*x)")
    p.add_argument("--tol", type=float, default=None,
                   help="tolerance per target when there are few published scores (default: "
                        "the rounding of the published figures)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="write the identifiability report (CSVs + summary.txt) to this folder")


def main(args: argparse.Namespace) -> int:
    """Fit and print the weights; write the overlay and the identifiability report."""
    from ..analysis.calibrate import calibrate, read_published

    check_out(args.out, folder=False)
    pub = read_published(args.published)
    res = calibrate(pub, config=config_from_args(args), level=args.level, scale=args.scale,
                    tol=args.tol, data=args.data)
    print(res.summary())
    if args.out:
        extra = parse_set(getattr(args, "set", None))
        if args.data:
            from pathlib import Path

            extra["data"] = {**extra.get("data", {}), "file": str(Path(args.data).resolve())}
        res.to_yaml(args.out, extra=extra)
        print(f"\nwrote the calibrated overlay to {args.out} (aiindex run {args.out})")
    if args.report:
        from ..analysis.identify import identifiability

        rep = identifiability(res)
        print("\n" + rep.summary())
        paths = rep.to_csv(args.report, command=command_line())
        print(f"\nwrote {len(paths)} files to {args.report}")
    return 0

