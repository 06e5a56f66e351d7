"""A self-contained HTML report of an index, ready to read on screen and to print.

:func:`write_report` writes one HTML file that opens without network access: CSS inline, charts
as inline base64 PNG images (:mod:`aiindex.outputs.charts`, needs matplotlib), tables as HTML.
Sections: the data-provenance note (the config's ``description`` and ``output.note``), results,
published facts (``output.anchors``), tiers (method, bands, rules, the units each rule moved,
tier probabilities), charts (ranking with tier thresholds, one heatmap per level, radar,
framework sunburst, correlations), a profile of every unit, the framework, uncertainty and
sensitivity (when results are given, or computed when the config configures them), trends,
what published scores pin down (``identifiability=``), the statistical audit, data
availability and treatment, and the resolved config as a collapsible appendix (file paths
relative to the config's folder).

Tables show names (codes in tooltips), integer ranks and readable cells; under a print
stylesheet every row of every table prints (no scroll boxes, repeated headers, a page break
before each section). Every user text is HTML-escaped; the page holds no script, and a
Content-Security-Policy forbids any. Each section and chart is announced as a progress step
(:mod:`aiindex._progress`). The file is written atomically.

Command line: ``aiindex report [CONFIG] --out report.html`` (:mod:`aiindex.cli.report`).
"""

from __future__ import annotations

import base64
import io
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import _progress
from .._io import write_text_atomic
from ..errors import AIIndexError
from ._html import CSS, Col, auto_cols, cell_text, esc, html_table, tier_chip
from .profiles import n_tiers, profiles_section, tiers_section

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..pipeline import Result

__all__ = ["write_report", "report_html", "figure_to_data_uri", "relative_config"]

_CSS = CSS

#: the report runs no script at all: every user text is HTML-escaped, and this policy blocks
#: any script (and any network access) that an escaping mistake could let in
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_INSTALL = ("Charts need matplotlib, which is not installed: install it with "
            "pip install 'aiindex[plot]' and build the report again.")


# --------------------------------------------------------------------------------- utilities
def figure_to_data_uri(fig: Figure, *, fmt: str = "png", dpi: int = 110) -> str:
    """Encode a matplotlib figure as a ``data:`` URI (PNG or SVG)."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _img(fig: Figure, alt: str, caption: str, fid: str) -> str:
    uri = figure_to_data_uri(fig)
    return (f'<figure id="{esc(fid)}"><img alt="{esc(alt)}" src="{uri}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _try(fn: Any, *args: Any, **kw: Any) -> tuple[Any, str | None]:
    """Run a chart function; return ``(figure, None)`` or ``(None, reason)`` so that one
    failing chart never loses the whole report. ``reason`` is a sentence for readers: the
    install hint when matplotlib is missing, ``"data"`` when the chart does not apply to these
    data (an :class:`~aiindex.errors.AIIndexError`), ``"error"`` for an unexpected failure
    (reported as a warning with its details)."""
    try:
        return fn(*args, **kw), None
    except ModuleNotFoundError as exc:
        if exc.name == "matplotlib":
            return None, _INSTALL
        warnings.warn(f"report: chart {getattr(fn, '__name__', fn)} failed: {exc!r}",
                      stacklevel=2)
        return None, "error"
    except AIIndexError:
        return None, "data"
    except Exception as exc:  # noqa: BLE001 - one chart never loses the report
        warnings.warn(f"report: chart {getattr(fn, '__name__', fn)} failed: {exc!r}",
                      stacklevel=2)
        return None, "error"


def _missing_chart(what: str, reason: str | None, needs: str) -> str:
    """One sentence saying why a chart is missing and what would make it appear."""
    if reason == "data":
        text = f"The {what} is not drawn: it needs {needs}."
    elif reason == "error":
        text = (f"The {what} could not be drawn because of an unexpected problem in aiindex; "
                "please report it to the aiindex developers.")
    else:
        text = reason or f"The {what} is not drawn."
    return f"<p class='note chart-missing'>{esc(text)}</p>"


def _chart(fid: str, what: str, needs: str, fn: Callable[..., Any], args: tuple[Any, ...],
           alt: Callable[[], str], caption: str, **kw: Any) -> str:
    """Draw one chart as an inline image with its alt text, or say why it is missing."""
    with _progress.step(f"report: chart {what}"):
        fig, why = _try(fn, *args, **kw)
        if fig is None:
            return _missing_chart(what, why, needs)
        fig = getattr(fig, "figure", fig)  # plot_gap returns axes
        try:
            return _img(fig, alt(), caption, fid)
        finally:
            fig.clear()


def _names(result: Result) -> pd.Series:
    if result.names is not None:
        return result.names
    return pd.Series(result.scores.index, index=result.scores.index)


def _name(result: Result, code: Any) -> str:
    from ._names import unit_name

    return unit_name(result.names, code)


def _node_name(result: Result, code: str) -> str:
    node = result.framework.nodes.get(code)
    return str(node.name) if node is not None and node.name else str(code)


def _bounded(result: Result) -> bool:
    n = result.config.normalize
    return n.method in ("minmax", "n_minmax") and float(n.params("normalize").get("high", 100)) \
        == 100.0 and float(n.params("normalize").get("low", 0)) == 0.0


def _auto(kind: str, result: Result, engine: Any = None) -> Any:
    """Compute an analysis configured in the config (``uncertainty`` or ``sensitivity``),
    reusing one compiled uncertainty engine for both."""
    with _progress.step(f"report: {kind} analysis"):
        if kind == "uncertainty":
            from ..analysis.uncertainty import run_config
        else:
            from ..analysis.sensitivity import run_config
        return run_config(result, engine=engine)


def _configured(result: Result, uncertainty: Any, sensitivity: Any
                ) -> tuple[Any, Any, str | None]:
    """The uncertainty and sensitivity results: as given, or the configured ones computed on the
    data ``result`` was run on (one shared engine); a note when those data are not known."""
    cfg = result.config
    want_u = uncertainty is None and bool(cfg.uncertainty)
    want_s = sensitivity is None and bool(cfg.uncertainty and cfg.sensitivity)
    if not (want_u or want_s):
        return uncertainty, sensitivity, None
    from ._source import analysis_engine

    engine, note = analysis_engine(result)
    if engine is None:
        return uncertainty, sensitivity, note
    if want_u:
        uncertainty = _auto("uncertainty", result, engine)
    if want_s:
        sensitivity = _auto("sensitivity", result, engine)
    return uncertainty, sensitivity, None


def _src(result: Result) -> str:
    return f"{result.config.name}; computed with aiindex {result.version}"


def _unit_frame(result: Result, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` indexed by unit codes, with a first column ``name`` (the unit's name)."""
    out = df.copy()
    out.insert(0, "name", [_name(result, u) for u in out.index])
    return out


