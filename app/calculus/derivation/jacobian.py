"""Jacobians as the chain-rule view keeps them: zero, identity, diagonal or full.

Parr & Howard (§4.2–4.5) keep track of which Jacobians are diagonal because that is
what makes the products of the vector chain rule collapse: ``diag(a) diag(b) =
diag(a ⊙ b)``, ``diag(a) v = a ⊙ v``, ``1^T diag(x) = x^T``, ``I J = J``. Holding the
kind next to the tree lets :func:`compose` and :func:`plus` apply those identities
instead of printing ``I diag(1) W``.

A Jacobian is in numerator layout: ``rows`` = number of entries of the output,
``cols`` = number of entries of the input; row vectors count as vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.calculus.derivation import algebra as al
from app.mathlang.ast import Binary, Call, Node, Number, Unary

Kind = Literal["zero", "eye", "scaled", "diag", "full"]


@dataclass(frozen=True)
class Jac:
    kind: Kind
    rows: int
    cols: int
    expr: Node | None = None
    """For ``diag``: the column vector on the diagonal; for ``scaled``: the scalar c of
    ``c I``; for ``full``: the matrix itself."""

    def to_ast(self) -> Node:
        if self.kind == "zero":
            return al.zeros(self.rows, self.cols)
        if self.kind == "eye":
            return al.eye(self.rows)
        assert self.expr is not None
        if self.kind == "diag":
            return al.diag(self.expr)
        if self.kind == "scaled":
            return al.mul(self.expr, al.eye(self.rows))
        return self.expr

    @property
    def is_zero(self) -> bool:
        return self.kind == "zero"


def zero(rows: int, cols: int) -> Jac:
    return Jac("zero", rows, cols)


def identity(n: int) -> Jac:
    return full(al.num(1), 1, 1) if n == 1 else Jac("eye", n, n)


def diagonal(v: Node, n: int) -> Jac:
    """``diag(v)`` for a column vector ``v`` of ``n`` entries (a plain scalar when n = 1)."""
    if n == 1:
        return full(v, 1, 1)
    if al.is_call(v, "ones"):
        return Jac("eye", n, n)
    return Jac("diag", n, n, v)


def scaled(c: Node, n: int) -> Jac:
    """``c I``: what a scalar factor contributes (Parr & Howard §4.3)."""
    if n == 1:
        return full(c, 1, 1)
    if al.is_number(c, 1.0):
        return Jac("eye", n, n)
    return Jac("scaled", n, n, c)


def full(expr: Node, rows: int, cols: int) -> Jac:
    if al.is_number(expr, 0.0):
        return zero(rows, cols)
    return Jac("full", rows, cols, expr)


def _is_ones_row(node: Node) -> bool:
    """``ones(n)^T`` or ``ones(1, n)``: the row that sums (Parr & Howard §4.4)."""
    if isinstance(node, Call) and node.func == "ones" and len(node.args) == 2:
        return al.is_number(node.args[0], 1.0)
    return False


def _ones_row_scale(node: Node) -> Node | None:
    """The factor c when ``node`` is ``c 1^T`` (a scaled row of ones), else None."""
    if _is_ones_row(node):
        return al.num(1)
    if isinstance(node, Binary) and node.op == "/" and _is_ones_row(node.left):
        return al.div(al.num(1), node.right)
    if (
        isinstance(node, Binary)
        and node.op == "*"
        and isinstance(node.left, Number)
        and _is_ones_row(node.right)
    ):
        return node.left
    return None


def _split_diag(node: Node) -> tuple[Node, Node] | None:
    """``diag(v) R`` -> (v, R); ``-(diag(v) R)`` -> (-v, R)."""
    if isinstance(node, Unary) and node.op == "-":
        inner = _split_diag(node.operand)
        return None if inner is None else (al.neg(inner[0]), inner[1])
    if isinstance(node, Binary) and node.op == "*" and al.is_call(node.left, "diag"):
        return node.left.args[0], node.right  # type: ignore[attr-defined]
    return None


def compose(a: Jac, b: Jac) -> Jac:
    """The vector chain rule's product ``a b`` (Parr & Howard §4.5.3)."""
    rows, cols = a.rows, b.cols
    if a.is_zero or b.is_zero:
        return zero(rows, cols)
    if a.kind == "eye":
        return b
    if b.kind == "eye":
        return a
    if a.kind == "scaled":
        assert a.expr is not None
        return scale(a.expr, b)
    if b.kind == "scaled":
        assert b.expr is not None
        return scale(b.expr, a)
    if a.kind == "diag" and b.kind == "diag":
        assert a.expr is not None and b.expr is not None
        return diagonal(al.hadamard(a.expr, b.expr), rows)
    if a.kind == "diag" and b.kind == "full" and cols == 1:
        assert a.expr is not None and b.expr is not None
        return full(al.hadamard(a.expr, b.expr), rows, cols)
    if a.kind == "diag" and b.kind == "full":
        assert a.expr is not None and b.expr is not None
        split = _split_diag(b.expr)
        if split is not None:  # diag(a) diag(v) R = diag(a ⊙ v) R
            return full(al.mul(al.diag(al.hadamard(a.expr, split[0])), split[1]), rows, cols)
    if a.kind == "full" and b.kind == "diag" and rows == 1:
        assert a.expr is not None and b.expr is not None
        c = _ones_row_scale(a.expr)
        if c is not None:  # c 1^T diag(x) = c x^T
            return full(al.mul(c, al.transpose(b.expr)), rows, cols)
        return full(al.transpose(al.hadamard(al.transpose(a.expr), b.expr)), rows, cols)
    if a.kind == "full" and b.kind == "full" and rows == 1:
        assert a.expr is not None and b.expr is not None
        c = _ones_row_scale(a.expr)
        split = _split_diag(b.expr)
        if c is not None and split is not None:  # c 1^T diag(v) R = c v^T R
            return full(al.mul(al.mul(c, al.transpose(split[0])), split[1]), rows, cols)
    return full(al.mul(a.to_ast(), b.to_ast()), rows, cols)


