"""What the function itself suggests about a sign or a constant factor in a wrong answer.

A learner whose answer is off by a sign or a factor is best told where in *this* function
such a sign or factor comes from: "y − ŷ versus ŷ − y" only makes sense in a loss (a
difference that is squared or normed), "the 2 of the square" only when something is
squared, "the 1/N of the mean" only when there is a mean.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.mathlang.ast import Binary, Call, Node, Number, Unary, walk


@dataclass(frozen=True)
class FunctionContext:
    loss: bool = False
    """A difference inside a square, a norm or a product with itself: y − ŷ matters."""
    square: bool = False
    mean: bool = False
    minus: bool = False
    """The function subtracts or negates somewhere."""
    constants: tuple[str, ...] = ()
    values: tuple[float, ...] = ()
    negating_rule: bool = False
    """A function whose derivative brings a minus sign (cos, 1/z, inv)."""


def _squares(node: Node) -> list[Node]:
    """The operands that are squared: ``a^2``, ``a.^2``, ``norm(a)``, ``a .* a``, ``aᵀa``."""
    out: list[Node] = []
    for n in walk(node):
        if isinstance(n, Binary) and n.op in ("^", ".^") and isinstance(n.right, Number):
            if n.right.value == 2:
                out.append(n.left)
        elif isinstance(n, Binary) and n.op in (".*", "*", "@") and _same(n.left, n.right):
            out.append(n.right)
        elif isinstance(n, Call) and n.func == "norm":
            out.extend(n.args)
    return out


def _same(a: Node, b: Node) -> bool:
    from app.mathlang.ast import Transpose

    if isinstance(a, Transpose):
        a = a.operand
    return a == b


def _has_difference(node: Node) -> bool:
    return any(isinstance(n, Binary) and n.op == "-" for n in walk(node))


def context_of(tree: Node) -> FunctionContext:
    squared = _squares(tree)
    constants = tuple(
        sorted({n.text or f"{n.value:g}" for n in walk(tree) if isinstance(n, Number)})
    )
    return FunctionContext(
        loss=any(_has_difference(s) for s in squared),
        square=bool(squared),
        mean=any(isinstance(n, Call) and n.func == "mean" for n in walk(tree)),
        minus=any(
            (isinstance(n, Binary) and n.op == "-") or (isinstance(n, Unary) and n.op == "-")
            for n in walk(tree)
        ),
        constants=constants,
        values=tuple(abs(n.value) for n in walk(tree) if isinstance(n, Number) and n.value),
        negating_rule=any(
            (isinstance(n, Call) and n.func in ("cos", "inv"))
            or (isinstance(n, Binary) and n.op in ("/", "./"))
            or (isinstance(n, Binary) and n.op in ("^", ".^") and _negative(n.right))
            for n in walk(tree)
        ),
    )


def _negative(node: Node) -> bool:
    return (isinstance(node, Number) and node.value < 0) or (
        isinstance(node, Unary) and node.op == "-"
    )


def sign_hint(ctx: FunctionContext) -> str:
    if ctx.loss:
        return "Check the order of the difference: y − ŷ versus ŷ − y in the loss."
    if ctx.minus:
        return "Check the minus signs: where the function subtracts, the derivative does too."
    if ctx.negating_rule:
        return (
            "Check the rules that bring a minus sign (the derivative of cos z is −sin z, "
            "of 1/z is −1/z², of A⁻¹ is −A⁻¹ dA A⁻¹)."
        )
    return "The function has no minus sign and none of its rules brings one in."


def scale_hint(ctx: FunctionContext, factor: float | None, factor_text: str | None) -> str:
    value = abs(factor) if factor is not None else 0.0
    sized = factor_text is not None and "=" in factor_text
    if ctx.square and (abs(value - 2.0) < 1e-9 or abs(value - 0.5) < 1e-9):
        return "Check the 2 that differentiating the square brings down."
    for c in ctx.values:
        if c not in (0.0, 1.0) and (abs(value - c) < 1e-9 * c or abs(value * c - 1.0) < 1e-9):
            return f"Check the factor {c:g} of the function: it carries into the derivative."
    if ctx.mean and sized:
        return "Check the 1/N of the mean: N is the number of entries averaged."
    if ctx.constants:
        return f"Check the constant factors of the function ({', '.join(ctx.constants)})."
    if ctx.square:
        return "Check the 2 that differentiating the square brings down."
    return (
        "The function has no constant factor, so check the factors the rules bring in "
        "(the exponent of a power, the 1/N of a mean)."
    )


def suggested_factor(ctx: FunctionContext, factor: float | None) -> str | None:
    """The factor written as the function suggests it (``3``, ``1/3``, ``2``), when one of
    the function's own constants, or the 2 of a square, explains it."""
    if factor is None:
        return None
    value = abs(factor)
    sign = "-" if factor < 0 else ""
    known = [c for c in ctx.values if c not in (0.0, 1.0)] + ([2.0] if ctx.square else [])
    for c in known:
        if abs(value - c) < 1e-9 * c:
            return f"{sign}{c:g}"
        if abs(value * c - 1.0) < 1e-9:
            return f"{sign}1/{c:g}"
    return None