# ---------------------------------------------------------------------------------- sections
def _results_section(result: Result,
                     imputed: tuple[pd.DataFrame | None, str | None] | None = None) -> str:
    """The ranked table (``imputed``: :func:`~aiindex.outputs.profiles.imputed_shares` of
    ``result``, computed here when not given)."""
    fw = result.framework
    if imputed is None:
        from .profiles import imputed_shares

        imputed = imputed_shares(result)
    t, why = _with_imputed(result, result.table(), imputed)
    k = n_tiers(result)
    d = t.reset_index().rename(columns={t.index.name or "index": "code"})
    cols = [Col("rank", "Rank", kind="int"), Col("name", "Name", kind="text"),
            Col("code", "Code", kind="text")]
    for c in t.columns:
        if c in ("rank", "name"):
            continue
        if c == "tier":
            cols.append(Col("tier", "Tier", kind="int"))
        elif c == "imputed_%":
            cols.append(Col(c, "Score share imputed (%)", title="imputed_%", decimals=1))
        else:
            cols.append(Col(c, _node_name(result, c), title=str(c)))
    raw = {"tier": [tier_chip(v, k) for v in d["tier"]]} if "tier" in d.columns else None
    return ("<h2 id='results'>Results</h2>"
            f"<p>{len(t)} units ranked by the index <b title='{esc(fw.root)}'>"
            f"{esc(_node_name(result, fw.root))}</b>"
            + (f" with {k} tiers (1 = top)" if k else "")
            + ". Scores are shown with two decimals; rank 1 is best, ties share the lowest rank. "
            "Column headers are names; hover a header for its code.</p>"
            + (f"<p class='note'>The share of each score resting on imputed cells "
               f"(output.show_imputed) is not shown: {esc(why)}</p>" if why else "")
            + html_table(d, cols, tid="results-table", titles={"name": list(d["code"])},
                         raw=raw))


def _with_imputed(result: Result, t: pd.DataFrame,
                  imputed: tuple[pd.DataFrame | None, str | None]
                  ) -> tuple[pd.DataFrame, str | None]:
    """With ``output.show_imputed``: a column with each unit's score share (%) resting on
    imputed cells (``imputed``: :func:`~aiindex.outputs.profiles.imputed_shares`), or the table
    as it is and why the column is left out."""
    if not (result.config.output or {}).get("show_imputed"):
        return t, None
    share, why = imputed
    if share is None:
        return t, why
    return t.assign(**{"imputed_%": share["imputed_score"].reindex(t.index) * 100}), None


