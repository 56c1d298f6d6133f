"""Server-rendered math: every formula of a page as MathML, so it reads without JavaScript.

Pages write LaTeX in two ways: between delimiters in text (``\\(...\\)``, ``\\[...\\]``,
``$...$``, ``$$...$$``; lessons, prompts, steps) and as ``data-latex`` on an element whose
text is a plain-text stand-in (previews, instance values). :func:`mathml_page` rewrites a
rendered page so both become ``<span class="math" data-latex="...">`` holding MathML, which
browsers draw natively and screen readers speak. Where JavaScript runs, KaTeX then renders
the same ``data-latex`` over it (KaTeX's output carries MathML of its own for readers).

Text inside ``code``, ``pre``, ``script``, ``style``, ``textarea``, ``svg`` and ``math``, and
inside an element of class ``no-math``, is left alone, as KaTeX's auto-render does.
Conversions are cached: the same lesson formulas are converted once per process.
"""

from __future__ import annotations

import html
import logging
import re
from functools import lru_cache

import nh3
from latex2mathml.converter import convert

log = logging.getLogger("jtutor.web")

# A tag (attribute values are escaped by Jinja2, so ``>`` never occurs inside one) or text.
_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
_LATEX_ATTR = re.compile(r'\sdata-latex="([^"]*)"')
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
_DELIMITED = re.compile(
    r"\$\$(?P<dd>.+?)\$\$|\\\[(?P<bd>.+?)\\\]|\\\((?P<pi>.+?)\\\)"
    r"|(?<![\\$\w])\$(?!\s)(?P<di>[^$\n]+?)(?<![\s\\])\$",
    re.DOTALL,
)
_SKIP = frozenset({"code", "pre", "script", "style", "textarea", "svg", "math", "title", "kbd"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# Spacing and sizing commands MathML has no use for (latex2mathml does not know them all).
_DROP = re.compile(
    r"\\(?:displaystyle|textstyle|Bigl|Bigr|bigl|bigr|biggl|biggr|Big|big)(?![a-zA-Z])"
)


# What the converter's output may keep: instructor LaTeX such as ``\text{<img ...>}`` or
# ``\href{javascript:...}`` comes out as raw markup, so the MathML is sanitised like any HTML.
MATHML_TAGS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mo",
        "mn",
        "ms",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mtext",
        "mspace",
        "mtable",
        "mtr",
        "mtd",
        "mover",
        "munder",
        "munderover",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "semantics",
        "merror",
    ]
)
MATHML_ATTRIBUTES = frozenset(
    [
        "xmlns",
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "form",
        "separator",
        "lspace",
        "rspace",
        "width",
        "height",
        "depth",
        "columnalign",
        "rowspacing",
        "columnspacing",
        "columnlines",
        "rowlines",
        "frame",
        "displaystyle",
        "scriptlevel",
        "accent",
        "accentunder",
        "linethickness",
        "movablelimits",
        "notation",
        "minsize",
        "maxsize",
        "largeop",
        "symmetric",
    ]
)


@lru_cache(maxsize=8192)
def latex_to_mathml(latex: str, display: bool = False) -> str | None:
    """Sanitised MathML for ``latex``, or None when the converter cannot read it."""
    try:
        raw = str(convert(_DROP.sub("", latex), display="block" if display else "inline"))
    except Exception:  # an unknown command: the page shows the LaTeX source instead
        log.info("no MathML for %r", latex, exc_info=True)
        return None
    return nh3.clean(
        raw,
        tags=set(MATHML_TAGS),
        attributes={"*": set(MATHML_ATTRIBUTES)},
        clean_content_tags=set(),
        strip_comments=True,
    )


def math_element(latex: str, *, display: bool = False, tag: str = "span") -> str:
    """``<span class="math" data-latex=...>`` with the MathML (or the source) inside."""
    mathml = latex_to_mathml(latex.strip(), display)
    inner = mathml if mathml is not None else f'<code class="latex">{html.escape(latex)}</code>'
    kind = "math display" if display else "math"
    return f'<{tag} class="{kind}" data-latex="{html.escape(latex.strip())}">{inner}</{tag}>'


def _text_with_math(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        for group, display in (("dd", True), ("bd", True), ("pi", False), ("di", False)):
            source = match.group(group)
            if source is not None:
                return math_element(html.unescape(source), display=display)
        return match.group(0)  # pragma: no cover - one group always matches

    return _DELIMITED.sub(replace, text)


def mathml_page(page: str) -> str:
    """``page`` with every formula rendered to MathML (see the module docstring)."""
    if "\\(" not in page and "\\[" not in page and "$" not in page and "data-latex" not in page:
        return page
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open elements: (name, text inside is left alone)
    replacing: str | None = None  # inside a data-latex element whose stand-in text is dropped
    depth_at_replace = 0
    for match in _TOKEN.finditer(page):
        token = match.group(0)
        if not token.startswith("<") or token.startswith("<!"):
            if replacing is not None:
                continue
            skipping = bool(stack) and stack[-1][1]
            out.append(token if skipping or token.startswith("<!") else _text_with_math(token))
            continue
        tag = _TAG.match(token)
        if tag is None:
            out.append(token if replacing is None else "")
            continue
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if closing:
            while stack:
                opened, _ = stack.pop()
                if opened == name:
                    break
            if replacing is not None and len(stack) < depth_at_replace:
                replacing = None
            if replacing is None:
                out.append(token)
            continue
        if replacing is not None:
            continue
        self_closing = name in _VOID or token.endswith("/>")
        classes = _CLASS_ATTR.search(token)
        skip = (
            (bool(stack) and stack[-1][1])
            or name in _SKIP
            or (classes is not None and "no-math" in classes.group(1).split())
        )
        latex = _LATEX_ATTR.search(token)
        if latex is not None and not self_closing and not skip:
            source = html.unescape(latex.group(1))
            display = classes is not None and "display" in classes.group(1).split()
            mathml = latex_to_mathml(source.strip(), display)
            out.append(token)
            if mathml is not None:
                out.append(mathml)
                stack.append((name, True))
                replacing, depth_at_replace = name, len(stack)
            else:
                stack.append((name, True))
            continue
        out.append(token)
        if not self_closing:
            stack.append((name, skip))
    return "".join(out)
