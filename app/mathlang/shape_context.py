"""The state of one shape check and the rules shared by operators and functions.

Kept apart from :mod:`app.mathlang.shapes` so the per-function rules
(:mod:`app.mathlang.call_shapes`) and the operator rules use the same helpers: the matrix
product, element-wise combination with scalar expansion, and the 10^6-entry limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.mathlang.ast import Node
from app.mathlang.dims import Dim, Dims
from app.mathlang.errors import MathError
from app.mathlang.limits import MAX_ENTRIES
from app.mathlang.messages import node_text, shape_text

Shape = tuple[Dim, Dim]


@dataclass
class Ctx:
    dims: Dims
    variables: dict[str, tuple[int, int]]
    indices: dict[str, int] | None
    shapes: dict[int, Shape] = field(default_factory=dict)
    partial: bool = False
    """An index may run over fewer positions than it indexes (it reads the first ones)."""

    def scalar(self) -> Shape:
        return (self.dims.new(1), self.dims.new(1))

    def is_scalar(self, shape: Shape) -> bool:
        return self.dims.is_one(shape[0]) and self.dims.is_one(shape[1])

    def known(self, shape: Shape) -> tuple[int, int] | None:
        rows, cols = self.dims.size(shape[0]), self.dims.size(shape[1])
        return None if rows is None or cols is None else (rows, cols)

    def text(self, shape: Shape) -> str:
        return shape_text([self.dims.size(d) for d in shape])

    def _described(self, node: Node, shape: Shape) -> str:
        """A shape for a message; one whose sizes only context can fix is said so, since
        "?x?" tells a learner nothing (``I`` is square, sized by what is around it)."""
        sizes = [self.dims.size(d) for d in shape]
        if None not in sizes:
            return self.text(shape)
        if getattr(node, "name", None) == "I":
            return "the identity, square, with its size taken from what is around it"
        return "sized by what is around it"

    def of(self, node: Node) -> Shape:
        return self.shapes[id(node)]

    def check_entries(self, node: Node, shape: Shape, spread: int = 1) -> None:
        """The 10^6-entry limit on one node; in index form a node is computed once for
        each combination of the index names it uses (``spread`` of them)."""
        known = self.known(shape)
        if known is None:
            return
        if known[0] * known[1] * spread > MAX_ENTRIES:
            what = f"{node_text(node)} would be {known[0]}x{known[1]}"
            if spread > 1:
                what += f" for each of {spread} index combinations"
            raise MathError(
                "limit", f"{what}: more than {MAX_ENTRIES:,} entries is too large", node.pos
            )

    def require_scalar(self, node: Node, what: str) -> None:
        rows, cols = self.of(node)
        if not (
            self.dims.unify(rows, self.dims.new(1)) and self.dims.unify(cols, self.dims.new(1))
        ):
            raise MathError(
                "shape",
                f"{node_text(node)} is {self.text(self.of(node))}, but {what} must be a scalar",
                node.pos,
            )

    def pair_error(
        self, node: Node, reason: str, left: Node | None = None, right: Node | None = None
    ) -> MathError:
        """ "op: a is RxC and b is RxC; reason" for a binary operation or a call."""
        children = node.children()
        left = left if left is not None else children[0]
        right = right if right is not None else children[1]
        message = (
            f"{node_text(node)}: {node_text(left)} is {self.text(self.of(left))} and "
            f"{node_text(right)} is {self.text(self.of(right))}; {reason}"
        )
        return MathError("shape", message, node.pos)

    def matmul(self, node: Node, left: Node, right: Node) -> Shape:
        (a, b), (c, d) = self.of(left), self.of(right)
        if not self.dims.unify(b, c):
            inner = f"the inner sizes {self.dims.size(b)} and {self.dims.size(c)} differ"
            sizes = [self.dims.size(d) for d in (a, b, c, d)]
            if sizes[1] == sizes[3] == 1 and sizes[0] == sizes[2] is not None:
                l_text, r_text = node_text(left), node_text(right)
                inner += (
                    f"; for the dot product of the two columns write {l_text}^T {r_text} "
                    f"or dot({l_text}, {r_text})"
                )
            raise self.pair_error(node, inner, left, right)
        return (a, d)

    def elementwise(self, node: Node, left: Node, right: Node, op: str) -> Shape:
        """Equal shapes, or a scalar on one side expanded to the other's shape."""
        ls, rs = self.of(left), self.of(right)
        if self.is_scalar(ls):
            return rs
        if self.is_scalar(rs):
            return ls
        before = self._described(left, ls), self._described(right, rs)
        if not (self.dims.unify(ls[0], rs[0]) and self.dims.unify(ls[1], rs[1])):
            message = (
                f"{node_text(node)}: {node_text(left)} is {before[0]} and {node_text(right)} "
                f"is {before[1]}; {op} needs equal shapes (or a scalar on one side)"
            )
            identity = {"I"} & {getattr(left, "name", None), getattr(right, "name", None)}
            other = right if getattr(left, "name", None) == "I" else left
            if identity and op in (".*", "./"):
                named = node_text(other)
                message += f"; for the diagonal matrix of {named} write diag({named})"
            raise MathError("shape", message, node.pos)
        return ls
