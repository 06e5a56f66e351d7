"""A self-contained HTML report of an index.

:func:`write_report` writes one HTML file that opens without network access: CSS inline, charts
as inline base64 PNG images (:mod:`aiindex.outputs.charts`, needs matplotlib), tables as HTML. Sections:
summary, results table with tiers, charts, framework, uncertainty and sensitivity (when results
are given, or computed when the config configures them and the modules offer a ``run_config``
function), data availability and treatment notes, the resolved config and the package version.

Every user text (unit names and codes, node names, the config) is HTML-escaped; the page holds
no script, and a Content-Security-Policy forbids any. The file is written atomically.

Command line: ``aiindex report [CONFIG] --out report.html`` (:mod:`aiindex.cli.report`).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._io import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..pipeline import Result

__all__ = ["write_report", "report_html", "figure_to_data_uri"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #0072B2;padding-bottom:.2rem;
margin-top:2.5rem}h3{margin-top:1.6rem}
.meta{color:#555;font-size:.9rem}
nav ul{columns:2;font-size:.92rem}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0}
th,td{border-bottom:1px solid #ddd;padding:.22rem .5rem;text-align:right}
th{background:#f0f4f8;position:sticky;top:0}
td.l,th.l{text-align:left}
.scroll{max-height:560px;overflow:auto;border:1px solid #eee}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.8rem}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:.5rem .8rem;font-size:.9rem}
.tier{display:inline-block;min-width:1.6em;text-align:center;border-radius:3px;color:#fff}
footer{color:#666;font-size:.8rem;margin-top:3rem}
"""


#: the report runs no script at all: every user text is HTML-escaped, and this policy blocks
#: any script (and any network access) that an escaping mistake could let in
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


# --------------------------------------------------------------------------------- utilities
def figure_to_data_uri(fig: Figure, *, fmt: str = "png", dpi: int = 110) -> str:
    """Encode a matplotlib figure as a ``data:`` URI (PNG or SVG)."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _img(fig: Figure, alt: str, caption: str, fid: str) -> str:
    uri = figure_to_data_uri(fig)
    return (f'<figure id="{fid}"><img alt="{html.escape(alt)}" src="{uri}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _table(df: pd.DataFrame, *, tid: str | None = None, decimals: int = 2, index: bool = True,
           left: tuple[str, ...] = ("name", "uName", "code", "metric", "method", "parent"),
           scroll: bool = True) -> str:
    """A small HTML table writer (escapes everything; numbers right-aligned)."""
    d = df.reset_index() if index else df
    cols = list(d.columns)
    head = "".join(f'<th class="{"l" if str(c) in left or i == 0 else ""}">{html.escape(str(c))}</th>'
                   for i, c in enumerate(cols))
    rows = []
    arr = d.to_numpy(dtype=object)
    for r in arr:
        cells = []
        for i, (c, v) in enumerate(zip(cols, r, strict=True)):
            cls = "l" if str(c) in left or i == 0 else ""
            cells.append(f'<td class="{cls}">{_fmt(v, decimals)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    t = (f'<table{f" id={chr(34)}{tid}{chr(34)}" if tid else ""}><thead><tr>{head}</tr></thead>'
         f"<tbody>{''.join(rows)}</tbody></table>")
    return f'<div class="scroll">{t}</div>' if scroll else t


def _fmt(v: Any, decimals: int) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return "—"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, float | np.floating):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 1e12 and decimals == 0 else f"{f:.{decimals}f}"
    return html.escape(str(v))


def _try(fn: Any, *args: Any, **kw: Any) -> tuple[Any, str | None]:
    """Run a chart function; return (figure, None) or (None, error text) so one failing
    chart never loses the whole report."""
    try:
        return fn(*args, **kw), None
    except ModuleNotFoundError as exc:
        if exc.name == "matplotlib":
            return None, "charts need matplotlib: pip install 'aiindex[plot]'"
        return None, f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported in the page
        return None, f"{type(exc).__name__}: {exc}"


def _auto(kind: str, result: Result, engine: Any = None) -> Any:
    """Compute an analysis configured in the config (``uncertainty`` or ``sensitivity``),
    reusing one compiled uncertainty engine for both."""
    if kind == "uncertainty":
        from ..analysis.uncertainty import run_config
    else:
        from ..analysis.sensitivity import run_config
    return run_config(result, engine=engine)


def _shared_engine(result: Result, uncertainty: Any, sensitivity: Any) -> Any:
    """One compiled uncertainty engine when the report computes an analysis, else ``None``."""
    cfg = result.config
    if not cfg.uncertainty or (uncertainty is not None and
                               (sensitivity is not None or not cfg.sensitivity)):
        return None
    from ..analysis.uncertainty import Engine

    return Engine(cfg)


def _close(fig: Any) -> None:
    if fig is not None:
        fig.clear()


# ---------------------------------------------------------------------------------- sections
def _results_section(result: Result) -> str:
    t = _with_imputed(result, result.table())
    t = t.rename(columns={c: f"{c}" for c in t.columns})
    return ("<h2 id='results'>Results</h2>"
            f"<p>{len(t)} units ranked by the index <b>{html.escape(result.framework.root)}</b>"
            + (" with tiers (1 = top)" if result.tiers is not None else "")
            + ". Scores are shown with two decimals; rank 1 is best, ties share the lowest rank."
            "</p>" + _table(t, tid="results-table"))


# ------------------------------------------------- published facts (config output.anchors)
def _with_imputed(result: Result, t: pd.DataFrame) -> pd.DataFrame:
    """With ``output.show_imputed``: a column with each unit's score share (%) resting on
    imputed cells (:func:`aiindex.analysis.provenance.imputed_share`)."""
    if not (result.config.output or {}).get("show_imputed"):
        return t
    from ..analysis.provenance import imputed_share

    return t.assign(**{"imputed_%": imputed_share(result)["imputed_score"] * 100})


def _anchors_section(result: Result) -> str:
    """The scorecard against the published facts named by the config's ``output.anchors``."""
    from ..analysis.anchors import anchors

    head = "<h2 id='anchors'>Published facts (anchor scorecard)</h2>"
    try:
        return head + anchors(result.config).to_html()
    except Exception as exc:  # noqa: BLE001 - reported in the page
        return head + f"<p class='note'>Scorecard could not be computed: {html.escape(str(exc))}</p>"