def _anchors_section(result: Result) -> str:
    """The scorecard against the published facts named by the config's ``output.anchors``."""
    from ..analysis.anchors import anchors
    from ._source import anchor_runs

    head = "<h2 id='anchors'>Published facts (anchor scorecard)</h2>"
    name = (result.config.output or {}).get("anchors")
    try:
        runs, note = anchor_runs(result)
        return (head + (f"<p class='note'>{esc(note)}</p>" if note else "")
                + anchors(result.config, results=runs).to_html())
    except AIIndexError:
        return head + (f"<p class='note'>The scorecard is not shown: the published-facts file "
                       f"named by output.anchors ({esc(Path(str(name)).name)}) could not be "
                       "read or does not fit this index; run aiindex anchors for details.</p>")


def _framework_section(result: Result) -> str:
    fw = result.framework
    nf = fw.nodes_frame()
    nf["effective_weight"] = nf["effective_weight"] * 100
    t = nf.reset_index().rename(columns={nf.index.name or "index": "code"})
    t["name"] = [("\u2003" * (fw.depth - int(lv))) + str(n if isinstance(n, str) and n else c)
                 for c, n, lv in zip(t["code"], t.get("name", t["code"]), t["level"],
                                     strict=True)]
    t["parent"] = [_node_name(result, p) if isinstance(p, str) and p else None
                   for p in t.get("parent", [None] * len(t))]
    if "direction" in t.columns:
        t["direction"] = [None if pd.isna(v) else "higher is better" if float(v) > 0
                          else "lower is better" for v in t["direction"]]
    cols = [Col("name", "Name", kind="text"), Col("code", "Code", kind="text"),
            Col("level", "Level", kind="int"), Col("parent", "Parent", kind="text"),
            Col("weight", "Weight", decimals=2),
            Col("effective_weight", "Effective weight (%)", decimals=2),
            Col("direction", "Direction", kind="text"), Col("unit", "Unit", kind="text"),
            Col("source", "Source", kind="text")]
    cols = [c for c in cols if c.key in t.columns]
    counts = ", ".join(f"level {lv}: {len(fw.level_codes(lv))}" for lv in range(fw.depth, 0, -1))
    return ("<h2 id='framework'>Framework</h2>"
            f"<p>{len(fw.nodes)} nodes ({counts}); level 1 are the metrics. Weights are relative "
            "among siblings and renormalised over the children with data; the effective weight "
            "is a node's share of the index.</p>"
            + html_table(t, cols, tid="framework-table", titles={"name": list(t["code"])}))


def _uncertainty_section(unc: Any, result: Result, charts: bool = True) -> str:
    from .charts import _rank_stats, plot_rank_intervals

    st = _rank_stats(unc)
    n = getattr(unc, "n", None)
    parts = ["<h2 id='uncertainty'>Uncertainty</h2><p>How far each rank moves when the "
             "uncertain choices of the config vary"
             + (f" ({int(n):,} Monte Carlo replications)" if n else "") + ".</p>"]

    def alt() -> str:
        w = (st["p95"] - st["p5"]).astype(float)
        u = w.idxmax()
        return (f"Dot-and-whisker chart of the nominal rank (dot), median rank (tick) and 5–95% "
                f"rank interval (bar) of {len(st)} units in nominal rank order. Widest interval: "
                f"{_name(result, u)}, ranks {cell_text(st.at[u, 'p5'], integer=True)} to "
                f"{cell_text(st.at[u, 'p95'], integer=True)}.")

    if charts:
        parts.append(_chart("fig-unc", "rank-interval chart", "rank statistics with nominal, "
                            "5th and 95th percentile ranks", plot_rank_intervals, (unc,), alt,
                            "Nominal rank (dot), median (tick) and 5–95% rank interval (bar) "
                            "over the Monte Carlo replications.", names=_names(result),
                            source=_src(result)))
    table = getattr(unc, "rank_stats", None)
    table = table if isinstance(table, pd.DataFrame) else st
    order = pd.to_numeric(table.get("nominal_rank", table.get("nominal")), errors="coerce")
    table = _unit_frame(result, table.loc[order.sort_values(kind="stable").index]
                        if order is not None else table)
    cols = auto_cols(table, extra={"nominal": "Nominal rank", "p5": "5th percentile rank",
                                   "p95": "95th percentile rank", "median": "Median rank"})
    cols = [Col(c.key, c.label, c.title, "int" if c.key in ("nominal", "p5", "p95", "median")
                else c.kind, c.decimals) for c in cols]
    parts.append(html_table(table.reset_index(drop=True), cols, tid="uncertainty-table",
                            titles={"name": list(table.index)}))
    return "".join(parts)


