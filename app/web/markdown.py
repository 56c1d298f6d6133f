"""Instructor Markdown to safe HTML, with the LaTeX left for KaTeX to render in the browser.

Exercise prompts are written by instructors (possibly in the browser), so the HTML that
markdown-it produces is sanitised with nh3 before it reaches a page. Math spans
(``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``) are lifted out first, because Markdown
would read ``*`` and ``_`` inside them as emphasis; they go back in HTML-escaped, with their
delimiters, for KaTeX's auto-render (which runs with ``trust: false``).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$",
    re.DOTALL,
)
_TOKEN = "JTUTORMATH{}X"
_TOKEN_RE = re.compile(r"JTUTORMATH(\d+)X")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "a", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "br", "hr", "span",
}  # fmt: skip


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for ``text``; math spans kept verbatim (escaped) for KaTeX."""
    if not text:
        return Markup("")
    spans: list[str] = []

    def lift(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return _TOKEN.format(len(spans) - 1)

    html = _md.render(_MATH.sub(lift, text))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    restored = _TOKEN_RE.sub(
        lambda m: str(escape(spans[int(m.group(1))])) if int(m.group(1)) < len(spans) else "",
        clean,
    )
    return Markup(restored)
