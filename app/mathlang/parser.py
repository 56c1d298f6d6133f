"""Reading text of the expression language into our AST (DESIGN §3).

The grammar (``grammar.lark``) is LALR(1) and is loaded once. Lark calls our
:class:`_Build` callbacks as it reduces each rule, so the tree is built bottom-up while
parsing, with no recursive walk anywhere: input nested thousands of levels deep can
never exhaust the Python stack. Before Lark sees the text we check its length, reject
control characters and bound the bracket nesting; after parsing we bound the tree's size
and height. Every failure is a :class:`MathError` (``syntax`` or ``limit``) whose
``position`` is the 0-based offset of the offending character; no Lark exception escapes.

Spelling choices (each maps to one node, see :mod:`app.mathlang.ast`):

- ``A^T``, ``A'``, ``A.T``, ``Aᵀ`` and ``transpose(A)`` are :class:`Transpose`.
- ``2 x``, ``2x``, ``x^T A x`` (juxtaposition) and ``*`` (also ``·``, ``×``) are ``Binary("*")``.
- ``ln`` is ``log``; ``[i==j]`` is ``Call("delta", (i, j))``.
- A sign directly in front of a number literal belongs to the literal: ``A^-1`` is
  ``Binary("^", A, Number(-1))`` and ``-2 x`` is ``Number(-2) * x``; in front of anything
  else it is :class:`Unary` (``-x^2`` is ``-(x^2)``, ``-2^2`` is ``-(2^2)``).
- Parentheses leave no node: a parenthesised expression's ``pos``/``end`` span its
  parentheses.

Edge cases, decided once (the grammar's header has the precedence table):

- ``a -b`` is a subtraction (a juxtaposed factor never starts with a sign); ``a * -b``
  and ``a (-b)`` are products.
- ``x'y`` is ``x^T y``; ``A''`` is ``(A^T)^T``; ``A^T^2`` is ``(A^T)^2``.
- ``2^-1`` is ``2^(-1)``; ``2^3^2`` is ``2^(3^2)``; ``e^2x`` is ``(e^2) x``;
  ``e^-x^2`` is ``e^(-(x^2))``; ``A^-1^T`` is ``(A^-1)^T``.
- ``^T`` followed by a letter or digit is a power: ``x^Tau``; ``x^(T)`` raises to a
  variable named T.
- ``x[k]`` indexes x; ``x [1, 2]`` (with a space) multiplies x by a vector literal.
- ``ones`` alone is a :class:`Name` (sized by context), and only ``ones(`` without a
  space is a call; every other built-in needs its parentheses (``sin x`` is an error).
- ``[[1, 2]]`` is a 1x2 :class:`Matrix`, ``[1, 2]`` a :class:`Vector` (a column).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import replace
from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedInput

from app.mathlang.ast import (
    Binary,
    BinaryOp,
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
from app.mathlang.errors import MathError
from app.mathlang.limits import MAX_DEPTH, MAX_NODES, MAX_TEXT_LENGTH
from app.mathlang.syntax_errors import BareFunction, describe, token_start

_GRAMMAR = Path(__file__).with_name("grammar.lark")

_OPERATORS: dict[str, BinaryOp] = {
    "PLUS": "+",
    "MINUS": "-",
    "STAR": "*",
    "AT": "@",
    "SLASH": "/",
    "EMUL": ".*",
    "EDIV": "./",
    "CARET": "^",
    "ECARET": ".^",
}


def parse(text: str) -> Node:
    """Parse one expression; raise ``MathError("syntax" | "limit", ...)`` when it cannot be read.

    >>> parse("2 A^T (A x - b)") == parse("2 * transpose(A) * (A x - b)")
    True
    """
    if not isinstance(text, str):
        raise MathError("syntax", "the expression must be text")
    if len(text) > MAX_TEXT_LENGTH:
        raise MathError(
            "limit",
            f"the expression is too long: {len(text)} characters (at most {MAX_TEXT_LENGTH})",
            MAX_TEXT_LENGTH,
        )
    _scan(text)
    if not text.strip():
        raise MathError("syntax", "the expression is empty: type something", 0)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise describe(exc, text, _lark().lex) from None
    except BareFunction as exc:
        raise exc.explained(text) from None
    except LarkError as exc:  # pragma: no cover - every parse failure is an UnexpectedInput
        raise MathError("syntax", "the expression could not be read", None) from exc
    assert isinstance(tree, Node)
    _check_size(tree)
    return tree


_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
"""Unicode categories of control, format, private, unassigned and line-breaking characters."""


def _scan(text: str) -> None:
    """Reject control and invisible format characters, and bracket nesting past the limit.

    Runs before lexing, in one pass, so nesting thousands deep fails here in
    microseconds instead of reaching the parser.
    """
    level = 0
    for position, char in enumerate(text):
        if char in "([":
            level += 1
            if level > MAX_DEPTH:
                raise MathError(
                    "limit",
                    f"the brackets are nested too deeply (more than {MAX_DEPTH} levels)",
                    position,
                )
        elif char in ")]":
            level = max(level - 1, 0)
        elif char in "\t\n\r":
            continue
        elif char < " " or "\x7f" <= char < "\xa0":
            raise MathError(
                "syntax", f"the control character U+{ord(char):04X} is not allowed", position
            )
        elif char > "\x7f" and unicodedata.category(char) in _INVISIBLE:
            raise MathError(
                "syntax", f"the invisible character U+{ord(char):04X} is not allowed", position
            )


def _check_size(tree: Node) -> None:
    """Bound the node count and the height, iteratively (the tree may be thousands deep)."""
    count = 0
    stack: list[tuple[Node, int]] = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        count += 1
        if level > MAX_DEPTH:
            raise MathError(
                "limit",
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels); "
                "a long chain of + or - counts one level per term",
                node.pos,
            )
        if count > MAX_NODES:
            raise MathError(
                "limit", f"the expression is too large (more than {MAX_NODES} parts)", node.pos
            )
        stack.extend((child, level + 1) for child in node.children())


@cache
def _lark() -> Lark:
    return Lark(
        _GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        transformer=_Build(),
        maybe_placeholders=False,
    )


class _Build(Transformer[Token, Node]):
    """Callbacks run by the LALR parser at each reduction; each returns an AST node.

    Stateless, so one instance serves concurrent parses.
    """

    def number(self, children: list[Token]) -> Node:
        (token,) = children
        value = float(token)
        if not math.isfinite(value):
            raise MathError(
                "limit",
                f"the number {_clip(token)} is too large (the largest is about 1.8e308)",
                _at(token),
            )
        return Number(value, str(token), pos=_at(token), end=_past(token))

    def name(self, children: list[Token]) -> Node:
        (token,) = children
        return Name(str(token), pos=_at(token), end=_past(token))

    def group(self, children: list[Token | Node]) -> Node:
        left, inner, right = children
        assert isinstance(left, Token) and isinstance(right, Token) and isinstance(inner, Node)
        return replace(inner, pos=_at(left), end=_past(right))

    def bare_function(self, children: list[Token]) -> Node:
        (token,) = children
        raise BareFunction(str(token), _at(token))

    def call(self, children: list[Token | Node | list[Node]]) -> Node:
        callee, _, arguments, right = children
        assert isinstance(callee, Token) and isinstance(right, Token)
        assert isinstance(arguments, list)
        func = "log" if str(callee) == "ln" else str(callee)
        span: dict[str, int] = {"pos": _at(callee), "end": _past(right)}
        if func == "transpose":
            if len(arguments) != 1:
                raise MathError(
                    "syntax",
                    f"transpose takes one argument, not {len(arguments)}",
                    _at(callee),
                )
            return Transpose(arguments[0], **span)
        return Call(func, tuple(arguments), **span)

    def group_index(self, children: list[Token | Node | list[Node]]) -> Node:
        left, inner, close, _, indices, right = children
        assert isinstance(left, Token) and isinstance(close, Token) and isinstance(right, Token)
        assert isinstance(inner, Node) and isinstance(indices, list)
        base = self.group([left, inner, close])
        _check_indices(indices, "a parenthesised expression")
        return Index(base, tuple(indices), pos=_at(left), end=_past(right))

    def call_index(self, children: list[Token | Node | list[Node]]) -> Node:
        callee, open_, arguments, close, _, indices, right = children
        assert isinstance(right, Token) and isinstance(indices, list)
        base = self.call([callee, open_, arguments, close])
        _check_indices(indices, f"{callee}(…)")
        return Index(base, tuple(indices), pos=base.pos, end=_past(right))

    def index(self, children: list[Token | list[Node]]) -> Node:
        base, _, indices, right = children
        assert isinstance(base, Token) and isinstance(right, Token)
        assert isinstance(indices, list)
        _check_indices(indices, str(base))
        name = Name(str(base), pos=_at(base), end=_past(base))
        return Index(name, tuple(indices), pos=_at(base), end=_past(right))

    def literal(self, children: list[Token | list[Node]]) -> Node:
        left, items, right = children
        assert isinstance(left, Token) and isinstance(right, Token) and isinstance(items, list)
        span: dict[str, int] = {"pos": _at(left), "end": _past(right)}
        if not all(isinstance(item, Vector) for item in items):
            return Vector(tuple(items), **span)
        rows = tuple(item.items for item in items if isinstance(item, Vector))
        for item, row in zip(items, rows, strict=True):
            if len(row) != len(rows[0]):
                raise MathError(
                    "syntax",
                    f"every row of a matrix needs the same number of entries: the first row "
                    f"has {len(rows[0])}, this one has {len(row)}",
                    item.pos,
                )
        return Matrix(rows, **span)

    def bracket_delta(self, children: list[Token | Node]) -> Node:
        left, first, _, second, right = children
        assert isinstance(left, Token) and isinstance(right, Token)
        assert isinstance(first, Node) and isinstance(second, Node)
        return Call("delta", (first, second), pos=_at(left), end=_past(right))

    def arguments(self, children: list[Token | Node | list[Node]]) -> list[Node]:
        if len(children) == 1:
            (first,) = children
            assert isinstance(first, Node)
            return [first]
        before, _, last = children
        assert isinstance(before, list) and isinstance(last, Node)
        before.append(last)
        return before

    def transpose(self, children: list[Token | Node]) -> Node:
        operand, token = children
        assert isinstance(operand, Node) and isinstance(token, Token)
        return Transpose(operand, pos=operand.pos, end=_past(token))

    def juxt(self, children: list[Node]) -> Node:
        left, right = children
        return Binary("*", left, right, pos=left.pos, end=right.end)

    def neg(self, children: list[Token | Node]) -> Node:
        return _signed("-", children)

    def pos(self, children: list[Token | Node]) -> Node:
        return _signed("+", children)

    def binary(self, children: list[Token | Node]) -> Node:
        left, operator, right = children
        assert isinstance(left, Node) and isinstance(operator, Token) and isinstance(right, Node)
        return Binary(_OPERATORS[operator.type], left, right, pos=left.pos, end=right.end)


def _signed(op: str, children: list[Token | Node]) -> Node:
    token, operand = children
    assert isinstance(token, Token) and isinstance(operand, Node)
    span: dict[str, int] = {"pos": _at(token), "end": operand.end}
    if isinstance(operand, Number):
        if op == "+":
            return Number(operand.value, operand.text, **span)
        text = operand.text[1:] if operand.text.startswith("-") else "-" + operand.text
        return Number(-operand.value, text, **span)
    return Unary("-" if op == "-" else "+", operand, **span)


_at = token_start  # short name for the many span computations below


def _past(token: Token) -> int:
    return token.end_pos or 0


def _clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_indices(indices: list[Node], base: str) -> None:
    """Each index is an index name or a whole position from 1."""
    for item in indices:
        whole = isinstance(item, Number) and item.value >= 1 and item.value.is_integer()
        if not (isinstance(item, Name) or whole):
            raise MathError(
                "syntax",
                f"an index of {base} must be an index name such as i, or a whole number "
                "from 1 (indices count from 1)",
                item.pos,
            )