def _sensitivity_section(sens: Any, result: Result, charts: bool = True) -> str:
    from .charts import _output_label, _sens_table_raw, plot_sensitivity, sensitivity_outputs

    names = _names(result)
    outs = sensitivity_outputs(sens)
    parts = ["<h2 id='sensitivity'>Sensitivity</h2><p>Sobol' first-order (S1) and total (ST) "
             "indices: the share of the variance of each output due to each uncertain choice "
             f"alone (S1) and with its interactions (ST); {len(outs)} output(s).</p>"]
    for i, out in enumerate(outs if charts else []):
        label = _output_label(out, names) if out else "the configured output"

        def alt(out: str = out, label: str = label) -> str:
            from .charts import _sens_table

            t = _sens_table(sens, out or None).astype({"total": float})
            top = t["total"].idxmax()
            return (f"Bar chart of the first-order and total Sobol' indices of {len(t)} "
                    f"uncertain choices ({', '.join(map(str, t.index))}) for the output "
                    f"{label}. Largest total index: {top} ({t.at[top, 'total']:.2f}).")

        parts.append(_chart(f"fig-sens-{i}" if i else "fig-sens", f"sensitivity chart for "
                            f"the output {label}", "finite indices: this output does not vary "
                            "over the evaluations, so there is no variance to apportion",
                            plot_sensitivity, (sens,), alt, f"Sobol' indices for the output: "
                            f"{label}.", output=out or None, names=names,
                            source=_src(result) + "; aiindex sensitivity analysis"))
    raw = _sens_table_raw(sens)
    t = raw.reset_index() if "factor" not in raw.columns else raw.copy()
    t = t.rename(columns={t.columns[0]: "factor"}) if "factor" not in t.columns else t
    if "output" in t.columns:
        t["output"] = [_output_label(str(o), names) for o in t["output"]]
    parts.append(html_table(t, auto_cols(t, decimals=3), tid="sensitivity-table"))
    return "".join(parts)


def _trends_section(panel: Any, gap: tuple[str, str] | None, charts: bool,
                    result: Result) -> str:
    """Trends over the years of a panel run (aiindex.panel): per-unit change and a gap."""
    from ..analysis.trends import gaps, trends

    years = list(getattr(panel, "years", []))
    parts = [f"<h2 id='trends'>Trends over years</h2><p>Years {years[0]}–{years[-1]}, "
             f"normalisation bounds: {esc(getattr(panel, 'bounds', ''))}.</p>"
             if years else "<h2 id='trends'>Trends over years</h2>"]
    tr = _unit_frame(result, trends(panel))  # cagr_pct is already in % per year
    parts.append(html_table(tr.reset_index(drop=True),
                            auto_cols(tr, extra={"cagr_pct": "CAGR (%/year)"}),
                            tid="trends-table", titles={"name": list(tr.index)}))
    if gap is not None:
        a, b = gap
        na, nb = _name(result, a), _name(result, b)
        g = gaps(panel, a, b)
        parts.append(f"<h3>Gap {esc(na)} − {esc(nb)}</h3>"
                     + html_table(g, auto_cols(g), tid="gap-table"))
        if charts:
            from .charts import panel_gap_chart

            def alt() -> str:
                return (f"Line chart of the scores of {na} and {nb} over the years "
                        f"{years[0]}–{years[-1]} with a bar chart of their gap, from "
                        f"{g['gap'].iloc[0]:.1f} to {g['gap'].iloc[-1]:.1f} points.")

            parts.append(_chart("fig-gap", f"gap chart {na} − {nb}", "both units in every "
                                "year of the panel", panel_gap_chart, (panel, a, b, None, None),
                                alt, f"Scores of {na} and {nb} and their gap over the years."))
    return "".join(parts)


def _audit_section(result: Result) -> str:
    """Statistical coherence (aiindex.audit): Cronbach's alpha and PCA per group, flagged pairs."""
    from ..analysis.audit import alpha_by_group, framework_correlations, pca_by_group

    head = ("<h2 id='audit'>Statistical audit</h2><p>Cronbach's alpha and principal components "
            "of the children of every aggregate (complete cases; OECD/JRC Handbook 2008), and "
            "correlation flags: sibling pairs above 0.9 (possible double counting) and negative "
            "correlations within a group.</p>")
    try:
        al = alpha_by_group(result)
        pc = pca_by_group(result).summary
        fl = framework_correlations(result).flags
    except AIIndexError:
        return head + ("<p class='note'>The audit is not shown: it needs at least two units "
                       "with complete data in each group of the framework.</p>")
    parts = [head]
    for title, df, tid in (("Cronbach's alpha", al, "alpha-table"),
                           ("Principal components", pc, "pca-table"),
                           (f"Flags ({len(fl)})", fl, "flags-table")):
        d = df.copy()
        for c in ("group", "parent", "a", "b"):
            if c in d.columns:
                d[c] = [_node_name(result, v) for v in d[c]]
        parts.append(f"<h3>{esc(title)}</h3>" + (
            html_table(d, auto_cols(d, decimals=3), tid=tid) if len(d) else
            "<p>No flagged pairs.</p>"))
    return "".join(parts)


