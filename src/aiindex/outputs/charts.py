"""Charts of an index (extra ``aiindex[plot]``; matplotlib is imported inside the functions).

Every chart exists in two forms:

* a **data function** taking plain pandas objects (testable on any data):
  :func:`ranked_bar`, :func:`rank_interval`, :func:`radar`, :func:`score_heatmap`,
  :func:`sunburst`, :func:`correlation_heatmap`, :func:`sensitivity_bar`, :func:`trend_gap`;
* a thin **wrapper taking a** :class:`~aiindex.pipeline.Result` (or an uncertainty/sensitivity
  result): :func:`plot_ranking`, :func:`plot_rank_intervals`, :func:`plot_radar`,
  :func:`plot_heatmap`, :func:`plot_framework`, :func:`plot_correlations`,
  :func:`plot_sensitivity`, :func:`plot_trends`.

Each returns a :class:`matplotlib.figure.Figure` (built without pyplot, so no GUI backend and no
global state is touched), sets a title, axis labels with units and a source note (figure text at
the bottom left), and writes the figure when ``save`` is a path: the format follows the suffix
(``.png``, ``.svg``, ``.pdf``). Colours come from the Okabe-Ito colour-blind-safe palette
(:data:`PALETTE`); continuous scales use ``cividis`` (sequential) and ``PuOr`` (diverging).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import ConfigError, DataError
from ..framework import Framework
from ..pipeline import PanelResult, Result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "TIER_COLORS",
    "ranked_bar",
    "rank_interval",
    "radar",
    "score_heatmap",
    "sunburst",
    "correlation_heatmap",
    "sensitivity_bar",
    "trend_gap",
    "plot_gap",
    "panel_gap_chart",
    "plot_ranking",
    "plot_rank_intervals",
    "plot_radar",
    "plot_heatmap",
    "plot_framework",
    "plot_correlations",
    "plot_sensitivity",
    "plot_trends",
    "save_figure",
]

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
#: Tier colours, tier 1 first (dark blue → sky blue → green → orange → vermillion → purple).
TIER_COLORS = ["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#D55E00", "#CC79A7", "#999999"]
_NOTE_COLOR = "#555555"
_SUFFIXES = {".png", ".svg", ".pdf"}


# ------------------------------------------------------------------------------------ helpers
def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path``; the format follows the suffix (``.png``, ``.svg``, ``.pdf``)."""
    p = Path(path)
    if p.suffix.lower() not in _SUFFIXES:
        raise ConfigError(f"cannot save a figure as {p.name!r}: use a .png, .svg or .pdf suffix")
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=dpi, format=p.suffix.lower()[1:])
    return p


def _finish(fig: Figure, title: str, source: str | None, save: str | Path | None) -> Figure:
    import textwrap

    # a bold 12 pt character is about 0.11 in wide: wrap instead of running off the figure
    width = max(30, int(fig.get_figwidth() / 0.115))
    fig.suptitle(textwrap.fill(_drawable(title), width), fontsize=12, fontweight="bold",
                 x=0.01, ha="left")
    if not source:
        source = f"computed with aiindex {__version__}"
    # the note lives in the layout as the figure's supxlabel so it never overlaps the axes
    # a 7 pt character is about 0.06 in wide: wrap a long note instead of cutting it off
    note = textwrap.fill(f"Source: {source}", max(60, int(fig.get_figwidth() / 0.062)))
    fig.supxlabel(note, fontsize=7, color=_NOTE_COLOR, x=0.01, ha="left")
    if save is not None:
        save_figure(fig, save)
    return fig


_GLYPHS: dict[str, frozenset[int]] = {}


def _drawable(text: str) -> str:
    """``text`` without the characters the default font has no glyph for.

    Names that mix scripts (e.g. "Industry and application (产业应用)") would otherwise be drawn
    with empty boxes; an emptied bracket pair and doubled spaces are removed too. With a font
    that covers the script configured in matplotlib, nothing is removed.
    """
    if text.isascii():
        return text
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    path = findfont(FontProperties(family=rcParams["font.family"]))
    if path not in _GLYPHS:
        _GLYPHS[path] = frozenset(FT2Font(path).get_charmap())
    have = _GLYPHS[path]
    out = "".join(ch for ch in text if ord(ch) in have or ch in "\n\t")
    if out == text:
        return text
    import re

    out = re.sub(r"\(\s*\)|\[\s*\]", "", out)
    out = re.sub(r"[ \t]{2,}", " ", out).strip()
    return out or text


def _labels(index: pd.Index, names: pd.Series | Mapping[str, str] | None,
            with_code: bool = False) -> list[str]:
    if names is None:
        return [_drawable(str(i)) for i in index]
    nm = pd.Series(names) if not isinstance(names, pd.Series) else names
    out = []
    for i in index:
        n = nm.get(i)
        n = str(i) if n is None or (isinstance(n, float) and np.isnan(n)) else str(n)
        out.append(_drawable(f"{n} ({i})" if with_code and n != str(i) else n))
    return out


def _tier_color(t: Any) -> str:
    if t is None or pd.isna(t):
        return "#BBBBBB"
    return TIER_COLORS[(int(t) - 1) % len(TIER_COLORS)]


def _source_of(result: Result, extra: str | None = None) -> str:
    base = f"{result.config.name}; computed with aiindex {result.version}"
    return f"{base}. {extra}" if extra else base


def _as_series(x: Any, what: str) -> pd.Series:
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise DataError(f"{what}: expected one column of scores, got {list(x.columns)}")
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        x = pd.Series(x)
    return x.astype("float64")