def _framework_section(result: Result) -> str:
    fw = result.framework
    nf = fw.nodes_frame()
    cols = ["name", "level", "parent", "weight", "effective_weight", "direction", "unit", "source"]
    nf = nf[[c for c in cols if c in nf.columns]].copy()
    nf["effective_weight"] = nf["effective_weight"] * 100
    nf = nf.rename(columns={"effective_weight": "effective weight (%)"})
    depth = fw.depth
    counts = ", ".join(f"level {lv}: {len(fw.level_codes(lv))}" for lv in range(depth, 0, -1))
    return ("<h2 id='framework'>Framework</h2>"
            f"<p>{len(fw.nodes)} nodes ({counts}); level 1 are the metrics. Weights are relative "
            "among siblings and renormalised over the children with data; the effective weight "
            "is a node's share of the index.</p>" + _table(nf.rename_axis("code"), decimals=3))


def _availability_section(result: Result) -> str:
    raw = result.stages.get("raw")
    parts = ["<h2 id='data'>Data availability and treatment</h2>"]
    if raw is not None and raw.size:
        av_m = raw.notna().mean()
        av_u = raw.notna().mean(axis=1)
        parts.append(
            f"<p>Raw data: {raw.shape[0]} units × {raw.shape[1]} metrics, "
            f"{raw.notna().to_numpy().mean() * 100:.1f}% of cells available. "
            f"Lowest metric availability: {av_m.min() * 100:.1f}% ({html.escape(str(av_m.idxmin()))}); "
            f"lowest unit availability: {av_u.min() * 100:.1f}% ({html.escape(str(av_u.idxmin()))})."
            "</p>")
        low = av_m[av_m < 1].sort_values()
        if len(low):
            parts.append("<h3>Metrics with missing raw data</h3>" + _table(
                pd.DataFrame({"available (%)": low * 100, "missing units": (1 - low) * raw.shape[0]})
                .rename_axis("metric"), decimals=1))
    imp = result.logs.get("impute")
    if isinstance(imp, pd.DataFrame) and len(imp):
        method = imp["method"].iloc[0] if "method" in imp else "?"
        parts.append(f"<h3>Imputation</h3><p>{len(imp)} cells imputed (method: "
                     f"{html.escape(str(method))}).</p>" + _table(imp, index=False, decimals=3))
    else:
        parts.append("<h3>Imputation</h3><p>No cell was imputed.</p>")
    scr = result.logs.get("screen")
    if isinstance(scr, pd.DataFrame) and len(scr):
        if "dropped" in scr.columns:
            dropped = scr[scr["dropped"].astype(bool)]
        elif "kept" in scr.columns:
            dropped = scr[~scr["kept"].astype(bool)]
        else:
            dropped = scr.iloc[0:0]
        parts.append(f"<h3>Screening</h3><p>{len(scr)} units checked, {len(dropped)} removed.</p>"
                     + (_table(dropped, index=False) if len(dropped) else ""))
    treat = (result.info.get("treat") or {}).get("treatment")
    if isinstance(treat, pd.DataFrame) and len(treat):
        touched = treat
        for col in ("n_winsorised", "winsorised", "n_treated"):
            if col in treat.columns:
                touched = treat[pd.to_numeric(treat[col], errors="coerce").fillna(0) > 0]
                break
        if "transform" in treat.columns:
            tf = treat["transform"].astype(object)
            tr = treat[tf.notna() & ~tf.astype(str).isin(["None", "none", ""])]
            touched = pd.concat([touched, tr]).loc[lambda d: ~d.index.duplicated()]
        parts.append(f"<h3>Outlier treatment</h3><p>{len(treat)} metrics checked; "
                     f"{len(touched)} treated (winsorised or transformed).</p>"
                     + _table(touched if len(touched) else treat, decimals=3))
    tl = result.logs.get("treat")
    if isinstance(tl, pd.DataFrame) and len(tl):
        parts.append(f"<p>Treatment log: {len(tl)} cells changed.</p>"
                     + _table(tl, index=False, decimals=3))
    return "".join(parts)


