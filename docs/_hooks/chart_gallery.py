"""mkdocs hook: draw every chart of :mod:`aiindex.outputs.charts` on the bundled data.

The gallery page (``docs/gallery.md``) holds the marker ``<!-- chart-gallery -->``; at build
time each chart is drawn on the bundled default (the Global AI Innovation Index public-proxy
index, edition 2023, and its panel 2020-2023) or on COINr's ASEM example, saved as a PNG added to
the site (``gallery/<name>.png``), and the marker is replaced by one section per chart: the
image, the call that drew it and its alt text. The images cannot drift from the code. About
20 s (the analyses run with small samples).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

MARKER = "<!-- chart-gallery -->"
_DPI = 80
_CACHE: dict[str, Any] = {}


def _charts() -> list[tuple[str, str, str, Any]]:
    """``(name, title, the call shown, figure)`` for every chart."""
    import aiindex
    from aiindex.analysis.sensitivity import sensitivity
    from aiindex.analysis.uncertainty import uncertainty
    from aiindex.data.bundled import bundled_config, default_config_path
    from aiindex.outputs import charts as plot
    from aiindex.pipeline import run_panel

    d = aiindex.run()
    a = aiindex.run(bundled_config("asem"))
    unc = uncertainty(default_config_path(), n=300, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sens = sensitivity(aiindex.run(overrides={"sensitivity": {"n": 64}}).config)
    panel = run_panel(bundled_config("gaiii_panel"))
    return [
        ("ranking", "Ranked bars with tiers and thresholds", "plot.plot_ranking(res)",
         plot.plot_ranking(d)),
        ("heatmap-dimensions", "Heatmap of one level: the first-level dimensions",
         "plot.plot_heatmap(res)", plot.plot_heatmap(d)),
        ("heatmap-pillars", "Heatmap of one level: ASEM's eight pillars",
         'plot.plot_heatmap(asem, level=2)', plot.plot_heatmap(a, level=2)),
        ("radar", "Radar of dimension scores against the average",
         'plot.plot_radar(res, ["USA", "CHN", "GBR"], compare="mean")',
         plot.plot_radar(d, ["USA", "CHN", "GBR"], compare="mean")),
        ("sunburst", "Framework sunburst sized by effective weight",
         "plot.plot_framework(asem)", plot.plot_framework(a)),
        ("correlations", "Correlations of metrics with their parents",
         "plot.plot_correlations(res)", plot.plot_correlations(d)),
        ("rank-intervals", "Rank intervals from the uncertainty analysis",
         "plot.plot_rank_intervals(aiindex.uncertainty(config, n=300, seed=1))",
         plot.plot_rank_intervals(unc)),
        ("sensitivity", "Sobol' sensitivity indices (one chart per output)",
         'plot.plot_sensitivity(sens, output="mean_abs_rank_shift")',
         plot.plot_sensitivity(sens, output="mean_abs_rank_shift", index_name=d.config.name)),
        ("trends", "Scores and gap over the years (panel 2020-2023)",
         'plot.plot_trends(panel.results, ["USA", "CHN"])',
         plot.plot_trends(panel.results, ["USA", "CHN"])),
    ]


def _build() -> dict[str, Any]:
    if not _CACHE:
        images, sections = {}, []
        for name, title, call, fig in _charts():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=_DPI)
            images[f"gallery/{name}.png"] = buf.getvalue()
            sections += [f"## {title}", "", f"![{title}](gallery/{name}.png)", "",
                         "```python", call, "```", ""]
        _CACHE.update(images=images, markdown="\n".join(sections))
    return _CACHE


def on_files(files, config):  # noqa: ANN001, ANN201 - mkdocs API
    from mkdocs.structure.files import File

    for uri, data in _build()["images"].items():
        files.append(File.generated(config, uri, content=data))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs API
    if MARKER in markdown:
        return markdown.replace(MARKER, _build()["markdown"])
    return markdown