def _availability_section(result: Result) -> str:
    raw = result.stages.get("raw")
    parts = ["<h2 id='data'>Data availability and treatment</h2>"]
    if raw is not None and raw.size:
        av_m = raw.notna().mean()
        av_u = raw.notna().mean(axis=1)
        parts.append(
            f"<p>Raw data: {raw.shape[0]} units × {raw.shape[1]} metrics, "
            f"{raw.notna().to_numpy().mean() * 100:.1f}% of cells available. "
            f"Lowest metric availability: {av_m.min() * 100:.1f}% "
            f"(<span title='{esc(av_m.idxmin())}'>{esc(_node_name(result, av_m.idxmin()))}"
            f"</span>); lowest unit availability: {av_u.min() * 100:.1f}% "
            f"(<span title='{esc(av_u.idxmin())}'>{esc(_name(result, av_u.idxmin()))}</span>)."
            "</p>")
        low = av_m[av_m < 1].sort_values()
        if len(low):
            t = pd.DataFrame({"name": [_node_name(result, m) for m in low.index],
                              "available": low.to_numpy() * 100,
                              "missing": ((1 - low) * raw.shape[0]).round().to_numpy()})
            parts.append("<h3>Metrics with missing raw data</h3>" + html_table(
                t, [Col("name", "Metric", kind="text"), Col("available", "Available (%)",
                                                             decimals=1),
                    Col("missing", "Units without data", kind="int")],
                tid="missing-table", titles={"name": list(low.index)}))
    parts.append(_imputation_part(result))
    parts.append(_screening_part(result))
    parts.append(_treatment_part(result))
    return "".join(parts)


def _log_frame(result: Result, log: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[Any]]]:
    """A stage log with unit and metric names (codes kept as tooltips)."""
    d = log.reset_index(drop=True).copy()
    titles: dict[str, list[Any]] = {}
    if "uCode" in d.columns:
        titles["unit"] = list(d["uCode"])
        d.insert(0, "unit", [_name(result, u) for u in d["uCode"]])
        d = d.drop(columns="uCode")
    if "metric" in d.columns:
        titles["metric"] = list(d["metric"])
        d["metric"] = [_node_name(result, m) for m in d["metric"]]
    return d, titles


def _imputation_part(result: Result) -> str:
    imp = result.logs.get("impute")
    if not (isinstance(imp, pd.DataFrame) and len(imp)):
        return "<h3>Imputation</h3><p>No cell was imputed.</p>"
    method = imp["method"].iloc[0] if "method" in imp else None
    d, titles = _log_frame(result, imp)
    cols = auto_cols(d, decimals=3, extra={"unit": "Unit"})
    return (f"<h3>Imputation</h3><p>{len(imp)} cells imputed"
            + (f" (method: {esc(method)})" if method is not None else "") + ".</p>"
            + html_table(d, cols, tid="imputation-table", titles=titles))


def _screening_part(result: Result) -> str:
    scr = result.logs.get("screen")
    parts = []
    if isinstance(scr, pd.DataFrame) and len(scr):
        if "dropped" in scr.columns:
            dropped = scr[scr["dropped"].astype(bool)]
        elif "kept" in scr.columns:
            dropped = scr[~scr["kept"].astype(bool)]
        else:
            dropped = scr.iloc[0:0]
        parts.append(f"<h3>Screening</h3><p>{len(scr)} units checked, {len(dropped)} removed."
                     "</p>")
        if len(dropped):
            d, titles = _log_frame(result, dropped)
            parts.append(html_table(d, auto_cols(d, extra={"unit": "Unit"}),
                                    tid="screening-table", titles=titles))
    left = (result.info.get("screen_metrics") or {}).get("left_out") or []
    if left:
        parts.append("<p>Metrics left out for too little data: "
                     + ", ".join(f"<span title='{esc(m)}'>{esc(_node_name(result, m))}</span>"
                                 for m in left) + ".</p>")
    return "".join(parts)


def _treatment_part(result: Result) -> str:
    treat = (result.info.get("treat") or {}).get("treatment")
    if not (isinstance(treat, pd.DataFrame) and len(treat)):
        return ""
    touched = treat
    for col in ("n_winsorised", "winsorised", "n_treated"):
        if col in treat.columns:
            touched = treat[pd.to_numeric(treat[col], errors="coerce").fillna(0) > 0]
            break
    if "transform" in treat.columns:
        tf = treat["transform"].astype(object)
        tr = treat[tf.notna() & ~tf.astype(str).isin(["None", "none", ""])]
        touched = pd.concat([touched, tr]).loc[lambda d: ~d.index.duplicated()]
    shown = touched if len(touched) else treat
    d = shown.reset_index().rename(columns={shown.index.name or "index": "metric"})
    d, titles = _log_frame(result, d)
    parts = [f"<h3>Outlier treatment</h3><p>{len(treat)} metrics checked; {len(touched)} "
             "treated (winsorised or transformed).</p>"
             + html_table(d, auto_cols(d, decimals=3), tid="treatment-table", titles=titles)]
    tl = result.logs.get("treat")
    if isinstance(tl, pd.DataFrame) and len(tl):
        act = tl["action"].astype(str) if "action" in tl.columns else pd.Series("", index=tl.index)
        wins = tl[act.str.startswith("winsor")]
        parts.append(f"<p>Treatment log: {len(tl)} cells changed, {len(wins)} of them "
                     f"winsorised; the other {len(tl) - len(wins)} by a transform of the whole "
                     "metric (listed above).</p>")
        if len(wins):
            d, titles = _log_frame(result, wins)
            parts.append(html_table(d, auto_cols(d, decimals=3, extra={"unit": "Unit"}),
                                    tid="treatment-log", titles=titles))
    return "".join(parts)