def _analysis_section(heading: str, chart: tuple[Any, str | None], img: tuple[str, str, str],
                      what: str, table: Callable[[], pd.DataFrame], *, tid: str,
                      decimals: int) -> str:
    """An analysis section: ``heading``, the chart (``_try``'s ``(figure, error)``) drawn with
    ``img`` = (alt, caption, id) or a note naming ``what`` chart is missing, then the table
    ``table()`` (or the error text)."""
    parts = [heading]
    fig, err = chart
    if fig is not None:
        parts.append(_img(fig, *img))
        _close(fig)
    else:
        parts.append(f"<p class='note'>{what} chart not available: {html.escape(err or '')}</p>")
    try:
        parts.append(_table(table(), tid=tid, decimals=decimals))
    except Exception as exc:  # noqa: BLE001
        parts.append(f"<p class='note'>{html.escape(str(exc))}</p>")
    return "".join(parts)


def _uncertainty_section(unc: Any, result: Result) -> str:
    from .charts import _rank_stats, plot_rank_intervals

    return _analysis_section(
        "<h2 id='uncertainty'>Uncertainty</h2>",
        _try(plot_rank_intervals, unc, names=result.names, source=_src(result)),
        ("rank intervals", "Nominal rank (dot), median (tick) and 5–95% rank interval (bar) "
         "over the Monte Carlo replications.", "fig-unc"),
        "Rank-interval", lambda: _by_nominal(_rank_stats(unc)).rename_axis("uCode"),
        tid="uncertainty-table", decimals=1)


def _sensitivity_section(sens: Any, result: Result) -> str:
    from .charts import _sens_table, plot_sensitivity

    return _analysis_section(
        "<h2 id='sensitivity'>Sensitivity</h2>",
        _try(plot_sensitivity, sens, source=_src(result) + "; aiindex sensitivity analysis"),
        ("sensitivity indices", "First-order and total sensitivity indices of each uncertain "
         "choice.", "fig-sens"),
        "Sensitivity", lambda: _sens_table(sens), tid="sensitivity-table", decimals=3)


