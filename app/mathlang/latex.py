"""LaTeX for the live preview ("we read your answer as ..."), built from the tree.

The text a learner typed never reaches the output: names are restricted to letters,
digits and ``_`` (escaped), numbers are re-spelled from their value when their text is
not plain digits, and every command comes from this module, so no ``\\href`` or other
KaTeX command can be smuggled in. Parentheses are added only where precedence needs
them (the grammar's: sum < product < unary < power < transpose), as ``\\left( \\right)``.

Spellings follow the seeds: ``x^{\\top} A x``, ``\\operatorname{diag}(x)``, ``\\odot``
for the Hadamard product (Parr & Howard §4.2), ``\\sigma`` for the logistic function,
``\\mathbf{1}`` for a vector of ones, ``\\delta_{ij}`` in index form (Learned-Miller §3).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from app.mathlang.ast import Binary, Call, Index, Matrix, Name, Node, Number, Transpose, Unary
from app.mathlang.functions import BUILTINS
from app.mathlang.shapes import postorder

SUM, PRODUCT, UNARY, FRACTION, POWER, POSTFIX, ATOM = 1, 2, 3, 4, 5, 6, 7
"""Binding strength of a rendered piece; a fraction binds like a product everywhere but
in a base of a power, where it needs parentheses."""

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi",
    "Psi", "Omega",
}  # fmt: skip
_PLAIN_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_SCIENTIFIC = re.compile(r"^([0-9]+(?:\.[0-9]+)?)[eE]([+-]?)0*([0-9]+)$")
_OPS = {"+": "+", "-": "-", ".*": r"\odot", "./": r"\oslash"}

Piece = tuple[str, int]


def shape_label(shape: Sequence[int]) -> str:
    """A shape as people write it: ``(3, 4)`` -> ``3×4``, a scalar ``(1, 1)`` -> ``1×1``."""
    return "×".join(str(d) for d in shape)


def to_latex(node: Node) -> str:
    """Readable LaTeX of the tree: ``W x + b``, ``x^{\\top} A x``, ``\\sigma\\left(z\\right)``."""
    done: dict[int, Piece] = {}
    for current in postorder(node):
        done[id(current)] = _render(current, [done[id(c)] for c in current.children()])
    return done[id(node)][0]


def _wrap(piece: Piece, needs: bool) -> str:
    return rf"\left({piece[0]}\right)" if needs else piece[0]


def _name(name: str) -> str:
    """Single letters as they are, ``x1`` as ``x_{1}``, Greek names as letters, and longer
    names in ``\\mathit``; only letters, digits and an escaped ``_`` can come out."""
    safe = re.sub(r"[^A-Za-z0-9_]", "", name) or "?"
    if len(safe) == 1:
        return safe
    if safe in _GREEK:
        return "\\" + safe
    letter_digits = re.fullmatch(r"([A-Za-z])([0-9]+)", safe)
    if letter_digits:
        return f"{letter_digits.group(1)}_{{{letter_digits.group(2)}}}"
    return r"\mathit{" + safe.replace("_", r"\_") + "}"


def _number(node: Number) -> Piece:
    value = node.value
    if math.isnan(value):
        return (r"\mathrm{NaN}", ATOM)
    if math.isinf(value):
        return (r"\infty" if value > 0 else r"-\infty", ATOM if value > 0 else UNARY)
    if value < 0:
        positive = _number(Number(-value, text=node.text.lstrip("-")))
        return ("-" + positive[0], UNARY)
    text = node.text
    if _PLAIN_NUMBER.match(text):
        return (text, ATOM)
    scientific = _SCIENTIFIC.match(text)
    if scientific:
        mantissa, sign, exponent = scientific.groups()
        power = f"10^{{{'-' if sign == '-' else ''}{exponent}}}"
        return (power, POWER) if mantissa == "1" else (rf"{mantissa} \times {power}", PRODUCT)
    if value.is_integer() and abs(value) < 1e15:
        return (str(int(value)), ATOM)
    return _number(Number(value, text=repr(value)))


def _signed(piece: Piece, node: Node) -> bool:
    """A right operand that starts with a sign is parenthesised: ``x (-y)``."""
    return isinstance(node, Unary) or piece[0].startswith("-")


def _product(left: Piece, right: Piece, right_node: Node) -> str:
    lhs = _wrap(left, left[1] < PRODUCT)
    rhs = _wrap(right, right[1] <= PRODUCT or _signed(right, right_node))
    joiner = r" \cdot " if rhs[:1].isdigit() else " "
    return lhs + joiner + rhs


def _render(node: Node, kids: list[Piece]) -> Piece:
    if isinstance(node, Number):
        return _number(node)
    if isinstance(node, Name):
        if node.name == "ones":
            return (r"\mathbf{1}", ATOM)
        return (_name(node.name), ATOM)
    if isinstance(node, Unary):
        return (node.op + _wrap(kids[0], kids[0][1] <= UNARY), UNARY)
    if isinstance(node, Transpose):
        return (_wrap(kids[0], kids[0][1] < ATOM) + r"^{\top}", POSTFIX)
    if isinstance(node, Binary):
        return _binary(node, kids[0], kids[1])
    if isinstance(node, Call):
        return _call(node, kids)
    if isinstance(node, Matrix):
        width = len(node.rows[0]) if node.rows else 0
        rows = [
            " & ".join(piece[0] for piece in kids[r * width : (r + 1) * width])
            for r in range(len(node.rows))
        ]
        return (r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}", ATOM)
    if isinstance(node, Index):
        base = kids[0][0]
        # A call written as an operator (kron as ⊗) is bracketed like any expression.
        if not isinstance(node.base, (Name, Call)) or kids[0][1] < ATOM:
            base = r"\left(" + base + r"\right)"
        base = "{" + base + "}" if "_" in base or not isinstance(node.base, Name) else base
        return (f"{base}_{{{','.join(piece[0] for piece in kids[1:])}}}", ATOM)
    # Vector, the remaining node type.
    body = r" \\ ".join(piece[0] for piece in kids)
    return (r"\begin{bmatrix} " + body + r" \end{bmatrix}", ATOM)


def _binary(node: Binary, left: Piece, right: Piece) -> Piece:
    op = node.op
    if op in ("*", "@"):
        return (_product(left, right, node.right), PRODUCT)
    if op == "/":
        return (rf"\frac{{{left[0]}}}{{{right[0]}}}", FRACTION)
    if op in ("^", ".^"):
        circle = r"\circ " if op == ".^" else ""
        return (f"{_wrap(left, left[1] < ATOM)}^{{{circle}{right[0]}}}", POWER)
    level = SUM if op in ("+", "-") else PRODUCT
    lhs = _wrap(left, left[1] < level)
    rhs = _wrap(right, right[1] <= level or _signed(right, node.right))
    return (f"{lhs} {_OPS[op]} {rhs}", level)


def _args(kids: list[Piece]) -> str:
    return r"\left(" + ", ".join(piece[0] for piece in kids) + r"\right)"


def _call(node: Call, kids: list[Piece]) -> Piece:
    func = node.func
    if func == "sqrt" and len(kids) == 1:
        return (rf"\sqrt{{{kids[0][0]}}}", ATOM)
    if func == "abs" and len(kids) == 1:
        return (rf"\left|{kids[0][0]}\right|", ATOM)
    if func == "norm" and len(kids) == 1:
        return (rf"\left\|{kids[0][0]}\right\|", ATOM)
    if func in ("inv", "transpose") and len(kids) == 1:
        mark = "-1" if func == "inv" else r"\top"
        return (f"{_wrap(kids[0], kids[0][1] < ATOM)}^{{{mark}}}", POSTFIX)
    if func == "kron" and len(kids) == 2:
        lhs = _wrap(kids[0], kids[0][1] < PRODUCT)
        rhs = _wrap(kids[1], kids[1][1] <= PRODUCT)
        return (rf"{lhs} \otimes {rhs}", PRODUCT)
    if func in ("ones", "zeros", "eye") and kids:
        symbol = {"ones": r"\mathbf{1}", "zeros": r"\mathbf{0}", "eye": "I"}[func]
        return (symbol + "_{" + r" \times ".join(piece[0] for piece in kids) + "}", ATOM)
    if func == "delta" and len(kids) == 2:
        single = all(isinstance(a, Name) and len(a.name) == 1 for a in node.args)
        joined = "".join(p[0] for p in kids) if single else ",".join(p[0] for p in kids)
        return (rf"\delta_{{{joined}}}", ATOM)
    if func in BUILTINS:
        spelled = BUILTINS[func].latex
    else:
        safe = re.sub(r"[^A-Za-z0-9_]", "", func).replace("_", r"\_")
        spelled = r"\operatorname{" + (safe or "?") + "}"
    return (spelled + _args(kids), ATOM)
