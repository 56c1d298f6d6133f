"""Shape rules of the built-in functions (the ``rule`` column of :mod:`app.mathlang.functions`).

Element-wise functions keep the shape (Parr & Howard §4.2); reductions (``sum``,
``mean``, ``norm``) give a scalar (Parr & Howard §4.4); ``diag`` turns a vector into a
diagonal matrix and a square matrix into its diagonal; ``trace``, ``det``, ``logdet`` and
``inv`` need square matrices; constructors take positive whole-number literals.
"""

from __future__ import annotations

from app.mathlang.ast import Call, Node, Number
from app.mathlang.dims import Dim
from app.mathlang.errors import MathError
from app.mathlang.functions import BUILTINS
from app.mathlang.limits import MAX_ENTRIES
from app.mathlang.messages import node_text
from app.mathlang.shape_context import Ctx, Shape


def check_call(ctx: Ctx, node: Call) -> Shape:
    builtin = BUILTINS[node.func]
    count = len(node.args)
    if not builtin.min_args <= count <= builtin.max_args:
        wanted = (
            str(builtin.min_args)
            if builtin.min_args == builtin.max_args
            else f"{builtin.min_args} or {builtin.max_args}"
        )
        plural = "" if wanted == "1" else "s"
        raise MathError(
            "syntax", f"{node.func} takes {wanted} argument{plural}, not {count}", node.pos
        )
    rule = builtin.rule
    if rule == "constructor":
        return _constructor(ctx, node)
    first = ctx.of(node.args[0])
    if rule == "elementwise":
        return first
    if rule == "elementwise2":
        return ctx.elementwise(node, node.args[0], node.args[1], node.func)
    if rule in ("reduce", "delta"):
        if rule == "delta":
            for arg in node.args:
                ctx.require_scalar(arg, f"an argument of {node.func}")
        return ctx.scalar()
    if rule == "transpose":
        return (first[1], first[0])
    if rule in ("square_scalar", "square"):
        if not ctx.dims.unify(first[0], first[1]):
            raise _needs(ctx, node, "a square matrix")
        return ctx.scalar() if rule == "square_scalar" else first
    if rule == "vector":
        _length(ctx, node, node.args[0])
        return first
    if rule == "diag":
        return _diag(ctx, node, first)
    if rule == "kron":
        return _kron(ctx, node)
    length_a = _length(ctx, node, node.args[0])
    length_b = _length(ctx, node, node.args[1])
    if rule == "outer":
        return (length_a, length_b)
    # dot
    if not ctx.dims.unify(length_a, length_b):
        raise ctx.pair_error(node, "dot needs two vectors of the same length")
    return ctx.scalar()


def _needs(ctx: Ctx, node: Call, what: str) -> MathError:
    arg = node.args[0]
    return MathError(
        "shape",
        f"{node_text(node)}: {node.func} needs {what}, but {node_text(arg)} is "
        f"{ctx.text(ctx.of(arg))}",
        node.pos,
    )


def _column_if_unsized(ctx: Ctx, shape: Shape) -> None:
    """A context-sized argument with no size known yet (a bare ``ones`` in ``diag(ones)``)
    is read as a column vector, the way a vector is written by default."""
    rows, cols = shape
    if ctx.dims.size(rows) is None and ctx.dims.size(cols) is None:
        ctx.dims.unify(cols, ctx.dims.new(1))


def _length(ctx: Ctx, node: Call, arg: Node) -> Dim:
    """The length of a vector argument (column or row); a shape error otherwise."""
    _column_if_unsized(ctx, ctx.of(arg))
    rows, cols = ctx.of(arg)
    if ctx.dims.is_one(cols):
        return rows
    if ctx.dims.is_one(rows):
        return cols
    raise MathError(
        "shape",
        f"{node_text(node)}: {node.func} needs vectors, but {node_text(arg)} is "
        f"{ctx.text(ctx.of(arg))}",
        arg.pos,
    )


def _diag(ctx: Ctx, node: Call, shape: Shape) -> Shape:
    _column_if_unsized(ctx, shape)
    rows, cols = shape
    if ctx.dims.is_one(cols):
        return (rows, rows)
    if ctx.dims.is_one(rows):
        return (cols, cols)
    if not ctx.dims.unify(rows, cols):
        raise _needs(ctx, node, "a vector (to make a diagonal matrix) or a square matrix")
    return (rows, ctx.dims.new(1))


def _kron(ctx: Ctx, node: Call) -> Shape:
    sizes = []
    for arg in node.args:
        known = ctx.known(ctx.of(arg))
        if known is None:
            raise MathError(
                "shape",
                f"{node_text(node)}: the size of {node_text(arg)} cannot be inferred here; "
                "write eye(n) or ones(m, n)",
                arg.pos,
            )
        sizes.append(known)
    (a, b), (c, d) = sizes
    return (ctx.dims.new(a * c), ctx.dims.new(b * d))


def _constructor(ctx: Ctx, node: Call) -> Shape:
    """``ones(n)`` is a column, ``ones(m, n)`` and ``zeros(m, n)`` matrices, ``eye(n)`` n x n."""
    sizes: list[int] = []
    for arg in node.args:
        value = arg.value if isinstance(arg, Number) else None
        if value is None or not float(value).is_integer() or value < 1:
            raise MathError(
                "shape",
                f"{node_text(node)}: the size {node_text(arg)} must be a positive whole number "
                "written as a number",
                arg.pos,
            )
        if value > MAX_ENTRIES:
            raise MathError(
                "limit",
                f"{node_text(node)}: the size {node_text(arg)} is larger than {MAX_ENTRIES:,}",
                arg.pos,
            )
        sizes.append(int(value))
    if node.func == "eye":
        sizes = [sizes[0], sizes[0]]
    elif len(sizes) == 1:
        sizes.append(1)
    return (ctx.dims.new(sizes[0]), ctx.dims.new(sizes[1]))
