"""Printing an AST back to text of the expression language, with as few parentheses as
the grammar allows, so that ``parse(to_text(tree)) == tree`` (DESIGN §3).

The printer shows a learner how their answer was read ("read as: 2 A^T (A x - b)") and
writes expressions the derivation engine builds (DESIGN §6, ``result.expression``). It
follows the precedence of ``grammar.lark``: sum < product < unary < power < postfix <
atom. Each node is printed with its level, and a child is parenthesised when its level
is below what its place in the parent requires. The walk is iterative, so trees of any
depth print without touching the Python stack.

Canonical spellings: ``*`` prints as juxtaposition (``2 x``, ``A^T x``) unless the right
factor starts with a digit or a sign (``2 * 3``, ``x * -y``); transposes print as ``^T``;
element-wise operators print in ASCII (``.*``, ``./``). A negative number literal prints
with its sign (``-2 x``, ``A^-1``) and is parenthesised where a sign may not stand
(``(-2)^x``).

Two trees have no text of their own, because the parser never builds them: a
:class:`Unary` applied directly to a :class:`Number` (the parser folds the sign into the
literal) and a :class:`Vector` whose items are all vector literals (that text reads as a
:class:`Matrix`).
"""

from __future__ import annotations

import math
import re

from app.mathlang.ast import (
    Binary,
    Call,
    Index,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
)

SUM, PRODUCT, UNARY, POWER, POSTFIX, ATOM = range(6)
"""Grammar levels, loosest first (``grammar.lark``: sum, product, unary, raised, postfix, atom)."""

Printed = tuple[str, int, bool]
"""Text, level, and whether it may stand as an exponent without parentheses (an atom, a
signed exponent or ``atom^exponent``: the exponent rule of the grammar)."""

_TRANSPOSE_AHEAD = re.compile(r"T(?![A-Za-z0-9_])")
_SHOWN = {"*": " ", "@": " @ ", "/": " / ", ".*": " .* ", "./": " ./ ", "+": " + ", "-": " - "}


def to_text(node: Node) -> str:
    """The text of ``node`` in the expression language.

    >>> from app.mathlang.parser import parse
    >>> to_text(parse("((2*x)) + -(y^T)"))
    '2 x + -y^T'
    """
    done: list[Printed] = []
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        children = _parts(current)
        if not expanded and children:
            stack.append((current, True))
            stack.extend((child, False) for child in reversed(children))
            continue
        printed = done[len(done) - len(children) :]
        del done[len(done) - len(children) :]
        done.append(_compose(current, printed))
    ((text, _, _),) = done
    return text


def _parts(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Index):
        return node.indices
    return node.children()


def _listed(parts: list[Printed]) -> str:
    return ", ".join(text for text, _, _ in parts)


def _compose(node: Node, parts: list[Printed]) -> Printed:
    """Print one node from its already printed children."""
    if isinstance(node, Number):
        return _number(node.value, node.text)
    if isinstance(node, Name):
        return node.name, ATOM, True
    if isinstance(node, Index):
        if isinstance(node.base, Name):
            return f"{node.base.name}[{_listed(parts)}]", ATOM, True
        base = to_text(node.base)
        base = base if isinstance(node.base, Call) else f"({base})"
        return f"{base}[{_listed(parts)}]", ATOM, True
    if isinstance(node, Call):
        return f"{node.func}({_listed(parts)})", ATOM, True
    if isinstance(node, Vector):
        return f"[{_listed(parts)}]", ATOM, True
    if isinstance(node, Matrix):
        rows, start = [], 0
        for row in node.rows:
            rows.append(f"[{_listed(parts[start : start + len(row)])}]")
            start += len(row)
        return f"[{', '.join(rows)}]", ATOM, True
    if isinstance(node, Transpose):
        # A transpose applies to an operand or to a whole power (x^2^T is (x^2)^T).
        operand = _wrap(parts[0], POWER)
        return operand[0] + "^T", min(operand[1], POSTFIX), False
    if isinstance(node, Unary):
        text, _, exponent_ok = _wrap(parts[0], UNARY)
        return node.op + (" " if text[0] in "+-" else "") + text, UNARY, exponent_ok
    if isinstance(node, Binary):
        return _binary(node.op, parts[0], parts[1])
    raise TypeError(f"to_text cannot print {type(node).__name__}")


def _binary(op: str, left: Printed, right: Printed) -> Printed:
    if op in ("^", ".^"):
        base = _wrap(left, POSTFIX)
        exponent = right[0] if right[2] else f"({right[0]})"
        if op == "^" and _TRANSPOSE_AHEAD.match(exponent):
            exponent = f"({exponent})"  # x^(T) is a power; x^T would read as a transpose
        return f"{base[0]}{op}{exponent}", POWER, base[1] == ATOM
    level = SUM if op in ("+", "-") else PRODUCT
    left_text = _wrap(left, level)[0]
    right_text, right_level, _ = _wrap(right, level + 1)
    shown = _SHOWN[op]
    if op == "*" and (right_level < POWER or right_text[0].isdigit() or right_text[0] == "."):
        shown = " * "
    return f"{left_text}{shown}{right_text}", level, False


def _wrap(part: Printed, needed: int) -> Printed:
    text, level, _ = part
    return part if level >= needed else (f"({text})", ATOM, True)


def _number(value: float, text: str) -> Printed:
    """A literal keeps its spelling (``1e-3``) when that spelling still means its value."""
    if not math.isfinite(value):
        raise ValueError(f"to_text cannot print the non-finite number {value!r}")
    spelled = text if _spells(text, value) else _shortest(value)
    return spelled, UNARY if spelled.startswith("-") else ATOM, True


def _spells(text: str, value: float) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    if not body or not (body[0].isdigit() or body[0] == "."):
        return False
    try:
        return float(text) == value and not text.startswith("+")
    except ValueError:
        return False


def _shortest(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value)) if value != 0 or math.copysign(1, value) > 0 else "-0"
    return repr(value)