# ------------------------------------------------------------------------------------- charts
def _charts_section(result: Result) -> str:
    from . import charts as plot

    fw = result.framework
    parts = ["<h2 id='charts'>Charts</h2>"]
    k = n_tiers(result)
    parts.append(_chart("fig-ranking", "ranking chart", "index scores", plot.plot_ranking,
                        (result,), lambda: _alt_ranking(result, k),
                        "Index scores, best first, coloured by tier (tier 1 darkest); dashed "
                        "lines mark the tier thresholds." if k else "Index scores, best first."))
    for lv in plot.heatmap_levels(result):
        codes = [c for c in fw.level_codes(lv) if c in result.stages["aggregated"].columns]
        word = plot._level_word(fw, lv)
        parts.append(_chart(f"fig-heatmap-{lv}", f"heatmap of level {lv}", "aggregate scores",
                            plot.plot_heatmap, (result,),
                            lambda codes=codes, word=word: _alt_heatmap(result, codes, word),
                            f"Scores on the {len(codes)} {word} (level {lv}); units ordered "
                            "by index rank.", level=lv))
    dims = plot_dims(result)
    top3 = list(result.ranks[fw.root].astype("float64").sort_values(kind="stable").index[:3])
    parts.append(_chart("fig-radar", "radar chart", "at least three dimensions at one level of "
                        "the framework", plot.plot_radar, (result, top3),
                        lambda: _alt_radar(result, top3, dims),
                        "Dimension scores of the three best-ranked units against the average "
                        "of all units (dashed); the radial axis spans the whole 0–100 scale.",
                        compare="mean"))
    parts.append(_chart("fig-framework", "framework sunburst", "a framework with weights",
                        plot.plot_framework, (result,), lambda: _alt_sunburst(result),
                        "The framework; each wedge's angle is the node's effective weight. "
                        "Wedges too small for a label are listed under the chart; every name "
                        "is in the framework table.")
                 )
    parts.append(_chart("fig-corr", "correlation heatmap", "metrics grouped under aggregates",
                        plot.plot_correlations, (result,), lambda: _alt_corr(result),
                        "Correlation of each metric with every node of the level above; the "
                        "metric's own parent is outlined."))
    return "".join(parts)


def plot_dims(result: Result) -> list[str]:
    """The radar's axes: the first-level dimensions (or the level below when fewer than 3)."""
    fw = result.framework
    nodes = fw.dimensions
    if len(nodes) < 3 and fw.depth - 2 >= 1:
        nodes = fw.level_codes(fw.depth - 2)
    return list(nodes)


def _alt_ranking(result: Result, k: int) -> str:
    from .charts import tier_thresholds

    root = result.framework.root
    s = result.scores[root].dropna().sort_values(ascending=False, kind="stable")
    top = ", ".join(f"{_name(result, u)} {v:.1f}" for u, v in s.iloc[:3].items())
    text = (f"Horizontal bar chart of the {_node_name(result, root)} score of {len(s)} units, "
            f"best first: {top}; lowest: {_name(result, s.index[-1])} {s.iloc[-1]:.1f}.")
    if k:
        thr = ", ".join(f"{b:.1f}" for b in tier_thresholds(result))
        text += (f" Bars coloured by tier ({k} tiers, tier 1 darkest)"
                 + (f"; dashed lines at the tier thresholds {thr}." if thr else "."))
    return text


def _alt_heatmap(result: Result, codes: list[str], word: str) -> str:
    S = result.stages["aggregated"][codes]
    best = S.stack().astype(float)
    (u, c) = best.idxmax()
    return (f"Heatmap of the scores of {len(S)} units (rows, in index rank order) on the "
            f"{len(codes)} {word}: {', '.join(_node_name(result, x) for x in codes)}. Lighter "
            f"cells are higher scores; the highest is {_name(result, u)} on "
            f"{_node_name(result, c)} ({best.max():.1f}).")


