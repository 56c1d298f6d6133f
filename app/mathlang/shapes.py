"""Shape inference: the 2-D shape of every node, sizes of ``I``/``ones``/``0`` from context.

Shapes are (rows, cols): a scalar is 1x1, a column vector n x 1, a row vector 1 x n
(DESIGN §3). The product ``*`` (and juxtaposition) scales when either side is 1x1 and is
the matrix product otherwise (Parr & Howard §4.2 write ``z = wx`` for both). Element-wise
operators need equal shapes, or a scalar on one side (scalar expansion, Parr & Howard
§4.3). A context-sized dimension is treated as "not 1" when deciding between scaling and
a matrix product, so ``W I`` is a matrix product and ``z I`` a scaling.

Index form (answers with more than two axes, Learned-Miller §3): with ``indices`` the
expression is a scalar in the named 1-based indices, and its shape is the tuple of index
sizes. Every node's shape, known before any array is built, is checked against the
limit of 10^6 entries (DESIGN §3).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from math import prod

from app.mathlang.ast import Binary, Call, Index, Matrix, Name, Node, Number, Transpose, Unary
from app.mathlang.call_shapes import check_call
from app.mathlang.cost import evaluation_cost
from app.mathlang.dims import Dims
from app.mathlang.errors import MathError
from app.mathlang.functions import BUILTINS
from app.mathlang.limits import MAX_COST, MAX_MATRIX_POWER
from app.mathlang.messages import node_text, unknown_name_error
from app.mathlang.shape_context import Ctx, Shape

CONTEXT_SIZED = ("I", "ones")


@dataclass(frozen=True)
class Typed:
    """A checked tree: its result shape and the 2-D shape of every node (by ``id``).

    A node object that occurs at several places of a tree has one shape (so a shared
    ``I`` gets one size). ``variables`` are the declared shapes the tree was checked
    against; the evaluator reads the batch axes of every declared value from them, so a
    constant answer (``2 I``) still comes out with the batch axes of the instance.
    """

    node: Node
    shape: tuple[int, ...]
    node_shapes: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    indices: Mapping[str, int] | None = None
    variables: Mapping[str, tuple[int, int]] = field(default_factory=dict)


def postorder(root: Node) -> Iterator[Node]:
    """Every distinct node object once, children before parents, without recursion."""
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            yield current
            continue
        if id(current) in seen:
            continue
        seen.add(id(current))
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(current.children()))


def check(
    node: Node,
    variables: Mapping[str, tuple[int, int]],
    *,
    expected: tuple[int, int] | None = None,
    indices: Mapping[str, int] | None = None,
    partial_indices: bool = False,
) -> Typed:
    """Infer and check the shape of ``node``; ``MathError`` (unknown_name | shape | limit).

    With ``partial_indices`` an index may run over fewer positions than it indexes
    (``x[j]`` with j in 1..3 and x of 4 entries reads x_1..x_3): a readable answer that
    is wrong, not an unreadable one; running past the end stays an error.

    ``expected`` sizes a context-sized result (``z I`` as the answer to a 3x3 Jacobian,
    a bare ``0``); it does not make a different known shape an error (the grader reports
    a wrong shape itself).
    """
    if expected is not None:
        expected = (
            _size(expected[0], "the expected shape"),
            _size(expected[1], "the expected shape"),
        )
    ranges = None if indices is None else {i: _size(n, f"index {i}") for i, n in indices.items()}
    shapes = {name: (_size(r, name), _size(c, name)) for name, (r, c) in variables.items()}
    ctx = Ctx(Dims(), shapes, ranges, partial=partial_indices)
    # A bare 0 or ones answer is "the zero / all-ones matrix of the expected shape".
    zero_root = expected is not None and (
        (isinstance(node, Number) and node.value == 0)
        or (isinstance(node, Name) and node.name == "ones" and "ones" not in variables)
    )
    positions = {id(i) for n in postorder(node) if isinstance(n, Index) for i in n.indices}
    uses: dict[int, frozenset[str]] = {}  # the index names each node's value varies with
    for current in postorder(node):
        if zero_root and current is node and expected is not None:
            shape = (ctx.dims.new(expected[0]), ctx.dims.new(expected[1]))
        elif id(current) in positions:
            shape = ctx.scalar()  # checked by the Index node it stands in
        else:
            shape = _visit(ctx, current)
        ctx.shapes[id(current)] = shape
        ctx.check_entries(current, shape, _spread(ctx, current, uses))
    root = ctx.shapes[id(node)]
    if expected is not None and ctx.indices is None:
        for d, size in zip(root, expected, strict=True):
            ctx.dims.unify(d, ctx.dims.new(size))  # a conflict is left to the caller
    for current in postorder(node):
        if isinstance(current, Name) and current.name == "ones" and "ones" not in variables:
            cols = ctx.shapes[id(current)][1]
            if ctx.dims.size(cols) is None:
                ctx.dims.unify(cols, ctx.dims.new(1))  # a bare ones is a column by default
    resolved = _resolve(ctx, node)
    if ctx.indices is not None:
        if resolved[id(node)] != (1, 1):
            rows, cols = resolved[id(node)]
            raise MathError(
                "shape",
                f"in index form the expression is one entry (a scalar), but "
                f"{node_text(node)} is {rows}x{cols}",
                node.pos,
            )
        sizes = tuple(ctx.indices.values())
        return _within_cost(Typed(node, sizes, resolved, ctx.indices, variables=ctx.variables))
    return _within_cost(Typed(node, resolved[id(node)], resolved, None, variables=ctx.variables))


def _within_cost(typed: Typed) -> Typed:
    """The checked tree, unless one evaluation would cost more than ``MAX_COST``."""
    cost = evaluation_cost(typed)
    if cost > MAX_COST:
        raise MathError(
            "limit",
            f"evaluating this would take about {cost:,} operations; the limit is {MAX_COST:,}",
            typed.node.pos,
        )
    return typed


def _spread(ctx: Ctx, node: Node, uses: dict[int, frozenset[str]]) -> int:
    """How many index combinations ``node`` is computed for: the product of the sizes of
    the index names in its sub-tree (the evaluator broadcasts over exactly those)."""
    if ctx.indices is None:
        return 1
    names = frozenset().union(*(uses[id(c)] for c in node.children()))
    if isinstance(node, Name) and node.name in ctx.indices and node.name not in ctx.variables:
        names = names | {node.name}
    uses[id(node)] = names
    return prod(ctx.indices[n] for n in names)


def _size(value: object, what: str) -> int:
    """A positive whole size (numpy integers welcome), else a shape error."""
    if isinstance(value, numbers.Integral) and int(value) >= 1:
        return int(value)
    raise MathError("shape", f"{what} needs positive whole sizes, not {value!r}")


def _resolve(ctx: Ctx, root: Node) -> dict[int, tuple[int, int]]:
    resolved: dict[int, tuple[int, int]] = {}
    for current in postorder(root):
        rows, cols = (ctx.dims.size(d) for d in ctx.shapes[id(current)])
        if rows is None or cols is None:
            name = current.name if isinstance(current, Name) else node_text(current)
            hint = "eye(n)" if name == "I" else "ones(n) or ones(m, n)"
            raise MathError(
                "shape",
                f"the size of {name} cannot be inferred from where it stands; write {hint}",
                current.pos,
            )
        resolved[id(current)] = (rows, cols)
        ctx.check_entries(current, ctx.shapes[id(current)])
    return resolved


def _visit(ctx: Ctx, node: Node) -> Shape:
    if isinstance(node, Number):
        return ctx.scalar()
    if isinstance(node, Name):
        return _name(ctx, node)
    if isinstance(node, Unary):
        return ctx.shapes[id(node.operand)]
    if isinstance(node, Transpose):
        rows, cols = ctx.shapes[id(node.operand)]
        return (cols, rows)
    if isinstance(node, Binary):
        return _binary(ctx, node)
    if isinstance(node, Call):
        if node.func not in BUILTINS:
            raise unknown_name_error(node.func, BUILTINS, node.pos, what="function")
        return check_call(ctx, node)
    if isinstance(node, Matrix):
        widths = {len(row) for row in node.rows}
        if len(widths) != 1 or 0 in widths:
            raise MathError(
                "shape", "every row of a matrix literal needs the same number of entries", node.pos
            )
        for item in node.children():
            ctx.require_scalar(item, "an entry of a matrix literal")
        return (ctx.dims.new(len(node.rows)), ctx.dims.new(widths.pop()))
    if isinstance(node, Index):
        return _index(ctx, node)
    # Vector is the remaining node type.
    items = node.children()
    for item in items:
        ctx.require_scalar(item, "an entry of a vector literal")
    return (ctx.dims.new(len(items)), ctx.dims.new(1))


def _name(ctx: Ctx, node: Name) -> Shape:
    name = node.name
    if ctx.indices is not None and name in ctx.indices:
        if name in ctx.variables:
            raise MathError(
                "shape", f"{name} is both a variable and an index; rename one", node.pos
            )
        return ctx.scalar()
    if name in ctx.variables:
        rows, cols = ctx.variables[name]
        return (ctx.dims.new(rows), ctx.dims.new(cols))
    if name == "I":
        d = ctx.dims.new()
        return (d, d)
    if name == "ones":
        # Both sizes from context (``W + ones`` is 3x4 beside a 3x4 W); a column count
        # that nothing fixes is 1 (``ones^T x`` sums x): see check().
        return (ctx.dims.new(), ctx.dims.new())
    known = [*ctx.variables, *(ctx.indices or {})]
    raise unknown_name_error(name, known, node.pos, also=BUILTINS)


def _binary(ctx: Ctx, node: Binary) -> Shape:
    left, right = ctx.shapes[id(node.left)], ctx.shapes[id(node.right)]
    op = node.op
    if op == "*":
        if ctx.is_scalar(left):
            return right
        if ctx.is_scalar(right):
            return left
        return ctx.matmul(node, node.left, node.right)
    if op == "@":
        return ctx.matmul(node, node.left, node.right)
    if op in ("+", "-", ".*", "./", ".^"):
        return ctx.elementwise(node, node.left, node.right, op)
    if op == "/":
        if ctx.is_scalar(right):
            return left
        if ctx.dims.can_unify(left[0], right[0]) and ctx.dims.can_unify(left[1], right[1]):
            return ctx.elementwise(node, node.left, node.right, op)
        raise ctx.pair_error(
            node,
            "/ divides by a scalar, or element-wise between equal shapes (for entry-by-entry "
            f"division write {node_text(node.left)} ./ {node_text(node.right)})",
        )
    return _power(ctx, node, left, right)


def _power(ctx: Ctx, node: Binary, left: Shape, right: Shape) -> Shape:
    """``^``: a scalar power, or the matrix power of a square matrix by a whole number."""
    base = node_text(node.left)
    if ctx.is_scalar(left):
        if not ctx.is_scalar(right):
            raise MathError(
                "shape",
                f"{node_text(node)}: the exponent {node_text(node.right)} is "
                f"{ctx.text(right)}; ^ needs a scalar exponent "
                "(write .^ for an element-wise power)",
                node.pos,
            )
        return left
    if ctx.dims.is_one(left[0]) or ctx.dims.is_one(left[1]):
        raise MathError(
            "shape",
            f"{node_text(node)}: {base} is a vector ({ctx.text(left)}) and has no power; write "
            f"{base}.^{node_text(node.right)} for an element-wise power, or {base}^T {base} "
            "for the squared length",
            node.pos,
        )
    if not ctx.dims.unify(left[0], left[1]):
        raise MathError(
            "shape",
            f"{node_text(node)}: {base} is {ctx.text(left)}, not square, so it has no matrix "
            "power (write .^ for an element-wise power)",
            node.pos,
        )
    exponent = integer_exponent(node.right)
    if exponent is None:
        raise MathError(
            "shape",
            f"{node_text(node)}: a matrix power needs a whole-number exponent such as "
            f"{base}^2 or {base}^-1",
            node.right.pos,
        )
    if abs(exponent) > MAX_MATRIX_POWER:
        raise MathError(
            "limit",
            f"{node_text(node)}: matrix powers are limited to exponents from "
            f"-{MAX_MATRIX_POWER} to {MAX_MATRIX_POWER}",
            node.right.pos,
        )
    return left


def integer_exponent(node: Node) -> int | None:
    """The whole-number value of a literal exponent (``2``, ``-1``, ``+3``), else None."""
    sign = 1
    while isinstance(node, Unary):
        sign = -sign if node.op == "-" else sign
        node = node.operand
    if isinstance(node, Number) and float(node.value).is_integer():
        return sign * int(node.value)
    return None


def _index(ctx: Ctx, node: Index) -> Shape:
    """``x[k]``, ``W[i, k]``: one entry of a declared variable; each index must range over
    exactly the size it indexes (Learned-Miller §3 writes dy_i/dW_{j,k} this way)."""
    if not isinstance(node.base, Name):
        return _index_expression(ctx, node)
    name = node.base.name
    if name not in ctx.variables:
        raise MathError("shape", f"only declared variables can be indexed, not {name}", node.pos)
    rows, cols = ctx.variables[name]
    _check_positions(ctx, node, rows, cols, f"{name} is a {rows}x{cols} matrix", f"{name}[i, j]")
    return ctx.scalar()


def _index_expression(ctx: Ctx, node: Index) -> Shape:
    """``(W x + b)[i]``, ``tanh(W x)[i]``: one entry of an expression's value.

    What is indexed may itself use index names: ``(A [delta(k,1), delta(k,2)])[i]`` is
    entry i of A e_k, the matrix A times the k-th unit vector, for every k. The engine
    writes a derivative by one entry of a variable this way (a directional derivative
    along that entry); the entry limit already counts every node once per index
    combination (:meth:`Ctx.check_entries`).
    """
    known = ctx.known(ctx.of(node.base))
    if known is None:
        raise MathError(
            "shape", f"{node_text(node)}: the size of what is indexed is not known", node.pos
        )
    rows, cols = known
    _check_positions(ctx, node, rows, cols, f"this is a {rows}x{cols} matrix", None)
    return ctx.scalar()


def _check_positions(
    ctx: Ctx, node: Index, rows: int, cols: int, what: str, example: str | None
) -> None:
    """One index for a vector, two for a matrix, each running over its position's range."""
    if len(node.indices) == 1:
        if rows != 1 and cols != 1:
            hint = f", as in {example}" if example else ""
            raise MathError(
                "shape", f"{node_text(node)}: {what} and needs two indices{hint}", node.pos
            )
        sizes = [max(rows, cols)]
    elif len(node.indices) == 2:
        sizes = [rows, cols]
    else:
        raise MathError(
            "shape", f"{node_text(node)}: give one index for a vector, two for a matrix", node.pos
        )
    for index, size in zip(node.indices, sizes, strict=True):
        _check_index(ctx, node, index, size)


def _check_index(ctx: Ctx, node: Index, index: Node, size: int) -> None:
    if isinstance(index, Number):
        if not float(index.value).is_integer() or not 1 <= index.value <= size:
            raise MathError(
                "shape",
                f"{node_text(node)}: the position {node_text(index)} is outside 1..{size}",
                index.pos,
            )
        return
    if not isinstance(index, Name):
        raise MathError(
            "shape", f"{node_text(node)}: an index is a name such as i or a whole number", index.pos
        )
    if ctx.indices is None or index.name not in ctx.indices:
        raise unknown_name_error(index.name, ctx.indices or {}, index.pos, what="index")
    if ctx.indices[index.name] > size or (ctx.indices[index.name] != size and not ctx.partial):
        raise MathError(
            "shape",
            f"{node_text(node)}: the index {index.name} runs over 1..{ctx.indices[index.name]}, "
            f"but this position of {node_text(node.base)} runs over 1..{size}",
            index.pos,
        )


__all__ = ["MAX_MATRIX_POWER", "Typed", "check", "integer_exponent", "postorder"]
