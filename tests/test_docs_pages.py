"""Documentation pages: formulas rendered to MathML at build time, the command-line reference
renders every command, the changelog page includes CHANGELOG.md, the data-model page covers the
formats, the TierResult.breaks statement matches the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hook(name: str):
    spec = importlib.util.spec_from_file_location(f"_hook_{name}", DOCS / "_hooks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- formulas
def _markdown_html(text: str) -> str:
    import markdown

    return markdown.markdown(text, extensions=["tables", "pymdownx.superfences",
                                               "pymdownx.arithmatex"],
                             extension_configs={"pymdownx.arithmatex": {"generic": True}})


def test_math_hook_renders_inline_and_display_formulas():
    pytest.importorskip("latex2mathml")
    html = _markdown_html("Entropy $e_j < 1$ and\n\n$$w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}$$\n\n"
                          "`$not math$` stays code.")
    out = _hook("mathml").render(html)
    assert "arithmatex" not in out
    assert out.count("<math") == 2 and 'display="block"' in out and "<mfrac>" in out
    assert "<mo>&#x0003C;</mo>" in out  # the escaped "<" reached the converter as "<"
    assert "<code>$not math$</code>" in out  # code untouched


def test_math_hook_fails_on_a_formula_it_cannot_render(monkeypatch):
    pytest.importorskip("latex2mathml")
    mod = _hook("mathml")
    import latex2mathml.converter as conv

    def boom(*a, **k):
        raise RuntimeError("bad")

    monkeypatch.setattr(conv, "convert", boom)
    with pytest.raises(ValueError, match="cannot render the formula"):
        mod.render('<span class="arithmatex">\\(x\\)</span>')


@pytest.mark.parametrize("page", ["methods.md", "weights.md", "uncertainty.md"])
def test_formula_pages_render_every_formula(page):
    pytest.importorskip("latex2mathml")
    text = (DOCS / page).read_text()
    assert "$" in text
    out = _hook("mathml").render(_markdown_html(text))
    assert "arithmatex" not in out and out.count("<math") >= 5
    # no formula left as code: code spans hold no summation, product, root or set sign
    code = re.findall(r"<code>(.*?)</code>", out, flags=re.S)
    assert not [c for c in code if re.search(r"[ΣΠ√∝‖]", c)], page


def test_mkdocs_config_uses_the_hooks_and_no_cdn():
    cfg = (ROOT / "mkdocs.yml").read_text()
    assert "docs/_hooks/mathml.py" in cfg and "generic: true" in cfg
    assert "extra_javascript" not in cfg and "mathjax" not in cfg.lower()
    toml = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^docs = .*latex2mathml", toml, flags=re.M)


# ----------------------------------------------------------------------------- CLI reference
def test_cli_reference_renders_every_command():
    from aiindex.cli import COMMANDS

    md = _hook("cli_reference").cli_reference()
    for name in COMMANDS:
        assert f"## `aiindex {name}`" in md
        assert f"usage: aiindex {name}" in md
    assert md.count("usage: aiindex") == len(COMMANDS) + 1  # and the top-level help
    assert "--set KEY=VALUE" in md and "--quiet" in md
    assert "<!-- cli-reference -->" in (DOCS / "reference" / "cli.md").read_text()


# ----------------------------------------------------------------------------- pages
def test_changelog_page_includes_the_changelog():
    assert (DOCS / "changelog.md").read_text().strip() == '--8<-- "CHANGELOG.md"'
    text = (ROOT / "CHANGELOG.md").read_text()
    for topic in ("Layered package", "Hostile and broken input", "Calibration",
                  "default index", "uncertainty engine", "COINr", "Outputs", "cagr_pct"):
        assert topic.lower() in text.lower(), topic


def test_data_model_page_covers_the_formats():
    text = (DOCS / "data-model.md").read_text()
    for needle in ("children:", "Level,iCode,iName", "level 1 is the metrics", "overrides",
                   "explicit:", "optimize:", "rescale:", "extends:", "`minmax` onto 0–100"):
        assert needle in text, needle
    nav = (ROOT / "mkdocs.yml").read_text()
    assert "data-model.md" in nav and "changelog.md" in nav


def test_tier_breaks_statement_matches_the_code():
    """With rules, TierResult.breaks are the lowest scores of the refined tiers, not the band
    edges (docs/tiers.md says so)."""
    import pandas as pd

    from aiindex.tiers import refine_tiers, tiers_1d

    s = pd.Series([90.0, 80.0, 62.0, 40.0, 30.0], index=list("ABCDE"))
    base = tiers_1d(s, "thresholds", breaks=[70, 50])
    assert base.breaks[:2] == [70.0, 50.0]  # band edges for thresholds
    # D (40, tier 3) is first on both dimensions: the rule moves it up to tier 2
    dims = pd.DataFrame({"d1": [2, 3, 4, 1, 5], "d2": [2, 3, 4, 1, 5]}, index=list("ABCDE"))
    ref = refine_tiers(base.tiers, s, dims,
                       [{"type": "dimension_ranks", "top": 1, "min_count": 2, "tier": 2}])
    assert ref.tiers["D"] == 2
    assert ref.breaks == [80.0, 40.0, 30.0]  # lowest observed scores, not the edges 70, 50
    text = (DOCS / "tiers.md").read_text()
    assert "**with `rules`**" in text and "after the\n  moves" in text