def _alt_radar(result: Result, units: list[str], dims: list[str]) -> str:
    S = result.stages["aggregated"]
    best = [f"{_name(result, u)} scores highest on {_node_name(result, S.loc[u, dims].idxmax())}"
            for u in units]
    return (f"Radar chart of the scores of {', '.join(_name(result, u) for u in units)} on "
            f"{len(dims)} dimensions ({', '.join(_node_name(result, d) for d in dims)}), with "
            f"the average of all units dashed; radial axis from 0 to 100. {'; '.join(best)}.")


def _alt_sunburst(result: Result) -> str:
    fw = result.framework
    ew = fw.effective_weights()
    dims = "; ".join(f"{_node_name(result, d)} {100 * ew[d]:.0f}%" for d in fw.dimensions)
    return (f"Sunburst of the framework {_node_name(result, fw.root)}: {len(fw.dimensions)} "
            f"first-level dimensions in the inner ring ({dims}), {len(fw.metrics)} metrics in "
            "the outer ring; each wedge's angle is its share of the index.")


def _alt_corr(result: Result) -> str:
    fw = result.framework
    S = result.stages["aggregated"].astype(float)
    ms = [m for m in fw.metrics if m in S.columns]
    own = pd.Series({m: S[m].corr(S[fw.parent(m)]) for m in ms if fw.parent(m) in S.columns})
    low = own.idxmin() if own.notna().any() else None
    text = (f"Heatmap of the correlations of {len(ms)} metrics with the "
            f"{len(fw.level_codes(2))} nodes of level 2; each metric's own parent is outlined.")
    if low is not None:
        text += (f" Weakest correlation with its own parent: {_node_name(result, low)} "
                 f"(r = {own[low]:.2f}).")
    return text