def _trends_section(panel: Any, gap: tuple[str, str] | None, charts: bool) -> str:
    """Trends over the years of a panel run (aiindex.panel): per-unit change and a gap."""
    from ..analysis.trends import gaps, trends
    from .charts import plot_gap

    years = list(getattr(panel, "years", []))
    parts = [f"<h2 id='trends'>Trends over years</h2><p>Years {years[0]}–{years[-1]}, "
             f"normalisation bounds: {html.escape(str(getattr(panel, 'bounds', '')))}.</p>"
             if years else "<h2 id='trends'>Trends over years</h2>"]
    tr = trends(panel)
    parts.append(_table(_cagr_as_percent(tr), tid="trends-table", decimals=2))
    if gap is not None:
        a, b = gap
        g = gaps(panel, a, b)
        parts.append(f"<h3>Gap {html.escape(a)} − {html.escape(b)}</h3>"
                     + _table(g, index=False, tid="gap-table", decimals=2))
        if charts:
            fig, err = _try(plot_gap, g, a, b)
            fig = getattr(fig, "figure", fig)
            if fig is not None:
                parts.append(_img(fig, f"gap {a} - {b}", f"Score gap {a} − {b} over the years.",
                                  "fig-gap"))
                _close(fig)
            else:
                parts.append(f"<p class='note'>Gap chart not available: {html.escape(err or '')}</p>")
    return "".join(parts)


def _cagr_as_percent(tr: pd.DataFrame) -> pd.DataFrame:
    """The trends table for display: ``cagr`` (a fraction, 0.02) as ``CAGR (%/year)`` (2.00)."""
    if "cagr" not in tr.columns:
        return tr
    out = tr.copy()
    out["cagr"] = pd.to_numeric(out["cagr"], errors="coerce") * 100.0
    return out.rename(columns={"cagr": "CAGR (%/year)"})


def _audit_section(result: Result) -> str:
    """Statistical coherence (aiindex.audit): Cronbach's alpha and PCA per group, flagged pairs."""
    from ..analysis.audit import alpha_by_group, framework_correlations, pca_by_group

    parts = ["<h2 id='audit'>Statistical audit</h2><p>Cronbach's alpha and principal components "
             "of the children of every aggregate (complete cases; OECD/JRC Handbook 2008), and "
             "correlation flags: sibling pairs above 0.9 (possible double counting) and negative "
             "correlations within a group.</p>"]
    try:
        al = alpha_by_group(result)
        pc = pca_by_group(result).summary
        fl = framework_correlations(result).flags
    except Exception as exc:  # noqa: BLE001 - reported in the page
        return parts[0] + f"<p class='note'>Audit not available: {html.escape(str(exc))}</p>"
    parts.append("<h3>Cronbach's alpha</h3>" + _table(al, index=False, decimals=3,
                                                    tid="alpha-table"))
    parts.append("<h3>Principal components</h3>" + _table(pc, index=False, decimals=3,
                                                         tid="pca-table"))
    parts.append(f"<h3>Flags ({len(fl)})</h3>"
                 + (_table(fl, index=False, decimals=3, tid="flags-table") if len(fl) else
                    "<p>No flagged pairs.</p>"))
    return "".join(parts)


def _by_nominal(st: pd.DataFrame) -> pd.DataFrame:
    """Rank statistics in nominal rank order (best first)."""
    for col in ("nominal", "nominal_rank"):
        if col in st.columns:
            return st.sort_values(col, kind="stable")
    return st


def _src(result: Result) -> str:
    return f"{result.config.name}; computed with aiindex {result.version}"


def _charts_section(result: Result) -> str:
    from . import charts as plot

    fw = result.framework
    parts = ["<h2 id='charts'>Charts</h2>"]
    top3 = list(result.ranks[fw.root].astype("float64").sort_values().index[:3])
    specs = [
        ("fig-ranking", plot.plot_ranking, (result,), {}, "Index scores, best first, coloured "
         "by tier."),
        ("fig-heatmap", plot.plot_heatmap, (result,), {}, "Scores of every aggregate, units "
         "ordered by index rank."),
        ("fig-radar", plot.plot_radar, (result, top3), {"compare": "mean"}, "Dimension scores of "
         "the three best-ranked units against the average of all units."),
        ("fig-framework", plot.plot_framework, (result,), {}, "The framework; each wedge's angle "
         "is the node's effective weight."),
        ("fig-corr", plot.plot_correlations, (result,), {}, "Correlation of each metric with "
         "every node of the level above; the metric's own parent is outlined."),
    ]
    for fid, fn, args, kw, cap in specs:
        fig, err = _try(fn, *args, **kw)
        if fig is None:
            parts.append(f"<p class='note'>Chart {fid} not drawn: {html.escape(err or '')}</p>")
            continue
        parts.append(_img(fig, fid, cap, fid))
        _close(fig)
    return "".join(parts)