def _identity_factor(a: Jac) -> Node | None:
    if a.kind == "eye":
        return al.num(1)
    if a.kind == "scaled":
        return a.expr
    return None


def plus(a: Jac, b: Jac) -> Jac:
    if a.is_zero:
        return b
    if b.is_zero:
        return a
    ca, cb = _identity_factor(a), _identity_factor(b)
    if ca is not None and cb is not None:  # c I + d I = (c + d) I
        return scaled(al.add(ca, cb), a.rows)
    if a.kind == "diag" and b.kind == "diag":
        assert a.expr is not None and b.expr is not None
        return diagonal(al.add(a.expr, b.expr), a.rows)
    return full(al.add(a.to_ast(), b.to_ast()), a.rows, a.cols)


def negate(a: Jac) -> Jac:
    if a.is_zero:
        return a
    if a.kind == "eye":
        return scaled(al.num(-1), a.rows)
    assert a.expr is not None
    return Jac(a.kind, a.rows, a.cols, al.neg(a.expr))


def scale(c: Node, a: Jac) -> Jac:
    """A scalar ``c`` times a Jacobian."""
    if a.is_zero or al.is_number(c, 0.0):
        return zero(a.rows, a.cols)
    if al.is_number(c, 1.0):
        return a
    if a.kind == "eye":
        return scaled(c, a.rows)
    if a.kind in ("diag", "scaled"):
        assert a.expr is not None
        return Jac(a.kind, a.rows, a.cols, al.mul(c, a.expr))
    return full(al.mul(c, a.to_ast()), a.rows, a.cols)


def transposed(a: Jac) -> Jac:
    if a.kind in ("zero", "eye", "scaled", "diag"):
        return Jac(a.kind, a.cols, a.rows, a.expr)
    assert a.expr is not None
    return full(al.transpose(a.expr), a.cols, a.rows)
