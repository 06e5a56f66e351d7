"""``aiindex calibrate [CONFIG] --published F.csv``: weights that reproduce published scores."""

from __future__ import annotations

import argparse

from ._common import add_config_arguments, check_out, config_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex calibrate``."""
    add_config_arguments(p, out_help="write the fitted weights as a YAML config fragment")
    p.add_argument("--published", required=True, metavar="FILE.csv",
                   help="CSV of published scores with columns uCode,score")
    p.add_argument("--level", type=int, default=None,
                   help="level whose weights are fitted (default: the whole tree)")
    p.add_argument("--scale", default="none",
                   choices=["none", "leader100", "minmax", "affine", "auto"],
                   help="how published totals relate to the weighted mean: none, leader100 "
                        "(leader = 100), minmax (rescaled to 0-100), affine (a*x+b), or auto")
    p.add_argument("--tol", type=float, default=0.05,
                   help="tolerance per target when there are few published scores")


def main(args: argparse.Namespace) -> int:
    """Fit and print the weights."""
    from ..analysis.calibrate import calibrate, read_published

    check_out(args.out, folder=False)
    pub = read_published(args.published)
    res = calibrate(pub, config=config_from_args(args), level=args.level, scale=args.scale,
                    tol=args.tol, data=args.data)
    print(res.summary())
    if args.out:
        res.to_yaml(args.out)
        print(f"\nwrote fitted weights to {args.out}")
    return 0