def _polar_axes(fig: Figure) -> Any:
    """A polar axes of ``fig`` starting at 12 o'clock and running clockwise."""
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    return ax


def _colorbar(fig: Figure, im: Any, ax: Any, label: str) -> None:
    """A slim labelled colour bar for the image ``im`` beside ``ax``."""
    cb = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
    cb.set_label(label, fontsize=8)
    cb.ax.tick_params(labelsize=7)


def _category_xticks(ax: Any, labels: Sequence[str], *, rotate_above: int,
                     rotation: float) -> None:
    """One x tick per category; labels turned by ``rotation`` degrees (right-aligned) when
    there are more than ``rotate_above`` of them."""
    turn = len(labels) > rotate_above
    ax.set_xticks(np.arange(len(labels)), labels, rotation=rotation if turn else 0,
                  ha="right" if turn else "center")


def _unit_of(result: Result) -> str:
    n = result.config.normalize
    if n.method in ("minmax", "n_minmax"):
        p = n.params("normalize")
        return f"{p.get('low', 0):g}–{p.get('high', 100):g}"
    return f"{n.method}-normalised"


# ---------------------------------------------------------------------------- 1. ranked bars
def ranked_bar(
    scores: pd.Series,
    tiers: pd.Series | None = None,
    *,
    names: pd.Series | Mapping[str, str] | None = None,
    top: int | None = None,
    title: str = "Index scores",
    xlabel: str = "Index score",
    unit: str = "0–100",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Horizontal bar chart of scores, best at the top, coloured by tier.

    Parameters
    ----------
    scores
        Score per unit (index = unit codes). Missing scores are left out.
    tiers
        Tier per unit (1 = top); bars are grey when ``None``.
    names
        Unit code → display name (default: the codes).
    top
        Show only the ``top`` best units.
    title, xlabel, unit, source
        Title, x-axis label, unit (appended to the label in brackets) and source note.
    save
        Path to write (``.png``/``.svg``/``.pdf``), or ``None``.

    Returns
    -------
    matplotlib.figure.Figure
        The bars are drawn top-down in rank order (ties keep input order).
    """
    s = _as_series(scores, "ranked_bar").dropna()
    if s.empty:
        raise DataError("ranked_bar: no non-missing scores to plot")
    order = s.sort_values(ascending=False, kind="stable").index
    if top is not None:
        order = order[:top]
    s = s.loc[order]
    n = len(s)
    fig = _figure(8.0, max(3.0, 0.22 * n + 1.4))
    ax = fig.add_subplot()
    y = np.arange(n)
    tv = tiers.reindex(order) if tiers is not None else pd.Series(pd.NA, index=order)
    colors = [_tier_color(t) for t in tv]
    ax.barh(y, s.to_numpy(), color=colors, edgecolor="none", height=0.75)
    ax.set_yticks(y, _labels(order, names))
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8 if n <= 40 else 7)
    ax.set_xlabel(f"{xlabel} ({unit})" if unit else xlabel)
    ax.set_ylabel("Unit (ranked, 1 = best)")
    for yi, v in zip(y, s.to_numpy(), strict=True):
        ax.text(v, yi, f" {v:.1f}", va="center", ha="left", fontsize=6.5, color="#333333")
    ax.set_xlim(min(0.0, float(s.min()) * 1.05), float(s.max()) * 1.1 if s.max() > 0 else 1.0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(n - 0.5, -0.5)
    if tiers is not None:
        from matplotlib.patches import Patch

        present = sorted({int(t) for t in tv.dropna()})
        handles = [Patch(color=_tier_color(t), label=f"Tier {t}") for t in present]
        ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False, title="Tier",
                  title_fontsize=8)
    return _finish(fig, title, source, save)


def plot_ranking(result: Result, *, node: str | None = None, top: int | None = None,
                 save: str | Path | None = None) -> Figure:
    """:func:`ranked_bar` of a result's index (or of ``node``), coloured by its tiers."""
    node = node or result.framework.root
    if node not in result.scores:
        raise ConfigError(f"plot_ranking: {node!r} is not an aggregate of the framework")
    nm = result.framework.nodes[node].name or node
    return ranked_bar(result.scores[node], result.tiers if node == result.framework.root else None,
                      names=result.names, top=top, title=f"{nm}: scores and ranks",
                      xlabel=f"{nm} score", unit=_unit_of(result),
                      source=_source_of(result), save=save)


# ------------------------------------------------------------------------ 2. rank intervals
def rank_interval(
    stats: pd.DataFrame,
    *,
    names: pd.Series | Mapping[str, str] | None = None,
    title: str = "Rank uncertainty",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Dot-and-whisker chart: nominal rank (dot) and the 5–95% rank interval (whisker).

    Parameters
    ----------
    stats
        One row per unit with columns ``nominal``, ``p5``, ``p95`` (optionally ``median``,
        drawn as a small tick).
    names, title, source, save
        As :func:`ranked_bar`.

    Returns
    -------
    matplotlib.figure.Figure
        Units top-down in order of nominal rank.
    """
    need = {"nominal", "p5", "p95"}
    miss = need - set(stats.columns)
    if miss:
        raise DataError(f"rank_interval: stats lack column(s) {sorted(miss)}; has {list(stats.columns)}")
    df = stats.astype({c: "float64" for c in need}).dropna(subset=["nominal"])
    df = df.sort_values("nominal", kind="stable")
    n = len(df)
    fig = _figure(8.0, max(3.0, 0.2 * n + 1.4))
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.hlines(y, df["p5"], df["p95"], color=PALETTE[4], lw=2.2, label="5–95% interval")
    if "median" in df:
        ax.plot(df["median"], y, "|", color=PALETTE[5], ms=7, mew=1.5, label="median rank")
    ax.plot(df["nominal"], y, "o", color=PALETTE[0], ms=4.5, label="nominal rank")
    ax.set_yticks(y, _labels(df.index, names))
    ax.tick_params(axis="y", labelsize=8 if n <= 40 else 7)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("Rank (1 = best)")
    ax.set_ylabel("Unit (by nominal rank)")
    ax.set_xlim(0.5, max(float(df[["p95", "nominal"]].max().max()), 1.0) + 0.5)
    ax.grid(axis="x", color="#DDDDDD", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
    return _finish(fig, title, source, save)


def _rank_stats(obj: Any, node: str | None = None) -> pd.DataFrame:
    """Rank statistics (nominal, p5, p95, ...) from an uncertainty result or a DataFrame."""
    alias = {"nominal_rank": "nominal", "p5_rank": "p5", "p95_rank": "p95",
             "median_rank": "median"}

    def _std(df: pd.DataFrame) -> pd.DataFrame:
        ren = {a: b for a, b in alias.items() if a in df.columns and b not in df.columns}
        return df.rename(columns=ren) if ren else df

    if isinstance(obj, pd.DataFrame):
        return _std(obj)
    for attr in ("rank_stats", "rank_summary", "summary"):
        v = getattr(obj, attr, None)
        if callable(v):
            try:
                v = v(node) if node is not None else v()
            except TypeError:
                v = v()
        if isinstance(v, pd.DataFrame):
            v = _std(v)
        if isinstance(v, pd.DataFrame) and {"nominal", "p5", "p95"} <= set(v.columns):
            return v
        if isinstance(v, Mapping) and node is not None and node in v:
            return v[node]
    raise DataError("plot_rank_intervals: cannot find rank statistics (nominal, p5, p95) in "
                    f"{type(obj).__name__}; pass a DataFrame with those columns")


def plot_rank_intervals(uncertainty: Any, *, names: pd.Series | None = None,
                        node: str | None = None, source: str | None = None,
                        save: str | Path | None = None) -> Figure:
    """:func:`rank_interval` of an uncertainty result (or a DataFrame of rank statistics)."""
    stats = _rank_stats(uncertainty, node)
    nominal = getattr(uncertainty, "nominal", None)
    if names is None:  # unit names of the nominal run, when the result carries one
        names = getattr(nominal, "names", None)
    if source is None and nominal is not None and hasattr(nominal, "config"):
        source = _source_of(nominal)
    n_rep = getattr(uncertainty, "n", None) or getattr(uncertainty, "n_samples", None)
    title = "Rank uncertainty: nominal rank and 5–95% interval"
    if n_rep:
        title += f" ({n_rep:,} Monte Carlo replications)"
    return rank_interval(stats, names=names, title=title,
                         source=source or "aiindex uncertainty analysis", save=save)


# ------------------------------------------------------------------------------------ 3. radar
def radar(
    profiles: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    vmax: float | None = None,
    unit: str = "0–100",
    title: str = "Dimension profile",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Radar (spider) chart: one polygon per row of ``profiles``, one axis per column.

    Parameters
    ----------
    profiles
        Rows = series (units or a reference such as "Group average"), columns = dimensions.
        The first rows are drawn as filled polygons, a row whose label starts with ``"ref:"`` or
        the last row when there are two or more is drawn dashed (the comparison).
    labels
        Column code → axis label.
    vmax
        Top of the radial scale (default: the maximum rounded up to a multiple of 10).
    unit, title, source, save
        As :func:`ranked_bar`.
    """
    if profiles.shape[1] < 3:
        raise DataError(f"radar: needs at least 3 dimensions, got {list(profiles.columns)}")
    P = profiles.astype("float64")
    k = P.shape[1]
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    fig = _figure(7.0, 6.4)
    ax = _polar_axes(fig)
    top = vmax if vmax is not None else _radar_top(P.to_numpy(), unit)
    top = top if top > 0 else 1.0
    styles = ["-", "-", "-", "-", "-", "-"]
    for i, (lab, row) in enumerate(P.iterrows()):
        v = row.to_numpy()
        closed = np.r_[v, v[:1]]
        a = np.r_[ang, ang[:1]]
        is_ref = str(lab).startswith("ref:") or (len(P) >= 2 and i == len(P) - 1)
        color = "#333333" if is_ref else PALETTE[i % (len(PALETTE) - 1)]
        ax.plot(a, closed, ls="--" if is_ref else styles[i % len(styles)], color=color, lw=1.8,
                label=_drawable(str(lab).removeprefix("ref:")))
        if not is_ref:
            ax.fill(a, closed, color=color, alpha=0.12)
    import textwrap

    ax.set_xticks(ang, ["\n".join(textwrap.wrap(_drawable(str((labels or {}).get(c, c))), 16))
                        for c in P.columns], fontsize=8)
    ax.tick_params(axis="x", pad=6)
    # axis labels grow away from the circle: left-aligned on the right-hand side, right-aligned
    # on the left-hand side (clockwise from 12 o'clock, so x = sin(angle)), so that a long
    # wrapped label never reaches back over the polygons and the reference line
    for a, t in zip(ang, ax.get_xticklabels(), strict=True):
        x, y = np.sin(a), np.cos(a)
        t.set_horizontalalignment("left" if x > 0.2 else "right" if x < -0.2 else "center")
        t.set_verticalalignment("bottom" if y > 0.7 else "top" if y < -0.7 else "center")
    ax.set_ylim(0, top)
    ax.set_rlabel_position(180.0 / k)  # radial labels between the first two axes
    ax.tick_params(axis="y", labelsize=7, labelcolor="#555555")
    ax.set_ylabel("")
    ax.set_title(f"radial axis: score ({unit})" if unit else "", fontsize=8, color="#555555",
                 pad=26)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    # constrained layout ignores the polar tick labels: keep room for the wrapped axis labels
    # on both sides so that a left-hand label is not cut at the figure edge
    fig.get_layout_engine().set(rect=(0.07, 0.0, 0.93, 1.0))
    return _finish(fig, title, source, save)


def _radar_top(values: np.ndarray, unit: str) -> float:
    """Top of the radial scale: the maximum rounded up to a multiple of 10, but never above 100
    for scores on a 0–100 scale (a ring beyond 100 would suggest scores above the maximum)."""
    mx = float(np.nanmax(values))
    top = float(np.ceil(mx / 10.0) * 10.0)
    bounded = unit.replace("-", "–").endswith("–100") or unit == "0–100"
    if bounded and mx <= 100.0 + 1e-9:
        top = min(top, 100.0)
    return top


def plot_radar(result: Result, units: Sequence[str], *, compare: str = "top",
               nodes: Sequence[str] | None = None, save: str | Path | None = None) -> Figure:
    """:func:`radar` of the dimension scores of ``units``.

    Parameters
    ----------
    result
        A pipeline result.
    units
        Unit codes to draw.
    compare
        ``"top"`` (the rank-1 unit), ``"mean"`` (average of all units), ``"group:COL=VALUE"``
        (average of a group, e.g. ``"group:EurAsia_group=Asia"``), a unit code, or ``"none"``.
    nodes
        Axes (default: the first-level dimensions; with fewer than 3, all aggregates below the
        root at the level under it plus their children).
    """
    fw = result.framework
    if nodes is None:
        nodes = fw.dimensions
        if len(nodes) < 3:
            lvl = fw.depth - 2
            nodes = fw.level_codes(lvl) if lvl >= 1 else nodes
    nodes = list(nodes)
    allsc = result.stages["aggregated"]
    bad = [c for c in nodes if c not in allsc]
    if bad:
        raise ConfigError(f"plot_radar: unknown node(s) {bad}")
    miss = [u for u in units if u not in allsc.index]
    if miss:
        raise DataError(f"plot_radar: unit(s) {miss} not in the result")
    names = result.names if result.names is not None else pd.Series(dtype=str)
    rows = {str(names.get(u, u)): allsc.loc[u, nodes] for u in units}
    ref_label = None
    if compare == "top":
        topu = result.scores[fw.root].idxmax()
        if topu not in units:
            ref_label = f"ref:{names.get(topu, topu)} (rank 1)"
            rows[ref_label] = allsc.loc[topu, nodes]
    elif compare == "mean":
        ref_label = "ref:Average of all units"
        rows[ref_label] = allsc[nodes].mean()
    elif compare.startswith("group:"):
        spec = compare[len("group:"):]
        if "=" not in spec or result.groups is None:
            raise ConfigError(f"plot_radar: compare must look like 'group:COLUMN=VALUE', got {compare!r}")
        col, val = spec.split("=", 1)
        if col not in result.groups:
            raise ConfigError(f"plot_radar: unknown group column {col!r}; have {list(result.groups.columns)}")
        members = result.groups.index[result.groups[col].astype(str) == val]
        if len(members) == 0:
            raise DataError(f"plot_radar: no unit has {col} = {val!r}")
        ref_label = f"ref:{val} average ({col}, n={len(members)})"
        rows[ref_label] = allsc.loc[allsc.index.intersection(members), nodes].mean()
    elif compare in allsc.index:
        ref_label = f"ref:{names.get(compare, compare)}"
        rows[ref_label] = allsc.loc[compare, nodes]
    elif compare != "none":
        raise ConfigError(f"plot_radar: compare must be top, mean, group:COL=VALUE, a unit code "
                          f"or none; got {compare!r}")
    prof = pd.DataFrame(rows).T
    labels = {c: (fw.nodes[c].name or c) for c in nodes}
    return radar(prof, labels=labels, unit=_unit_of(result), vmax=None,
                 title="Dimension scores: " + ", ".join(str(names.get(u, u)) for u in units),
                 source=_source_of(result), save=save)


# ---------------------------------------------------------------------------------- 4. heatmap
def score_heatmap(
    scores: pd.DataFrame,
    *,
    order: Sequence[str] | None = None,
    names: pd.Series | Mapping[str, str] | None = None,
    col_labels: Mapping[str, str] | None = None,
    unit: str = "0–100",
    annotate: bool | None = None,
    title: str = "Scores by dimension",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Heatmap of scores, units (rows, in ``order``) × nodes (columns).

    Parameters
    ----------
    scores
        Units × nodes.
    order
        Row order (default: by the first column, descending).
    annotate
        Write values in the cells (default: when there are at most 15 columns).
    """
    S = scores.astype("float64")
    if order is None:
        order = S.iloc[:, 0].sort_values(ascending=False, kind="stable").index
    S = S.loc[list(order)]
    n, k = S.shape
    fig = _figure(max(5.5, 0.55 * k + 3.2), max(3.5, 0.2 * n + 1.8))
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(S.to_numpy()), aspect="auto", cmap="cividis",
                   interpolation="nearest")
    ax.set_yticks(np.arange(n), _labels(S.index, names))
    _category_xticks(ax, [(col_labels or {}).get(c, c) for c in S.columns], rotate_above=4,
                     rotation=45)
    ax.tick_params(axis="y", labelsize=7 if n > 30 else 8)
    ax.tick_params(axis="x", labelsize=7 if k > 20 else 8)
    ax.set_xlabel("Node of the framework")
    ax.set_ylabel("Unit (ordered by rank)")
    if annotate is None:
        annotate = k <= 15
    if annotate:
        vals = S.to_numpy()
        lo, hi = np.nanmin(vals), np.nanmax(vals)
        mid = (lo + hi) / 2
        for i in range(n):  # text labels: one artist per cell is unavoidable
            for j in range(k):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=5.5,
                            color="black" if v > mid else "white")
    _colorbar(fig, im, ax, f"Score ({unit})" if unit else "Score")
    return _finish(fig, title, source, save)


def plot_heatmap(result: Result, *, nodes: Sequence[str] | None = None, level: int | None = None,
                 save: str | Path | None = None) -> Figure:
    """:func:`score_heatmap` of a result, rows ordered by index rank.

    ``nodes`` (explicit columns) or ``level`` (all nodes at that level; 1 = metrics) select the
    columns; default: every aggregate below the root, top-down, with the index first.
    """
    fw = result.framework
    allsc = result.stages["aggregated"]
    if nodes is None:
        if level is not None:
            nodes = fw.level_codes(level)
        else:
            nodes = [c for lvl in range(fw.depth, 1, -1) for c in fw.level_codes(lvl)]
    nodes = list(nodes)
    bad = [c for c in nodes if c not in allsc]
    if bad:
        raise ConfigError(f"plot_heatmap: unknown node(s) {bad}")
    order = result.ranks[fw.root].astype("float64").sort_values(kind="stable").index
    labels = {c: c for c in nodes}
    return score_heatmap(allsc[nodes], order=order, names=result.names, col_labels=labels,
                         unit=_unit_of(result),
                         title=f"{fw.nodes[fw.root].name or fw.root}: scores by node",
                         source=_source_of(result), save=save)


# -------------------------------------------------------------------------------- 5. sunburst
def sunburst(
    framework: Framework,
    weights: pd.Series | None = None,
    *,
    label_min_share: float = 0.012,
    title: str = "Framework, sized by effective weight",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Sunburst of the framework: rings from the root's children outward, angles ∝ weight.

    Parameters
    ----------
    framework
        The indicator tree.
    weights
        Effective weights per node (default: ``framework.effective_weights()``).
    label_min_share
        Nodes with a smaller effective weight are drawn without a label; they are listed with
        their share in a footnote under the chart (text artist with ``gid="unlabelled-note"``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].patches`` holds one wedge per non-root node.
    """
    ew = framework.effective_weights() if weights is None else weights.astype("float64")
    root = framework.root
    depth: dict[str, int] = {root: 0}
    start: dict[str, float] = {root: 0.0}
    order = [root]
    i = 0
    while i < len(order):  # breadth-first: framework order kept within each parent
        p = order[i]
        a = start[p]
        for c in framework.children(p):
            depth[c] = depth[p] + 1
            start[c] = a
            a += float(ew[c]) * 2 * np.pi
            order.append(c)
        i += 1
    maxd = max(depth.values())
    fig = _figure(8.0, 8.0)
    ax = _polar_axes(fig)
    dims = framework.dimensions
    base = {d: PALETTE[i % (len(PALETTE) - 1)] for i, d in enumerate(dims)}
    from matplotlib.colors import to_rgb

    ring_w = 1.0
    small: list[str] = []  # nodes drawn without a label, listed in a footnote
    for c in order[1:]:
        d = depth[c]
        dim = c if d == 1 else next(a for a in [c, *framework.ancestors(c)] if a in base)
        rgb = np.array(to_rgb(base[dim]))
        tint = rgb + (1 - rgb) * min(0.75, 0.28 * (d - 1))
        width = float(ew[c]) * 2 * np.pi
        ax.bar(start[c], ring_w, width=width, bottom=0.6 + (d - 1) * ring_w, align="edge",
               color=tint, edgecolor="white", linewidth=0.8 if d < maxd else 0.4)
        if float(ew[c]) >= label_min_share or d == 1:
            mid = start[c] + width / 2
            r = 0.6 + (d - 0.5) * ring_w
            deg = np.degrees(mid)
            # radial text on the outer ring, tangential on inner rings
            if d == maxd and maxd > 1:
                rot, fs = 90 - deg, 6
            else:
                rot, fs = -deg, 8 if d == 1 else 7
            if np.cos(np.radians(rot)) < 0:  # never upside down
                rot += 180
            text = str(c)
            if d == maxd and maxd > 1:
                text = _wrap_code(text, 18)  # long metric codes stay inside the outer ring
            elif d == 1:
                text = f"{text}\n{100 * float(ew[c]):.0f}%"  # dimension share of the index
            ax.text(mid, r, text, rotation=rot, rotation_mode="anchor", ha="center",
                    va="center", fontsize=fs, color="black", linespacing=1.0)
        else:
            small.append(f"{c} {100 * float(ew[c]):.1f}%")
    # the hole is small: the full name is in the title, the centre shows the code
    rname = _drawable(str(framework.nodes[root].name or root))
    ax.text(0, 0, rname if len(rname) <= 12 else str(root), ha="center", va="center",
            fontsize=8, fontweight="bold")
    ax.set_ylim(0, 0.6 + maxd * ring_w)
    ax.set_axis_off()
    ax.set_title("angle ∝ effective weight (share of the index, %); rings = levels",
                 fontsize=8, color="#555555")
    if small:
        import textwrap

        note = (f"Not labelled (under {100 * label_min_share:g}% of the index): "
                + ", ".join(small))
        ax.text(0.5, -0.01, textwrap.fill(_drawable(note), 130), transform=ax.transAxes,
                ha="center", va="top", fontsize=7, color=_NOTE_COLOR, gid="unlabelled-note")
    return _finish(fig, title, source, save)


def _wrap_code(code: str, width: int) -> str:
    """Break a long code into lines of at most ``width`` characters after ``_``, ``-`` or ``.``."""
    if len(code) <= width:
        return code
    import re

    parts = re.findall(r"[^_.\-]+[_.\-]?|[_.\-]", code)
    lines: list[str] = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def plot_framework(obj: Result | Framework, *, save: str | Path | None = None) -> Figure:
    """:func:`sunburst` of a result's framework (or a :class:`Framework`)."""
    if isinstance(obj, Framework):
        return sunburst(obj, save=save, source="framework definition")
    return sunburst(obj.framework, source=_source_of(obj), save=save,
                    title=f"{obj.framework.nodes[obj.framework.root].name or obj.framework.root}"
                          ": framework sized by effective weight")


# ------------------------------------------------------------------------------ 6. correlation
def correlation_heatmap(
    corr: pd.DataFrame,
    *,
    highlight: pd.DataFrame | None = None,
    row_label: str = "Metric",
    col_label: str = "Parent node",
    annotate: bool = True,
    title: str = "Correlations",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Heatmap of a correlation table (rows × columns, values in [-1, 1]).

    ``highlight`` (same shape, boolean) outlines cells, e.g. a metric against its own parent.
    """
    C = corr.astype("float64")
    n, k = C.shape
    fig = _figure(max(4.5, 0.6 * k + 3.0), max(3.5, 0.19 * n + 1.8))
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(C.to_numpy()), aspect="auto", cmap="PuOr", vmin=-1,
                   vmax=1, interpolation="nearest")
    ax.set_yticks(np.arange(n), [str(i) for i in C.index])
    _category_xticks(ax, [str(c) for c in C.columns], rotate_above=4, rotation=45)
    ax.tick_params(axis="y", labelsize=7 if n > 30 else 8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    vals = C.to_numpy()
    if annotate:
        for i, j in zip(*np.nonzero(np.isfinite(vals)), strict=True):
            v = vals[i, j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5,
                    color="white" if abs(v) > 0.6 else "black")
    if highlight is not None:
        from matplotlib.patches import Rectangle

        H = highlight.reindex(index=C.index, columns=C.columns).fillna(False).to_numpy(bool)
        for i, j in zip(*np.nonzero(H), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1.2))
    _colorbar(fig, im, ax, "Pearson correlation (–1 to 1)")
    return _finish(fig, title, source, save)


def plot_correlations(result: Result, *, level: int = 1, parent_level: int | None = None,
                      method: str = "pearson", save: str | Path | None = None) -> Figure:
    """Correlations of the nodes at ``level`` (default metrics) with the nodes at
    ``parent_level`` (default the level above), own parent outlined."""
    fw = result.framework
    parent_level = parent_level or level + 1
    if not 1 <= level < parent_level <= fw.depth:
        raise ConfigError(f"plot_correlations: need 1 <= level < parent_level <= {fw.depth}, "
                          f"got {level}, {parent_level}")
    allsc = result.stages["aggregated"]
    rows = [c for c in fw.level_codes(level) if c in allsc]
    cols = [c for c in fw.level_codes(parent_level) if c in allsc]
    both = allsc[rows + cols].astype("float64")
    corr = both.corr(method=method).loc[rows, cols]
    hl = pd.DataFrame(
        {p: [p in fw.ancestors(r) for r in rows] for p in cols}, index=rows)
    names = {1: "Metric"}
    return correlation_heatmap(
        corr, highlight=hl, row_label=f"{names.get(level, 'Node')} (level {level})",
        col_label=f"Parent node (level {parent_level}); outlined = own parent",
        title=f"{method.capitalize()} correlation of level-{level} nodes with level-"
              f"{parent_level} nodes", source=_source_of(result), save=save)


# ------------------------------------------------------------------------------ 7. sensitivity
def sensitivity_bar(
    indices: pd.DataFrame,
    *,
    title: str = "Sensitivity indices",
    ylabel: str = "Share of output variance",
    source: str | None = None,
    confidence_level: float | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Grouped bars of first-order and total sensitivity indices per input factor.

    Parameters
    ----------
    indices
        Index = factors; columns ``first`` and ``total`` and optionally the confidence bounds
        ``first_low, first_high, total_low, total_high`` (drawn as error bars).
    confidence_level
        Level of those intervals (e.g. 0.95), named in the subtitle.
    """
    miss = {"first", "total"} - set(indices.columns)
    if miss:
        raise DataError(f"sensitivity_bar: indices lack column(s) {sorted(miss)}; "
                        f"has {list(indices.columns)}")
    df = indices.drop(columns=["note"], errors="ignore").astype("float64")  # Sobol' notes
    df = df.sort_values("total", ascending=False, kind="stable")
    k = len(df)
    fig = _figure(max(5.0, 0.8 * k + 2.5), 4.5)
    ax = fig.add_subplot()
    x = np.arange(k)
    wdt = 0.38
    for off, col, color, lab in ((-wdt / 2, "first", PALETTE[0], "First order (S1)"),
                                 (wdt / 2, "total", PALETTE[1], "Total (ST)")):
        err = None
        if {f"{col}_low", f"{col}_high"} <= set(df.columns):
            lo = (df[col] - df[f"{col}_low"]).clip(lower=0)
            hi = (df[f"{col}_high"] - df[col]).clip(lower=0)
            err = np.vstack([lo.to_numpy(), hi.to_numpy()])
        ax.bar(x + off, df[col], width=wdt, color=color, label=lab, yerr=err, capsize=3,
               error_kw={"lw": 1, "ecolor": "#333333"})
    import textwrap

    names = ["\n".join(textwrap.wrap(str(i).replace("_", " "), 14) or [str(i)])
             for i in df.index]
    _category_xticks(ax, names, rotate_above=8, rotation=30)  # wrapped names fit side by side
    ax.set_xlabel("Input factor (uncertain choice)")
    ax.set_ylabel(f"{ylabel} (0–1)")
    ax.axhline(0, color="#999999", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False)
    if any(c.endswith("_low") for c in df.columns):
        lvl = (f"{100 * confidence_level:g}% " if confidence_level is not None else "")
        ax.set_title(f"error bars: {lvl}confidence interval of each index (bootstrap)",
                     fontsize=8, color="#555555")
    return _finish(fig, title, source, save)


#: readable names of the sensitivity outputs (aiindex.sensitivity)
_OUTPUT_LABELS = {"mean_abs_rank_shift": "mean absolute rank shift of all units"}


def _output_label(output: str) -> str:
    """``mean_abs_rank_shift`` → "mean absolute rank shift of all units";
    ``rank[USA]`` → "rank of USA"; ``score[USA]`` → "score of USA"."""
    import re

    if output in _OUTPUT_LABELS:
        return _OUTPUT_LABELS[output]
    m = re.fullmatch(r"(rank|score)\[(.+)\]", output)
    if m:
        return f"{m.group(1)} of {m.group(2)}"
    return output.replace("_", " ")


def _one_output(df: pd.DataFrame, output: str | None) -> pd.DataFrame:
    """Rows of one output of a tidy table (``output, factor, ...``), indexed by factor."""
    if not {"output", "factor"} <= set(df.columns):
        return df
    outs = list(dict.fromkeys(df["output"].astype(str)))
    if output is None:
        output = "mean_abs_rank_shift" if "mean_abs_rank_shift" in outs else outs[0]
    if output not in outs:
        raise DataError(f"plot_sensitivity: unknown output {output!r}; have {outs}")
    t = df[df["output"].astype(str) == output].set_index("factor").drop(columns="output")
    t.attrs["output"] = output
    return t


def _sens_table(obj: Any, output: str | None = None) -> pd.DataFrame:
    if isinstance(obj, pd.DataFrame):
        df = obj
    else:
        df = None
        for attr in ("indices", "table", "summary", "to_frame"):
            v = getattr(obj, attr, None)
            if callable(v):
                try:
                    v = v()
                except TypeError:
                    continue
            if isinstance(v, pd.DataFrame):
                df = v
                break
        if df is None:
            raise DataError(f"plot_sensitivity: cannot find sensitivity indices in {type(obj).__name__}")
    df = _one_output(df, output)
    ren = {}
    for c in df.columns:
        lc = str(c).lower()
        for a, b in (("s1", "first"), ("first_order", "first"), ("st", "total"),
                     ("total_order", "total")):
            if lc == a:
                ren[c] = b
            elif lc.startswith(a + "_") and lc[len(a) + 1:] in ("low", "high", "lo", "hi"):
                ren[c] = b + ("_low" if lc.endswith(("low", "lo")) else "_high")
    return df.rename(columns=ren)


def plot_sensitivity(sensitivity: Any, *, output: str | None = None, source: str | None = None,
                     index_name: str | None = None, save: str | Path | None = None) -> Figure:
    """:func:`sensitivity_bar` of a sensitivity result (or a DataFrame of indices).

    A tidy table with ``output`` and ``factor`` columns (as
    :attr:`aiindex.sensitivity.SensitivityResult.indices`) is reduced to ``output`` (default
    ``mean_abs_rank_shift`` when present, else the first output). The title names the output in
    words, the subtitle the confidence level of the error bars (``info["confidence_level"]`` of
    the result), and the default source note the index (``index_name``, e.g. the config's name).
    """
    df = _sens_table(sensitivity, output)
    target = (df.attrs.get("output") or getattr(sensitivity, "target", None)
              or getattr(sensitivity, "output", None))
    t = "Sobol sensitivity indices of the uncertain choices"
    if isinstance(target, str):
        t += f" — output: {_output_label(target)}"
    info = getattr(sensitivity, "info", None) or {}
    cl = info.get("confidence_level") if isinstance(info, dict) else None
    if source is None:
        source = "aiindex sensitivity analysis"
        if index_name:
            source = f"{index_name}; {source}"
        n = getattr(sensitivity, "n_evaluations", None)
        if n:
            source += f" ({int(n):,} model evaluations)"
    return sensitivity_bar(df, title=t, source=source,
                           confidence_level=None if cl is None else float(cl), save=save)


# ------------------------------------------------------------------------------ 8. trend + gap
def trend_gap(
    scores: pd.DataFrame,
    units: Sequence[str],
    *,
    gap: tuple[str, str] | None = None,
    names: pd.Series | Mapping[str, str] | None = None,
    unit: str = "0–100",
    title: str = "Scores over time",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Score of ``units`` over the years (top) and the gap between two of them (bottom).

    Parameters
    ----------
    scores
        Years (index, numeric) × units (columns).
    units
        Units to draw (at least one).
    gap
        ``(a, b)``: the bottom panel shows ``score[a] - score[b]`` (default: the first two units;
        no bottom panel with a single unit). The first and last gaps are annotated ("grew from X
        to Y points").
    """
    miss = [u for u in units if u not in scores.columns]
    if miss:
        raise DataError(f"trend_gap: unit(s) {miss} not in the scores (have {len(scores.columns)} units)")
    S = scores[list(units)].astype("float64").sort_index()
    if gap is None and len(units) >= 2:
        gap = (units[0], units[1])
    fig = _figure(8.0, 6.0 if gap else 4.2)
    if gap:
        ax, axg = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    else:
        ax, axg = fig.add_subplot(), None
    yrs = S.index.to_numpy()
    lab = dict(zip(S.columns, _labels(S.columns, names), strict=True))
    for i, u in enumerate(S.columns):
        ax.plot(yrs, S[u], marker="o", ms=4, lw=1.8, color=PALETTE[i % (len(PALETTE) - 1)],
                label=lab[u])
    ax.set_ylabel(f"Score ({unit})" if unit else "Score")
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.grid(color="#EEEEEE", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if gap and axg is not None:
        a, b = gap
        for u in (a, b):
            if u not in scores.columns:
                raise DataError(f"trend_gap: gap unit {u!r} not in the scores")
        g = (scores[a] - scores[b]).astype("float64").sort_index().dropna()
        axg.bar(g.index.to_numpy(), g.to_numpy(), color=PALETTE[2], width=0.6)
        axg.axhline(0, color="#999999", lw=0.6)
        axg.set_ylabel(f"Gap (points, {unit})" if unit else "Gap (points)")
        la = _labels(pd.Index([a]), names)[0]
        lb = _labels(pd.Index([b]), names)[0]
        if len(g) >= 2:
            verb = "grew" if abs(g.iloc[-1]) > abs(g.iloc[0]) else "shrank"
            axg.set_title(f"Gap {la} − {lb} {verb} from {g.iloc[0]:.1f} ({g.index[0]}) to "
                          f"{g.iloc[-1]:.1f} points ({g.index[-1]})", fontsize=9)
        else:
            axg.set_title(f"Gap {la} − {lb}", fontsize=9)
        axg.spines[["top", "right"]].set_visible(False)
        axg.set_xlabel("Year")
    else:
        ax.set_xlabel("Year")
    if len(yrs) and np.all(np.mod(yrs.astype(float), 1) == 0):
        (axg or ax).set_xticks(yrs, [str(int(y)) for y in yrs])
    return _finish(fig, title, source, save)


def plot_trends(scores: Any, units: Sequence[str], *, node: str | None = None,
                gap: tuple[str, str] | None = None, names: pd.Series | None = None,
                source: str | None = None, save: str | Path | None = None) -> Figure:
    """:func:`trend_gap` from panel results.

    ``scores`` may be a mapping ``year → Result``, a tidy DataFrame with columns ``uCode``,
    ``year`` (or ``Time``), ``node``, ``score`` (as :meth:`Result.tidy` of several years), or a
    years × units DataFrame. ``node`` defaults to the root of the results (or of the tidy table,
    the node with the highest level).
    """
    title_node = node
    if isinstance(scores, Mapping):
        years = sorted(scores)
        first = scores[years[0]]
        node = node or first.framework.root
        names = names if names is not None else first.names
        title_node = first.framework.nodes[node].name or node
        source = source or _source_of(first)
        wide = pd.DataFrame({y: scores[y].stages["aggregated"][node] for y in years}).T
    elif isinstance(scores, pd.DataFrame) and {"uCode", "score"} <= set(scores.columns):
        ycol = "year" if "year" in scores.columns else "Time"
        df = scores
        if "node" in df.columns:
            if node is None:
                node = (df.sort_values("level").iloc[-1]["node"] if "level" in df.columns
                        else df["node"].iloc[0])
            df = df[df["node"] == node]
        wide = df.pivot_table(index=ycol, columns="uCode", values="score", aggfunc="first")
    else:
        wide = scores
    return trend_gap(wide, units, gap=gap, names=names,
                     title=f"{title_node or 'Index'}: scores and gap over the years",
                     source=source, save=save)


# ------------------------------------------------------------------------------- panels
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
    from ..analysis.trends import gaps

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
        src = "Computed with aiindex (aiindex.analysis.trends.gaps)"
    ax.figure.text(0.01, 0.005, src, fontsize=7, color="#555555", ha="left", va="bottom")
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


def panel_gap_chart(pr: Any, a: str, b: str, node: str | None, path: Path) -> Any:
    """The ``trends --plot`` chart: :func:`aiindex.plot.trend_gap` (scores of ``a`` and ``b`` over
    the years, and their gap), saved to ``path``."""
    n = pr._node(node)
    wide = pr.scores(n).T  # years × units
    last = pr.results[pr.years[-1]] if pr.results else None
    names = getattr(last, "names", None)
    label = pr.framework.nodes[n].name or n
    bounds = pr.bounds + (f" {pr.pooled_years[0]}-{pr.pooled_years[-1]}" if pr.pooled_years
                          else "")
    src = (f"{pr.config.name}; normalisation bounds {bounds}; computed with aiindex "
           "(aiindex.pipeline.run_panel)")
    return trend_gap(wide, [a, b], gap=(a, b), names=names,
                     title=f"{label}: {a} and {b} over the years", source=src, save=path)
