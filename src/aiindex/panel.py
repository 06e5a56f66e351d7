"""Multi-year analysis: run a config over a panel, trends, rank changes and score gaps.

:func:`run_panel` runs the pipeline once per year. The data-preparation stages
(:func:`aiindex.pipeline.prepare`) run per year; panel imputation methods see every year through
``StageContext.panel``. Normalisation bounds are either

* ``"per_year"``: each year is normalised on its own data (min/max, mean/sd... of that year).
  Scores are comparable *within* a year; a unit's score can move only because others moved.
* ``"pooled"``: the statistics come from the treated data of **all years of the data stacked**
  (``reference=`` of the normalisers, see ``docs/dev/contract.md``), so a given raw value maps
  to the same normalised value in every year and scores are comparable over time. The pool is
  every year of the data even when ``years`` selects a subset, so a year's scores do not depend
  on which years are reported; ``pool="selected"`` pools over the selected years only.

When ``bounds`` is not given, the config's ``normalize: {pooled: true}`` option selects pooled
bounds; otherwise per-year.

:func:`trends` summarises each unit's path (absolute change, compound annual growth rate, OLS
slope per year, rank change); :func:`gaps` gives the score gap between two units by year;
:func:`plot_gap` charts it (matplotlib imported lazily: extra ``aiindex[plot]``).

:func:`read_gii_panel` reads the GII 2011-2022 pillar file of Mendeley Data (``;``-separated,
decimal commas, BOM) into a wide ``iData`` table with ISO3 unit codes.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .pipeline import Result
    from .spec import Framework

__all__ = [
    "GII_ISO3",
    "GII_PILLARS",
    "PanelResult",
    "gaps",
    "plot_gap",
    "read_gii_panel",
    "register_cli",
    "run_panel",
    "trends",
]

Bounds = Literal["per_year", "pooled"]
Pool = Literal["all", "selected"]

#: GII pillar column of the Mendeley file → metric code used in ``configs/gii_framework.yaml``
GII_PILLARS: dict[str, str] = {
    "Institutions": "Institutions",
    "Human capital and research": "HumanCapital",
    "Infrastructure": "Infrastructure",
    "Market sophistication": "MarketSoph",
    "Business sophistication": "BusinessSoph",
    "Knowledge and technology outputs": "KnowledgeTech",
    "Creative outputs": "Creative",
}

#: Economy names of the GII Mendeley file → ISO 3166-1 alpha-3 codes. The file's ``ID`` column is
#: a sequential number, not a country code. Codes were matched by name against the ``uCode``
#: column of COINr's ``WorldDenoms`` table (../shared/data/asem/WorldDenoms.csv); the 22 names
#: that differ in spelling there (e.g. "Czech Republic" = "Czechia", "Swaziland - Eswatini",
#: "North Macedonia*") were matched by hand to the ISO 3166-1 code of the same country.
GII_ISO3: dict[str, str] = {
    'Albania': 'ALB', 'Algeria': 'DZA', 'Angola': 'AGO', 'Argentina': 'ARG', 'Armenia': 'ARM',
    'Australia': 'AUS', 'Austria': 'AUT', 'Azerbaijan': 'AZE', 'Bahrain': 'BHR',
    'Bangladesh': 'BGD', 'Barbados': 'BRB', 'Belarus': 'BLR', 'Belgium': 'BEL', 'Belize': 'BLZ',
    'Benin': 'BEN', 'Bhutan': 'BTN', 'Bolivia (Plurinational State of)': 'BOL',
    'Bosnia and Herzegovina': 'BIH', 'Botswana': 'BWA', 'Brazil': 'BRA',
    'Brunei Darussalam': 'BRN', 'Bulgaria': 'BGR', 'Burkina Faso': 'BFA', 'Burundi': 'BDI',
    'Cabo Verde': 'CPV', 'Cambodia': 'KHM', 'Cameroon': 'CMR', 'Canada': 'CAN', 'Chile': 'CHL',
    'China': 'CHN', 'Colombia': 'COL', 'Costa Rica': 'CRI', 'Cote dIvoire': 'CIV',
    'Croatia': 'HRV', 'Cyprus': 'CYP', 'Czech Republic': 'CZE', 'Denmark': 'DNK',
    'Dominican Republic': 'DOM', 'Ecuador': 'ECU', 'Egypt': 'EGY', 'El Salvador': 'SLV',
    'Estonia': 'EST', 'Ethiopia': 'ETH', 'Fiji': 'FJI', 'Finland': 'FIN', 'France': 'FRA',
    'Gabon': 'GAB', 'Gambia': 'GMB', 'Georgia': 'GEO', 'Germany': 'DEU', 'Ghana': 'GHA',
    'Greece': 'GRC', 'Guatemala': 'GTM', 'Guinea': 'GIN', 'Guyana': 'GUY', 'Honduras': 'HND',
    'Hong Kong (China)': 'HKG', 'Hungary': 'HUN', 'Iceland': 'ISL', 'India': 'IND',
    'Indonesia': 'IDN', 'Iran (Islamic Republic of)': 'IRN', 'Iraq': 'IRQ', 'Ireland': 'IRL',
    'Israel': 'ISR', 'Italy': 'ITA', 'Jamaica': 'JAM', 'Japan': 'JPN', 'Jordan': 'JOR',
    'Kazakhstan': 'KAZ', 'Kenya': 'KEN', 'Kuwait': 'KWT', 'Kyrgyzstan': 'KGZ',
    "Lao People's Democratic Republic": 'LAO', 'Latvia': 'LVA', 'Lebanon': 'LBN',
    'Lesotho': 'LSO', 'Lithuania': 'LTU', 'Luxembourg': 'LUX', 'Madagascar': 'MDG',
    'Malawi': 'MWI', 'Malaysia': 'MYS', 'Mali': 'MLI', 'Malta': 'MLT', 'Mauritania': 'MRT',
    'Mauritius': 'MUS', 'Mexico': 'MEX', 'Mongolia': 'MNG', 'Montenegro': 'MNE', 'Morocco': 'MAR',
    'Mozambique': 'MOZ', 'Myanmar': 'MMR', 'Namibia': 'NAM', 'Nepal': 'NPL', 'Netherlands': 'NLD',
    'New Zealand': 'NZL', 'Nicaragua': 'NIC', 'Niger': 'NER', 'Nigeria': 'NGA',
    'North Macedonia*': 'MKD', 'Norway': 'NOR', 'Oman': 'OMN', 'Pakistan': 'PAK', 'Panama': 'PAN',
    'Paraguay': 'PRY', 'Peru': 'PER', 'Philippines': 'PHL', 'Poland': 'POL', 'Portugal': 'PRT',
    'Qatar': 'QAT', 'Republic of Korea (the)': 'KOR', 'Republic of Moldova (the)': 'MDA',
    'Romania': 'ROU', 'Russian Federation': 'RUS', 'Rwanda': 'RWA', 'Saudi Arabia': 'SAU',
    'Senegal': 'SEN', 'Serbia': 'SRB', 'Seychelles': 'SYC', 'Singapore': 'SGP', 'Slovakia': 'SVK',
    'Slovenia': 'SVN', 'South Africa': 'ZAF', 'Spain': 'ESP', 'Sri Lanka': 'LKA', 'Sudan': 'SDN',
    'Swaziland - Eswatini': 'SWZ', 'Sweden': 'SWE', 'Switzerland': 'CHE',
    'Syrian Arab Republic': 'SYR', 'Tajikistan': 'TJK', 'Thailand': 'THA', 'Togo': 'TGO',
    'Trinidad and Tobago': 'TTO', 'Tunisia': 'TUN', 'Turkey': 'TUR', 'Uganda': 'UGA',
    'Ukraine': 'UKR', 'United Arab Emirates': 'ARE', 'United Kingdom': 'GBR',
    'United Republic of Tanzania (the)': 'TZA', 'United States of America': 'USA',
    'Uruguay': 'URY', 'Uzbekistan': 'UZB', 'Venezuela, Bolivarian Republic of': 'VEN',
    'Vietnam': 'VNM', 'Yemen': 'YEM', 'Zambia': 'ZMB', 'Zimbabwe': 'ZWE',
}

_GII_HEADER = ("Economies", "Year", "ID")


# ------------------------------------------------------------------------------- GII reader
def is_gii_mendeley(path: str | Path) -> bool:
    """True when ``path`` is the GII Mendeley pillar file (header ``Economies;Year;ID;...``)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() != ".csv":
        return False
    with open(p, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline().strip().split(";")
    return tuple(h.strip() for h in head[:3]) == _GII_HEADER


def read_gii_panel(path: str | Path, *, keep_empty: bool = False) -> pd.DataFrame:
    """Read the GII 2011-2022 pillar scores (Mendeley Data file) as a wide ``iData`` table.

    The file is ``;``-separated with decimal commas and a BOM (see
    ``../shared/data/gii/README.md``); :func:`aiindex.data.load_data` does not read decimal
    commas, hence this reader.

    Parameters
    ----------
    path
        The CSV file.
    keep_empty
        Keep economy-years whose seven pillar scores are all empty (economy not covered in that
        edition). Default ``False``: such rows are dropped (191 of the 1,788 rows).

    Returns
    -------
    DataFrame
        Columns ``uCode`` (ISO3, from :data:`GII_ISO3`), ``uName``, ``Time`` (edition year), the
        seven pillar codes of :data:`GII_PILLARS` (float, 0-100) and ``GII_published`` (the
        published index score), sorted by ``uCode, Time``.

    Raises
    ------
    DataError
        Missing columns, an economy name without an ISO3 code, or duplicate economy-years.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"GII file not found: {p}")
    raw = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")
    raw.columns = [str(c).strip() for c in raw.columns]
    need = [*_GII_HEADER, *GII_PILLARS, "Global Innovation Index"]
    miss = [c for c in need if c not in raw.columns]
    if miss:
        raise DataError(f"{p}: not the GII Mendeley layout, missing column(s) {miss}")
    names = raw["Economies"].astype(str).str.strip()
    codes = names.map(GII_ISO3)
    unknown = sorted(names[codes.isna()].unique())
    if unknown:
        raise DataError(f"{p}: no ISO3 code for economy name(s) {unknown}; add them to "
                        "aiindex.panel.GII_ISO3")
    bad = [c for c in GII_PILLARS if not pd.api.types.is_numeric_dtype(raw[c])]
    if bad:
        raise DataError(f"{p}: pillar column(s) {bad} are not numeric (decimal commas expected)")
    out = pd.DataFrame({"uCode": codes.astype(str), "uName": names,
                        "Time": raw["Year"].astype(int)})
    for col, code in GII_PILLARS.items():
        out[code] = raw[col].astype("float64")
    out["GII_published"] = raw["Global Innovation Index"].astype("float64")
    dup = out.duplicated(["uCode", "Time"], keep=False)
    if dup.any():
        raise DataError(f"{p}: duplicate economy-years {out.loc[dup, ['uCode', 'Time']].values[:5]}")
    if not keep_empty:
        out = out[out[list(GII_PILLARS.values())].notna().any(axis=1)]
    return out.sort_values(["uCode", "Time"]).reset_index(drop=True)


# ------------------------------------------------------------------------------ run_panel
@dataclass
class PanelResult:
    """Results of one config over several years.

    Attributes
    ----------
    results
        Year → :class:`~aiindex.pipeline.Result`.
    tidy
        Long table ``uCode, year, node, level, score, rank`` (metrics: normalised values;
        aggregates: scores; ranks within each year).
    bounds
        ``"per_year"`` or ``"pooled"``.
    years
        Years run, increasing.
    framework, config
        The framework and resolved config.
    reference
        The pooled reference table (treated data of the pooled years, index ``(uCode, Time)``),
        or ``None`` for per-year bounds.
    pooled_years
        Years whose data define the pooled bounds (all years of the data, or the selected years
        with ``pool="selected"``); empty for per-year bounds.
    """

    results: dict[int, Result]
    tidy: pd.DataFrame
    bounds: str
    years: list[int]
    framework: Framework
    config: Config
    reference: pd.DataFrame | None = None
    pooled_years: list[int] = field(default_factory=list)

    def _node(self, node: str | None) -> str:
        node = self.framework.root if node is None else node
        if node not in self.framework.nodes:
            raise ConfigError(f"unknown framework node {node!r}")
        return node

    def scores(self, node: str | None = None) -> pd.DataFrame:
        """Units × years table of the scores of ``node`` (default: the index)."""
        node = self._node(node)
        t = self.tidy[self.tidy["node"] == node]
        w = t.pivot(index="uCode", columns="year", values="score").astype("float64")
        return w.reindex(columns=self.years)

    def ranks(self, node: str | None = None) -> pd.DataFrame:
        """Units × years table of the ranks of ``node`` (within each year; ``Int64``)."""
        node = self._node(node)
        t = self.tidy[self.tidy["node"] == node]
        w = t.pivot(index="uCode", columns="year", values="rank")
        return w.reindex(columns=self.years).astype("Int64")

    def year(self, year: int) -> Result:
        """The result of one year."""
        if year not in self.results:
            raise DataError(f"year {year} was not run (years: {self.years})")
        return self.results[year]

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``panel_tidy.csv``, ``panel_scores.csv`` and ``panel_ranks.csv`` (index)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out = [d / "panel_tidy.csv", d / "panel_scores.csv", d / "panel_ranks.csv"]
        self.tidy.to_csv(out[0], index=False, float_format="%.10g")
        self.scores().to_csv(out[1], float_format="%.10g")
        self.ranks().to_csv(out[2])
        return out

    def __repr__(self) -> str:
        return (f"PanelResult({self.config.name!r}: years {self.years[0]}-{self.years[-1]} "
                f"({len(self.years)}), bounds={self.bounds!r})")


def _panel_data(cfg: Config, data: Any) -> Any:
    """``data`` or the config's data file; the GII Mendeley file is read with its own reader."""
    if data is not None:
        if isinstance(data, str | Path) and is_gii_mendeley(data):
            return read_gii_panel(data)
        return data
    if cfg.data.file is not None:
        path = cfg.path(cfg.data.file)
        if path is not None and is_gii_mendeley(path):
            return read_gii_panel(path)
    return None


def run_panel(
    config: Any,
    years: Sequence[int] | None = None,
    bounds: Bounds | None = None,
    *,
    data: Any = None,
    overrides: Mapping[str, Any] | None = None,
    pool: Pool = "all",
) -> PanelResult:
    """Run a config over several years of a panel.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    years
        Years to run (default: every year of the data).
    bounds
        ``"per_year"`` or ``"pooled"`` normalisation statistics (see the module docstring).
        ``None``: pooled when the config sets ``normalize: {pooled: true}``, else per-year.
    data
        Data replacing the config's (a wide/long DataFrame with a ``Time`` column, or a path).
        The GII Mendeley pillar file is recognised and read with :func:`read_gii_panel`.
    overrides
        Nested mapping deep-merged into the config.
    pool
        With pooled bounds, the years whose treated data define the normalisation statistics:
        ``"all"`` (default) every year of the data, whatever ``years`` selects (so a year's
        scores do not depend on which years are reported), or ``"selected"`` the selected
        years only.

    Returns
    -------
    PanelResult

    Raises
    ------
    DataError
        The data have fewer than two years, or a requested year is absent.
    ConfigError
        ``bounds`` is not ``"per_year"``/``"pooled"``, or ``pool`` not ``"all"``/``"selected"``.
    """
    from .config import resolve_config
    from .errors import ValidationError
    from .pipeline import build_framework, check_methods, finish, load_dataset, prepare

    cfg = resolve_config(config, overrides)
    fw = build_framework(cfg)
    problems = check_methods(cfg, fw)
    if problems:
        raise ValidationError(problems, title="invalid config")
    ds = load_dataset(cfg, fw, _panel_data(cfg, data))
    if not ds.is_panel:
        raise DataError(f"run_panel needs data with a year column ({cfg.data.year_column!r}) and "
                        f"at least two years; got {ds.years or 'a cross-section'}")
    if years is None:
        ys = ds.years
    else:
        ys = sorted({int(y) for y in years})
        absent = [y for y in ys if y not in ds.years]
        if absent:
            raise DataError(f"year(s) {absent} not in the data (years: {ds.years})")
        if not ys:
            raise DataError("run_panel: empty list of years")
    if bounds is None:
        bounds = "pooled" if bool(cfg.normalize.option("pooled", False)) else "per_year"
    if bounds not in ("per_year", "pooled"):
        raise ConfigError(f"bounds must be 'per_year' or 'pooled', got {bounds!r}")
    if pool not in ("all", "selected"):
        raise ConfigError(f"pool must be 'all' or 'selected', got {pool!r}")
    pooled_years = ((list(ds.years) if pool == "all" else list(ys)) if bounds == "pooled"
                    else [])
    preps = {y: prepare(cfg, fw, ds, year=y) for y in sorted(set(ys) | set(pooled_years))}
    reference = None
    if bounds == "pooled":
        reference = pd.concat({y: preps[y].stages["treated"] for y in pooled_years},
                              names=["Time", "uCode"]).swaplevel(0, 1)
    results = {y: finish(preps[y], reference=reference) for y in ys}
    tidy = pd.concat([r.tidy().assign(year=y) for y, r in results.items()], ignore_index=True)
    tidy["year"] = tidy["year"].astype(int)
    return PanelResult(results, tidy, str(bounds), list(ys), fw, cfg, reference, pooled_years)


# --------------------------------------------------------------------------------- trends
def _first_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column positions of the first and last True of each row (rows need one True)."""
    first = np.argmax(M, axis=1)
    last = M.shape[1] - 1 - np.argmax(M[:, ::-1], axis=1)
    return first, last


def trends(panel: PanelResult, node: str | None = None) -> pd.DataFrame:
    """Per-unit change of a node's score between its first and last scored year.

    Parameters
    ----------
    panel
        A :class:`PanelResult`.
    node
        Node code (default: the index).

    Returns
    -------
    DataFrame (index ``uCode``)
        ``first_year, last_year, n_years, score_first, score_last, change`` (last − first),
        ``cagr``, ``slope`` (OLS slope of score on year over the scored years, points/year),
        ``rank_first, rank_last, rank_change`` (``rank_first − rank_last``: positive = moved up),
        ``note``.

    Notes
    -----
    ``cagr = (score_last / score_first) ** (1 / (last_year − first_year)) − 1``. It is defined
    only for ``score_first > 0``, ``score_last >= 0`` and two distinct years; otherwise (e.g.
    z-scores, which are negative for half of the units, or a unit scored in one year only)
    ``cagr`` is ``NaN`` and ``note`` says why. A score that falls to 0 gives ``cagr = −1``.
    Ranks are within each year, so with units entering or leaving the panel (GII) a rank change
    also reflects coverage.
    """
    S = panel.scores(node)
    R = panel.ranks(node).reindex(S.index).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    Y = S.to_numpy(dtype=float)
    t = np.asarray(S.columns, dtype=float)
    M = ~np.isnan(Y)
    n = M.sum(axis=1)
    has = n > 0
    first, last = _first_last(M)
    rows = np.arange(len(Y))
    y0 = np.where(has, Y[rows, first], np.nan)
    y1 = np.where(has, Y[rows, last], np.nan)
    t0 = np.where(has, t[first], np.nan)
    t1 = np.where(has, t[last], np.nan)
    span = t1 - t0
    ok = has & (span > 0) & (y0 > 0) & (y1 >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cagr = np.where(ok, (y1 / y0) ** (1.0 / np.where(ok, span, 1.0)) - 1.0, np.nan)
    # OLS slope, centred on the first value so that a constant series gives exactly 0
    Yc = np.where(M, Y - y0[:, None], 0.0)
    Tm = np.where(M, t[None, :], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tbar = Tm.sum(axis=1) / n
        ybar = Yc.sum(axis=1) / n
        dt = np.where(M, t[None, :] - tbar[:, None], 0.0)
        slope = np.where(n >= 2, (dt * (Yc - ybar[:, None])).sum(axis=1)
                         / (dt**2).sum(axis=1), np.nan)
    note = np.full(len(Y), "", dtype=object)
    note[has & ~(span > 0)] = "one year only: no CAGR or slope"
    note[has & (span > 0) & ~(y0 > 0)] = "first score <= 0: no CAGR"
    note[has & (span > 0) & (y0 > 0) & ~(y1 >= 0)] = "last score < 0: no CAGR"
    note[~has] = "never scored"
    r0 = np.where(has, R[rows, first], np.nan)
    r1 = np.where(has, R[rows, last], np.nan)
    out = pd.DataFrame({
        "first_year": pd.array(np.where(has, t0, np.nan), dtype="Float64").astype("Int64"),
        "last_year": pd.array(np.where(has, t1, np.nan), dtype="Float64").astype("Int64"),
        "n_years": n.astype(int), "score_first": y0, "score_last": y1, "change": y1 - y0,
        "cagr": cagr, "slope": slope,
        "rank_first": pd.array(r0, dtype="Float64").astype("Int64"),
        "rank_last": pd.array(r1, dtype="Float64").astype("Int64"),
        "rank_change": pd.array(r0 - r1, dtype="Float64").astype("Int64"),
        "note": note}, index=S.index)
    out.index.name = "uCode"
    return out


def gaps(panel: PanelResult, a: str, b: str, node: str | None = None) -> pd.DataFrame:
    """Score gap between units ``a`` and ``b`` in every year.

    Returns
    -------
    DataFrame
        ``year, score_a, score_b, gap`` (``score_a − score_b``), ``rank_a, rank_b, note``; a year
        in which either unit has no score has ``gap`` NaN and a ``note`` naming the unit.
    """
    S = panel.scores(node)
    R = panel.ranks(node)
    for u in (a, b):
        if u not in S.index:
            raise DataError(f"unit {u!r} is not in the panel (node {panel._node(node)!r})")
    sa, sb = S.loc[a], S.loc[b]
    note = np.full(len(S.columns), "", dtype=object)
    note[sb.isna().to_numpy()] = f"{b} not scored"
    note[sa.isna().to_numpy()] = f"{a} not scored"
    note[(sa.isna() & sb.isna()).to_numpy()] = f"{a} and {b} not scored"
    return pd.DataFrame({"year": np.asarray(S.columns, dtype=int), "score_a": sa.to_numpy(),
                         "score_b": sb.to_numpy(), "gap": (sa - sb).to_numpy(),
                         "rank_a": R.loc[a].to_numpy(), "rank_b": R.loc[b].to_numpy(),
                         "note": note})


def plot_gap(panel: PanelResult | pd.DataFrame, a: str, b: str, node: str | None = None, *,
             ax: Any = None, label: str | None = None, path: str | Path | None = None) -> Any:
    """Line chart of the gap ``a − b`` over the years (needs matplotlib: ``aiindex[plot]``).

    Parameters
    ----------
    panel
        A :class:`PanelResult`, or a table returned by :func:`gaps`.
    a, b, node
        Units and node (as :func:`gaps`).
    ax
        Matplotlib axes to draw on (default: a new figure). Call twice with the same ``ax`` to
        compare, e.g., pooled and per-year bounds.
    label
        Legend label (default: the panel's bounds).
    path
        Save the figure there when given.

    Returns
    -------
    matplotlib.axes.Axes
        Drawn on a new :class:`matplotlib.figure.Figure` built without pyplot when ``ax`` is not
        given (no backend is selected or changed; show it with ``ax.figure`` in a notebook, or
        save it with ``path``). ``aiindex trends --plot`` draws the two-panel
        :func:`aiindex.plot.trend_gap` chart instead.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_gap needs matplotlib: pip install 'aiindex[plot]'") from exc
    g = panel if isinstance(panel, pd.DataFrame) else gaps(panel, a, b, node)
    if label is None:
        label = panel.bounds if isinstance(panel, PanelResult) else f"{a} − {b}"
    if ax is None:
        # a figure without pyplot: no GUI backend is selected and matplotlib's global backend is
        # left as the caller set it
        ax = Figure(figsize=(7, 4)).add_subplot()
    ax.plot(g["year"], g["gap"], marker="o", label=label)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel(f"score gap {a} − {b} (index points, 0–100 scale)")
    ax.set_title(f"Score gap {a} − {b} over the years" + (f" ({node})" if node else ""))
    ax.legend()
    src = ""
    if isinstance(panel, PanelResult):
        name = getattr(panel.config, "name", None) or "panel run"
        src = f"Source: {name}; normalisation bounds {panel.bounds}; computed with aiindex"
    else:
        src = "Computed with aiindex (aiindex.panel.gaps)"
    ax.figure.text(0.01, 0.005, src, fontsize=7, color="#555555", ha="left", va="bottom")
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


# ------------------------------------------------------------------------------------- CLI
def _cmd_trends(args: argparse.Namespace) -> int:
    from .cli import _fmt_table, parse_set

    pr = run_panel(args.config, years=args.years, bounds=args.bounds, data=args.data,
                   overrides=parse_set(args.set), pool=args.pool)
    node = args.node
    tr = trends(pr, node)
    pooled = (f" over {pr.pooled_years[0]}-{pr.pooled_years[-1]} ({len(pr.pooled_years)} years)"
              if pr.pooled_years else "")
    print(f"{pr.config.name}: years {pr.years[0]}-{pr.years[-1]} ({len(pr.years)}), "
          f"bounds {pr.bounds}{pooled}, node {pr._node(node)}")
    print(_fmt_table(tr.sort_values("change", ascending=False), max_rows=args.top))
    g = None
    if args.gap:
        a, b = args.gap
        g = gaps(pr, a, b, node)
        print(f"\nGap {a} − {b}:")
        print(_fmt_table(g))
    if args.out:
        d = Path(args.out)
        paths = pr.to_csv(d)
        tr.to_csv(d / "trends.csv", float_format="%.10g")
        paths.append(d / "trends.csv")
        if g is not None:
            p = d / f"gap_{args.gap[0]}_{args.gap[1]}.csv"
            g.to_csv(p, index=False, float_format="%.10g")
            paths.append(p)
            if args.plot:
                p = d / f"gap_{args.gap[0]}_{args.gap[1]}.png"
                _gap_chart(pr, args.gap[0], args.gap[1], node, p)
                paths.append(p)
        print(f"\nwrote {len(paths)} files to {d}")
    return 0


def _gap_chart(pr: PanelResult, a: str, b: str, node: str | None, path: Path) -> Any:
    """The ``trends --plot`` chart: :func:`aiindex.plot.trend_gap` (scores of ``a`` and ``b`` over
    the years, and their gap), saved to ``path``."""
    from .plot import trend_gap

    n = pr._node(node)
    wide = pr.scores(n).T  # years × units
    last = pr.results[pr.years[-1]] if pr.results else None
    names = getattr(last, "names", None)
    label = pr.framework.nodes[n].name or n
    bounds = pr.bounds + (f" {pr.pooled_years[0]}-{pr.pooled_years[-1]}" if pr.pooled_years
                          else "")
    src = (f"{pr.config.name}; normalisation bounds {bounds}; computed with aiindex "
           "(aiindex.panel)")
    return trend_gap(wide, [a, b], gap=(a, b), names=names,
                     title=f"{label}: {a} and {b} over the years", source=src, save=path)


def register_cli(subparsers: Any) -> None:
    """Add ``aiindex trends CONFIG [--years ...] [--bounds ...] [--gap A B] [--out DIR]``."""
    from .cli import add_config_arguments

    p = subparsers.add_parser("trends", help="run a config over a panel: trends, rank changes, "
                              "gaps between units")
    add_config_arguments(p, out_help="folder for panel_*.csv, trends.csv, gap_A_B.csv")
    p.add_argument("--years", type=int, nargs="+", help="years to run (default: all)")
    p.add_argument("--bounds", choices=["per_year", "pooled"], default=None,
                   help="normalisation bounds (default: config normalize.pooled, else per_year)")
    p.add_argument("--pool", choices=["all", "selected"], default="all",
                   help="pooled bounds over all years of the data (default) or only --years")
    p.add_argument("--gap", nargs=2, metavar=("A", "B"), help="score gap A − B by year")
    p.add_argument("--node", help="node to follow (default: the index)")
    p.add_argument("--top", type=int, default=None, help="print only the first N rows")
    p.add_argument("--plot", action="store_true",
                   help="with --gap and --out: save a PNG chart (scores and gap over the years)")
    p.set_defaults(func=_cmd_trends)
