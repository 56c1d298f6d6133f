"""The matrix-by-scalar view: differentiate every entry by one scalar (MIT 6.390 A.6).

When a matrix ``Y(t)`` depends on a scalar ``t``, its derivative is the matrix of the
entries' derivatives, ``(dY/dt)_{i,j} = dY_{i,j}/dt``, with the shape of ``Y`` (numerator
layout). It follows the ordinary rules applied to whole matrices, keeping the order of
factors because matrix products do not commute: ``d(AB)/dt = (dA/dt) B + A (dB/dt)``.
Each intermediate result gets its own derivative, innermost first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.calculus.derivation import algebra as al
from app.calculus.derivation.forward import depends_on, fresh_names
from app.calculus.derivation.rules import (
    RULES,
    NoRule,
    Rule,
    derivative_of_function,
    is_scalar,
    node_with,
)
from app.mathlang.ast import Binary, Call, Name, Node, Number, Transpose, Unary

Shape = tuple[int, int]
PRODUCT = Rule(
    "product_rule",
    "Product rule",
    "MIT 6.390, Appendix A, A.6",
    r"\frac{d(AB)}{dt} = \frac{dA}{dt}B + A\frac{dB}{dt}",
)


@dataclass(frozen=True)
class TangentStep:
    name: str
    node: Node
    display: Node
    shape: Shape
    rule: Rule
    derivative_display: Node  # written with the intermediates' derivatives (du1/dt -> "du1")
    derivative: Node


@dataclass
class TangentView:
    wrt: str
    steps: list[TangentStep] = field(default_factory=list)
    result: Node | None = None


def _zero(shape: Shape) -> Node:
    return al.zeros(*shape)


def _is_zero(node: Node) -> bool:
    return al.is_number(node, 0.0) or al.is_call(node, "zeros")


def _local(
    node: Node, args: list[Node], ds: list[Node], shapes: list[Shape], out: Shape
) -> tuple[Rule, Node]:
    """d node / dt from the operands ``args`` and their derivatives ``ds`` (same shapes)."""

    def plus(a: Node, b: Node) -> Node:
        if _is_zero(a):
            return b
        if _is_zero(b):
            return a
        return al.add(a, b)

    def expand(d: Node, shape: Shape) -> Node:
        return (
            al.mul(d, al.ones(*out))
            if is_scalar(shape) and not is_scalar(out) and not _is_zero(d)
            else d
        )

    if isinstance(node, Unary):
        return RULES["sum_diff"], al.neg(ds[0]) if node.op == "-" else ds[0]
    if isinstance(node, Transpose):
        return RULES["transpose"], ds[0] if _is_zero(ds[0]) else al.transpose(ds[0])
    if isinstance(node, Binary):
        (a, b), (da, db), (sa, sb) = args, ds, shapes
        if node.op in ("+", "-"):
            right = expand(db, sb)
            left = expand(da, sa)
            if node.op == "-":
                right = right if _is_zero(right) else al.neg(right)
            return RULES["sum_diff"], plus(left, right)
        if node.op in ("*", "@"):
            left = _zero(out) if _is_zero(da) else al.mul(da, b)
            right = _zero(out) if _is_zero(db) else al.mul(a, db)
            return PRODUCT, plus(left, right)
        if node.op == ".*":
            left = _zero(out) if _is_zero(da) else al.hadamard(da, b)
            right = _zero(out) if _is_zero(db) else al.hadamard(a, db)
            return RULES["hadamard"], plus(left, right)
        if node.op == "/" and is_scalar(sb):
            left = _zero(out) if _is_zero(da) else al.div(da, b)
            right = (
                _zero(out) if _is_zero(db) else al.neg(al.div(al.mul(db, a), al.power(b, 2, False)))
            )
            return RULES["scalar_product"], plus(left, right)
        if node.op in ("^", ".^") and isinstance(b, Number) and _is_zero(db):
            if node.op == "^" and not is_scalar(sa):
                raise NoRule("no rule for a matrix power")
            local = al.mul(al.num(b.value), al.power(a, b.value - 1, node.op == ".^"))
            combine = al.hadamard if node.op == ".^" and not is_scalar(sa) else al.mul
            return RULES["power"], combine(local, da)
    if isinstance(node, Call):
        f = node.func
        if f in ("sum", "trace", "tr") and len(args) == 1:
            return RULES["sum"], al.call(f, ds[0])
        if len(args) == 1:
            d = derivative_of_function(f, args[0], shapes[0])
            if d is None:
                return RULES["elementwise_fn"], _zero(out)
            combine = al.mul if is_scalar(shapes[0]) else al.hadamard
            return RULES["elementwise_fn"], combine(d, ds[0])
    raise NoRule(f"no matrix-by-scalar rule for {type(node).__name__}")


def tangent_view(tree: Node, shapes: Mapping[int, Shape], wrt: str, taken: set[str]) -> TangentView:
    """d tree / d wrt for a scalar ``wrt``, one step per intermediate, innermost first."""
    view = TangentView(wrt)
    names = iter(fresh_names(taken))

    def visit(node: Node) -> tuple[Node, Node, Node]:
        """(display, derivative written with names, derivative in the variables)."""
        shape = shapes[id(node)]
        if not depends_on(node, wrt):
            return node, _zero(shape), _zero(shape)
        if isinstance(node, Name):
            return node, al.num(1), al.num(1)
        children = list(node.children())
        visited = [visit(c) for c in children]
        child_shapes = [shapes[id(c)] for c in children]
        disp_args = [v[0] for v in visited]
        shown = [_shown_derivative(v[0], v[1], wrt) for v in visited]
        rule, d_disp = _local(node, disp_args, shown, child_shapes, shape)
        _, d_conc = _local(node, children, [v[2] for v in visited], child_shapes, shape)
        u = next(names)
        view.steps.append(
            TangentStep(u, node, node_with(node, disp_args), shape, rule, d_disp, d_conc)
        )
        return Name(u), d_disp, d_conc

    _, _, result = visit(tree)
    view.result = result
    return view


def _shown_derivative(display: Node, derivative: Node, wrt: str) -> Node:
    """An intermediate's derivative as a placeholder name (``du1``, shown as du₁/dt)."""
    if isinstance(display, Name) and display.name != wrt and not _is_zero(derivative):
        return Name(placeholder(display.name))
    return derivative


def placeholder(name: str) -> str:
    return f"d{name}"
