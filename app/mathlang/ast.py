"""The abstract syntax tree of the expression language.

Every node is a frozen dataclass. ``pos`` is the 0-based character offset of the node's
first character in the source text and ``end`` the offset just past its last character;
both are left out of equality and hashing so that an expression printed and parsed back
compares equal to the original (the round-trip property the tests rely on).

The tree is deliberately small: every spelling of the same idea maps to one node
(``A^T``, ``A'``, ``A.T`` and ``transpose(A)`` are all :class:`Transpose`; juxtaposition
and ``*`` are both ``Binary("*")``; ``[i==j]`` is ``Call("delta", (i, j))``), so the
shape checker, the evaluator, the LaTeX printer and the derivation engine each handle
one case per idea.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

BinaryOp = Literal["+", "-", "*", "@", ".*", "./", "/", "^", ".^"]
"""Binary operators.

``*`` is the mathematical product (juxtaposition or ``*``): scalar scaling when either
side is 1x1, otherwise the matrix product. ``@`` is always the matrix product.
``.*`` and ``./`` (also typed ``⊙`` and ``⊘``) are element-wise. ``/`` divides by a
scalar, or element-wise between equal shapes. ``^`` is a scalar power, or a matrix power
of a square matrix (integer exponent). ``.^`` is an element-wise power.
"""

UnaryOp = Literal["-", "+"]


@dataclass(frozen=True)
class Node:
    """Base class of all expression nodes."""

    pos: int = field(default=0, compare=False, kw_only=True)
    end: int = field(default=0, compare=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True)
class Number(Node):
    """A float64 literal; ``text`` keeps the spelling for display (``1e-3``)."""

    value: float
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class Name(Node):
    """A variable, an index name (in index form), or a context-sized constant.

    The context-sized constants are ``I`` (identity) and bare ``ones`` (all-ones);
    their size is inferred by the shape checker from where they stand.
    """

    name: str


@dataclass(frozen=True)
class Unary(Node):
    op: UnaryOp
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Node):
    op: BinaryOp
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class Transpose(Node):
    """``A^T``, ``A'``, ``A.T`` or ``transpose(A)``."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Call(Node):
    """A call of a built-in function: ``sin(x)``, ``kron(A, B)``, ``ones(3, 4)``,
    ``delta(i, j)`` (also written ``[i==j]``).

    ``inv(A)`` is a Call; ``A^-1`` stays ``Binary("^", A, Number(-1))``.
    """

    func: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True)
class Vector(Node):
    """``[a, b, c]``: a column vector whose entries are scalar expressions."""

    items: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True)
class Matrix(Node):
    """``[[a, b], [c, d]]``: a matrix given row by row; entries are scalar expressions."""

    rows: tuple[tuple[Node, ...], ...]

    def children(self) -> tuple[Node, ...]:
        return tuple(item for row in self.rows for item in row)


@dataclass(frozen=True)
class Index(Node):
    """``x[k]``, ``W[i, k]``, ``(W x + b)[i]``: one entry of a variable or of a
    parenthesised expression or call, in index form (1-based).

    Each index is a :class:`Name` (an index variable such as ``i``) or a :class:`Number`
    (a fixed 1-based position).
    """

    base: Node
    indices: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return (self.base, *self.indices)


def walk(node: Node) -> Iterator[Node]:
    """Yield every node of the tree, parents before children, without recursion.

    Iterative on purpose: trees close to the depth limit must not exhaust the Python
    stack in any consumer.
    """
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))


def count_nodes(node: Node) -> int:
    return sum(1 for _ in walk(node))


def depth(node: Node) -> int:
    """Height of the tree (a leaf has depth 1), computed without recursion."""
    best = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in current.children())
    return best
