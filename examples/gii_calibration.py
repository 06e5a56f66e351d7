"""Recover the weights of the Global Innovation Index from its published scores.

The GII overall score is ½·(mean of the five input pillars) + ½·(mean of the two output
pillars), i.e. weight 0.1 per input pillar and 0.25 per output pillar. This example calibrates
the published overall score on the seven published pillar scores, edition by edition
(2011–2022), with :func:`aiindex.analysis.calibrate.calibrate`, prints the fitted weights and the fit, and
checks the recovered structure.

Data: ``../shared/data/gii/gii_2011_2022_pillars_mendeley.csv`` (';'-separated, decimal commas,
UTF-8 BOM; see the README beside it). Run::

    python examples/gii_calibration.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from aiindex.analysis.calibrate import calibrate

DATA_FILE = "gii_2011_2022_pillars_mendeley.csv"
INPUT_PILLARS = [
    "Institutions",
    "Human capital and research",
    "Infrastructure",
    "Market sophistication",
    "Business sophistication",
]
OUTPUT_PILLARS = ["Knowledge and technology outputs", "Creative outputs"]
PILLARS = INPUT_PILLARS + OUTPUT_PILLARS
OVERALL = "Global Innovation Index"
#: the published GII structure (GII reports: overall = mean of input and output sub-indices)
STRUCTURE = pd.Series([0.1] * 5 + [0.25] * 2, index=PILLARS)


def data_dir() -> Path:
    """Folder holding the GII data (``<project>/../shared/data/gii``)."""
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "gii"


def load(path: Path | None = None) -> pd.DataFrame:
    """Read the Mendeley GII pillar file (one row per economy and edition)."""
    p = path or data_dir() / DATA_FILE
    if not p.exists():
        raise FileNotFoundError(
            f"GII data not found at {p}. This example expects the shared data folder "
            "'shared/data/gii' beside the project folder (see its README)."
        )
    df = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")
    missing = [c for c in [*PILLARS, OVERALL, "Economies", "Year"] if c not in df.columns]
    if missing:
        raise ValueError(f"{p}: missing column(s) {missing}")
    return df


def calibrate_year(df: pd.DataFrame, year: int):
    """Calibrate one edition; returns the :class:`~aiindex.analysis.calibrate.CalibrationResult`."""
    g = df[df["Year"] == year].dropna(subset=[*PILLARS, OVERALL]).set_index("Economies")
    return calibrate(g[OVERALL], g[PILLARS], scale="none", aggregator="arithmetic")


def main(years: list[int] | None = None, *, verbose: bool = True,
         path: Path | None = None) -> pd.DataFrame:
    """Calibrate every edition and return one row per year.

    Columns: ``units``, the seven fitted weights, ``max_abs_error``, ``rmse``, ``r2``,
    ``max_weight_dev`` (largest |fitted − structure|), ``structure_max_error`` (max abs error of
    the published structure itself), ``rounding`` (bound from the published decimals),
    ``consistent`` and ``geometric_rmse`` (fit of the geometric alternative).
    """
    df = load(path)
    years = years or sorted(int(y) for y in df["Year"].unique())
    rows = []
    for y in years:
        r = calibrate_year(df, y)
        g = df[df["Year"] == y].dropna(subset=[*PILLARS, OVERALL])
        struct_err = float(np.abs(g[OVERALL] - g[PILLARS] @ STRUCTURE).max())
        alt = r.alternatives
        geo = alt.loc[alt["aggregator"] == "geometric", "rmse"]
        rows.append({"year": y, "units": len(r.published), **r.weights.to_dict(),
                     "max_abs_error": r.max_abs_error, "rmse": r.rmse, "r2": r.r2,
                     "max_weight_dev": float((r.weights - STRUCTURE).abs().max()),
                     "structure_max_error": struct_err, "rounding": r.rounding,
                     "consistent": r.consistent,
                     "geometric_rmse": float(geo.iloc[0]) if len(geo) else float("nan")})
        if verbose:
            print(f"=== GII {y}: {len(r.published)} economies")
            print("  weights: " + ", ".join(f"{c[:14]} {w:.4f}" for c, w in r.weights.items()))
            print(f"  max abs error {r.max_abs_error:.3f}, RMSE {r.rmse:.4f}, R² {r.r2:.6f}; "
                  f"largest weight deviation from 0.1/0.25: "
                  f"{rows[-1]['max_weight_dev']:.4f}")
            print(f"  {r.statement}")
    out = pd.DataFrame(rows).set_index("year")
    if verbose:
        short = out[["units", *PILLARS, "max_abs_error", "rmse", "r2", "max_weight_dev"]].rename(
            columns={c: c.split()[0][:6] for c in PILLARS})
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print()
            print(short.round(4).to_string())
        ok = out.loc[out.index >= 2013]
        recovered = bool((ok["max_weight_dev"] <= 0.01).all())
        print(f"\nStructure 0.1 × 5 input pillars + 0.25 × 2 output pillars recovered within 0.01 "
              f"for 2013-2022: {recovered}; max abs error 2013-2022: "
              f"{ok['max_abs_error'].max():.3f}")
    return out


if __name__ == "__main__":
    try:
        main()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