# ------------------------------------------------------------------------------ config appendix
def relative_config(result: Result) -> tuple[dict[str, Any], str]:
    """The resolved config as plain data with every file path relative to the config's folder,
    and the config file's name (``"—"`` for a config given as a mapping).

    The machine's absolute paths never reach the report: ``source_file``/``base_dir`` are left
    out, and any absolute path value is shown relative to the config's folder.
    """
    cfg = result.config
    src = getattr(cfg, "source_file", None)
    base = getattr(cfg, "base_dir", None) or (Path(src).parent if src else Path.cwd())
    data = {k: v for k, v in cfg.to_dict().items() if k not in ("source_file", "base_dir")}

    def rel(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: rel(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rel(x) for x in v]
        if isinstance(v, str) and len(v) > 1 and os.path.isabs(v):
            try:
                return Path(os.path.relpath(v, base)).as_posix()
            except ValueError:  # another drive
                return Path(v).name
        return v

    return rel(data), (Path(str(src)).name if src else "—")


def _config_appendix(result: Result) -> str:
    from ..yamlio import dump_yaml

    data, name = relative_config(result)
    text = dump_yaml({**data, "aiindex_version": result.version})
    return ("<h2 id='config'>Appendix: configuration</h2><p>The resolved config this report "
            f"was built from (file: <code>{esc(name)}</code>; file paths are relative to its "
            "folder).</p><details id='config-details'><summary>Show the configuration (YAML)"
            f"</summary><pre id='config-yaml'>{esc(text)}</pre></details>")


# ----------------------------------------------------------------------------------- assembly
def _header(result: Result, title: str, missing: list[str], why: str | None = None
            ) -> list[str]:
    """Title, key facts and the data-provenance note (description and ``output.note``)."""
    cfg, fw = result.config, result.framework
    body = [f"<h1>{esc(title)}</h1>",
            f"<p class='meta'>{len(result.scores)} units · {len(fw.metrics)} metrics · "
            f"{fw.depth} levels" + (f" · year {result.year}" if result.year is not None else "")
            + f" · aiindex {esc(result.version)}</p>"]
    note = (cfg.output or {}).get("note")
    prov = [esc(str(x).strip()) for x in (cfg.description, note) if x and str(x).strip()]
    data, _ = relative_config(result)
    files = [f"{w}: <code>{esc(f)}</code>" for w, f in
             (("data", (data.get("data") or {}).get("file")),
              ("framework", (data.get("framework") or {}).get("file")
               if isinstance(data.get("framework"), dict) else data.get("framework")))
             if isinstance(f, str) and f]
    if files:
        prov.append("Files (relative to the config's folder): " + "; ".join(files) + ".")
    body.append("<div class='provenance' id='provenance'><b>About these data.</b> "
                + "".join(f"<p>{p}</p>" for p in prov or ["No description is given in the "
                                                          "config."]) + "</div>")
    if missing:
        body.append(f"<p class='note'>The config configures {' and '.join(missing)}, but no "
                    "result was passed to the report and none could be computed here"
                    + (f": {esc(why)}." if why else ".") + "</p>")
    return body


def _sections(result: Result, uncertainty: Any, sensitivity: Any, charts: bool, panel: Any,
              gap: tuple[str, str] | None, identifiability: Any
              ) -> list[tuple[str, str, Callable[[], str]]]:
    """The report's sections in order: ``(anchor, navigation label, builder)``."""
    from . import profiles

    cfg = result.config
    imputed = profiles.imputed_shares(result)  # for the results and the profiles (once)
    s: list[tuple[str, str, Callable[[], str]]] = [
        ("results", "Results", lambda: _results_section(result, imputed))]
    if (cfg.output or {}).get("anchors"):
        s.append(("anchors", "Published facts", lambda: _anchors_section(result)))
    if n_tiers(result):
        s.append(("tiers", "Tiers", lambda: tiers_section(result, uncertainty)))
    if charts:
        s.append(("charts", "Charts", lambda: _charts_section(result)))
    s.append(("profiles", "Unit profiles",
              lambda: profiles_section(result, uncertainty, bounded=_bounded(result),
                                       imputed=imputed[0])))
    s.append(("framework", "Framework", lambda: _framework_section(result)))
    if uncertainty is not None:
        s.append(("uncertainty", "Uncertainty", lambda: _uncertainty_section(uncertainty,
                                                                             result, charts)))
    if sensitivity is not None:
        s.append(("sensitivity", "Sensitivity", lambda: _sensitivity_section(sensitivity,
                                                                             result, charts)))
    if panel is not None:
        s.append(("trends", "Trends over years",
                  lambda: _trends_section(panel, gap, charts, result)))
    if identifiability is not None:  # an aiindex.analysis.identify.IdentifiabilityReport
        s.append(("identifiability", "What the published scores pin down",
                  identifiability.html_section))
    s += [("audit", "Statistical audit", lambda: _audit_section(result)),
          ("data", "Data availability and treatment", lambda: _availability_section(result)),
          ("config", "Appendix: configuration", lambda: _config_appendix(result))]
    return s


def report_html(result: Result, *, uncertainty: Any = None, sensitivity: Any = None,
                title: str | None = None, charts: bool = True, panel: Any = None,
                gap: tuple[str, str] | None = None, identifiability: Any = None) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    cfg = result.config
    uncertainty, sensitivity, why = _configured(result, uncertainty, sensitivity)
    title = title or cfg.name
    missing = [k for k, have in (("uncertainty", uncertainty), ("sensitivity", sensitivity))
               if getattr(cfg, k) and have is None]
    body = _header(result, title, missing, why)
    sections = _sections(result, uncertainty, sensitivity, charts, panel, gap,
                         identifiability)
    body.append("<nav><ul>" + "".join(f"<li><a href='#{a}'>{esc(b)}</a></li>"
                                      for a, b, _ in sections) + "</ul></nav>")
    with _progress.step("report", total=len(sections)) as advance:
        for _, label, build in sections:
            with _progress.step(f"report: {label}"):
                body.append(build())
            advance(1)
    body.append(f"<footer>Generated by aiindex {esc(result.version)}. Self-contained "
                "file: no network access is needed to view it.</footer>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>"
            + "".join(body) + "</main></body></html>")


def write_report(result: Result, path: str | Path, *, uncertainty: Any = None,
                 sensitivity: Any = None, title: str | None = None, charts: bool = True,
                 panel: Any = None, gap: tuple[str, str] | None = None,
                 identifiability: Any = None) -> Path:
    """Write a self-contained HTML report of ``result``.

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    path
        Output ``.html`` file.
    uncertainty
        An uncertainty result (with rank statistics ``nominal, p5, p95`` and, with tiers,
        tier probabilities), or a DataFrame of rank statistics. When ``None`` and the config
        has an ``uncertainty`` section, the report runs it
        (:func:`aiindex.analysis.uncertainty.run_config`). Gives the rank intervals of the
        profiles and the tier probabilities of the tier section.
    sensitivity
        A sensitivity result (indices per output), or a DataFrame of indices; same fallback
        with :func:`aiindex.analysis.sensitivity.run_config`. Every output is drawn.
    title
        Page title (default: the config's name).
    charts
        Draw the charts (needs matplotlib; without it each chart is a sentence saying what
        to install).
    panel
        A multi-year :class:`aiindex.pipeline.PanelResult`: adds per-unit trends (change,
        CAGR, rank change) of the index.
    gap
        Two unit codes ``(a, b)``: with ``panel``, adds the table and chart of the gap ``a − b``
        over the years.
    identifiability
        An :class:`aiindex.analysis.identify.IdentifiabilityReport`: adds its section (what
        the published scores pin down).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return write_text_atomic(path, report_html(result, uncertainty=uncertainty,
                                               sensitivity=sensitivity, title=title,
                                               charts=charts, panel=panel, gap=gap,
                                               identifiability=identifiability))