def report_html(result: Result, *, uncertainty: Any = None, sensitivity: Any = None,
                title: str | None = None, charts: bool = True, panel: Any = None,
                gap: tuple[str, str] | None = None, identifiability: Any = None) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    from ..yamlio import dump_yaml

    cfg = result.config
    engine = _shared_engine(result, uncertainty, sensitivity)
    if uncertainty is None and cfg.uncertainty:
        uncertainty = _auto("uncertainty", result, engine)
    if sensitivity is None and cfg.sensitivity:
        sensitivity = _auto("sensitivity", result, engine)
    fw = result.framework
    title = title or cfg.name
    nav = [("results", "Results"), ("charts", "Charts"), ("framework", "Framework")]
    has_anchors = bool((cfg.output or {}).get("anchors"))
    if has_anchors:
        nav.insert(1, ("anchors", "Published facts"))
    if uncertainty is not None:
        nav.append(("uncertainty", "Uncertainty"))
    if sensitivity is not None:
        nav.append(("sensitivity", "Sensitivity"))
    if panel is not None:
        nav.append(("trends", "Trends over years"))
    if identifiability is not None:
        nav.append(("identifiability", "What the published scores pin down"))
    nav += [("audit", "Statistical audit"), ("data", "Data availability and treatment"),
            ("config", "Configuration")]
    body = [f"<h1>{html.escape(title)}</h1>",
            f"<p class='meta'>{len(result.scores)} units · {len(fw.metrics)} metrics · "
            f"{fw.depth} levels" + (f" · year {result.year}" if result.year is not None else "")
            + f" · aiindex {html.escape(result.version)}</p>"]
    if cfg.description:
        body.append(f"<p>{html.escape(str(cfg.description))}</p>")
    missing = []
    if cfg.uncertainty and uncertainty is None:
        missing.append("uncertainty")
    if cfg.sensitivity and sensitivity is None:
        missing.append("sensitivity")
    if missing:
        body.append(f"<p class='note'>The config configures {' and '.join(missing)}, but no "
                    "result was passed to the report and none could be computed here.</p>")
    body.append("<nav><ul>" + "".join(f"<li><a href='#{a}'>{html.escape(b)}</a></li>"
                                      for a, b in nav) + "</ul></nav>")
    body.append(_results_section(result))
    if has_anchors:
        body.append(_anchors_section(result))
    if charts:
        body.append(_charts_section(result))
    body.append(_framework_section(result))
    if uncertainty is not None:
        body.append(_uncertainty_section(uncertainty, result))
    if sensitivity is not None:
        body.append(_sensitivity_section(sensitivity, result))
    if panel is not None:
        body.append(_trends_section(panel, gap, charts))
    if identifiability is not None:  # an aiindex.analysis.identify.IdentifiabilityReport
        body.append(identifiability.html_section())
    body.append(_audit_section(result))
    body.append(_availability_section(result))
    text = dump_yaml({**cfg.to_dict(), "aiindex_version": result.version})
    body.append("<h2 id='config'>Configuration</h2><p>The resolved config this report was built "
                f"from (file: {html.escape(str(cfg.source_file or '—'))}).</p>"
                f"<pre id='config-yaml'>{html.escape(text)}</pre>")
    body.append(f"<footer>Generated by aiindex {html.escape(result.version)}. Self-contained "
                "file: no network access is needed to view it.</footer>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
            "<meta name='viewport' content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>"
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
        An uncertainty result (with rank statistics ``nominal, p5, p95``), or a DataFrame of
        them. When ``None`` and the config has an ``uncertainty`` section, the report calls
        ``aiindex.uncertainty.run_config(result)`` if that function exists.
    sensitivity
        A sensitivity result (indices ``first``/``total`` with optional CI columns), or a
        DataFrame; same fallback with ``aiindex.sensitivity.run_config``.
    title
        Page title (default: the config's name).
    charts
        Draw the charts (needs matplotlib).
    panel
        A multi-year :class:`aiindex.panel.PanelResult`: adds per-unit trends (change, CAGR,
        rank change) of the index.
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
                                         sensitivity=sensitivity, title=title, charts=charts,
                                         panel=panel, gap=gap,
                                         identifiability=identifiability))
