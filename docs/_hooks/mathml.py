"""mkdocs hook: formulas rendered to MathML when the site is built (no JavaScript, no CDN).

Pages write LaTeX between ``$...$`` (inline) or ``$$...$$`` (display);
``pymdownx.arithmatex`` (``generic: true``) finds them, leaving code spans and blocks alone, and
wraps them as ``<span class="arithmatex">\\(...\\)</span>`` and ``<div class="arithmatex">\\[...\\]
</div>``. This hook replaces each wrapper by the MathML that ``latex2mathml`` produces, which
every current browser renders natively. A formula that cannot be converted fails the build.
"""

from __future__ import annotations

import html
import re

_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def to_mathml(latex: str, display: bool) -> str:
    """MathML of one formula (``latex`` as written in the page, HTML-escaped by Markdown)."""
    from latex2mathml.converter import convert

    tex = html.unescape(latex).strip()
    try:
        out = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - any converter failure names the formula
        raise ValueError(f"cannot render the formula {tex!r} as MathML: {exc}") from exc
    return out


def render(content: str) -> str:
    """Replace every arithmatex wrapper of a page's HTML by MathML."""
    content = _BLOCK.sub(lambda m: f'<div class="math">{to_mathml(m.group(1), True)}</div>',
                         content)
    return _INLINE.sub(lambda m: to_mathml(m.group(1), False), content)


def on_page_content(html_text: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs API
    return render(html_text)
