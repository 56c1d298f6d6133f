"""LaTeX for the pieces of a derivation that are not expressions of the language.

Expressions go through :func:`app.mathlang.to_latex`; the component view's explicit
sums (``y_i = Σ_k W_{i,k} x_k``) and the ∂-fractions of the step headings are written
here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app import mathlang
from app.calculus.derivation.components import Term
from app.mathlang.ast import Node


def sym(name: str) -> str:
    """A variable or intermediate name as LaTeX: ``u3`` -> ``u_{3}``, ``W`` -> ``W``."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if len(name) > 1:
        return rf"\mathit{{{name}}}"
    return name


def entry(name: str, indices: Sequence[str]) -> str:
    return f"{sym(name)}_{{{','.join(indices)}}}" if indices else sym(name)


def partial(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


def _coef(value: float) -> str:
    text = f"{value:g}"
    return text


def terms(items: Sequence[Term]) -> str:
    """``Σ_k W_{i,k} x_k + b_i`` from terms."""
    if not items:
        return "0"
    out: list[str] = []
    for n, t in enumerate(items):
        coef = t.coef
        sign = "-" if coef < 0 else "+"
        magnitude = abs(coef)
        body = "".join(rf"\sum_{{{s}}} " for s in t.summed)
        pieces = [rf"\delta_{{{p},{q}}}" for p, q in t.deltas]
        pieces += [entry(f.var, f.indices) for f in t.factors]
        if magnitude != 1.0 or not pieces:
            pieces.insert(0, _coef(magnitude))
        body += " ".join(pieces)
        if n == 0:
            out.append(("-" if sign == "-" else "") + body)
        else:
            out.append(f" {sign} {body}")
    return "".join(out)


def expression(node: Node, replacements: Mapping[str, str] | None = None) -> str:
    """``to_latex`` with placeholder names (gradients ``gu3``) shown as what they stand for."""
    text = mathlang.to_latex(node)
    for placeholder, shown in (replacements or {}).items():
        text = text.replace(rf"\mathit{{{placeholder}}}", shown)
    return text


def aligned(lines: Sequence[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return r"\begin{aligned}" + r" \\ ".join("&" + line for line in lines) + r"\end{aligned}"
