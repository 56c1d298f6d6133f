"""The inverse of a matrix by that matrix: a derivative with four axes.

No rule table entry applies to ``inv(X)`` by ``X``: the result is a 4-axis array. MIT
6.390 (A.7) and Wu derive it from the identity ``X X^{-1} = I``: differentiating both
sides by one entry ``X_{k,l}`` with the product rule gives ``E_{kl} X^{-1} + X ∂X^{-1} = 0``
(``E_{kl}`` is 1 at (k, l) and 0 elsewhere), so ``∂X^{-1}/∂X_{k,l} = -X^{-1} E_{kl}
X^{-1}``, whose entry (i, j) is ``-(X^{-1})_{i,k} (X^{-1})_{l,j}``.
"""

from __future__ import annotations

import numpy as np

from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.component_steps import ComponentResult
from app.calculus.derivation.context import Problem
from app.calculus.derivation.rules import NoRule
from app.calculus.derivation.steps import Step
from app.mathlang.ast import Binary, Call, Index, Name, Node, Number, Unary

SOURCE = "MIT 6.390, Appendix A, A.7 (derivative of an inverse)"


def _is_inverse_of(tree: Node, wrt: str) -> bool:
    if isinstance(tree, Call) and tree.func == "inv" and len(tree.args) == 1:
        return isinstance(tree.args[0], Name) and tree.args[0].name == wrt
    return (
        isinstance(tree, Binary)
        and tree.op == "^"
        and isinstance(tree.left, Name)
        and tree.left.name == wrt
        and (
            (isinstance(tree.right, Number) and tree.right.value == -1)
            or (
                isinstance(tree.right, Unary)
                and tree.right.op == "-"
                and isinstance(tree.right.operand, Number)
                and tree.right.operand.value == 1
            )
        )
    )


def inverse_steps(problem: Problem, wrt: str) -> ComponentResult:
    """``∂(X^{-1})_{i,j} / ∂X_{k,l} = -(X^{-1})_{i,k} (X^{-1})_{l,j}`` from ``X X^{-1} = I``."""
    n = problem.shapes[wrt][0]
    if not _is_inverse_of(problem.tree, wrt) or n < 2:
        raise NoRule("not the inverse of the variable")
    names = [c for c in "ijklmnpq" if c not in problem.taken][:4]
    i, j, k, m = names
    z = Call("inv", (Name(wrt),))
    expr: Node = Unary("-", Binary("*", Index(z, (Name(i), Name(k))), Index(z, (Name(m), Name(j)))))
    order = [i, j, k, m] if problem.layout == "numerator" else [k, m, i, j]
    sizes = {name: n for name in order}
    x = tex.sym(wrt)
    value = problem.values[wrt].reshape(n, n)
    identity_holds = bool(np.allclose(value @ np.linalg.inv(value), np.eye(n)))
    holds = verify.derivative_holds(
        problem.tree, problem.shapes, problem.values, [wrt], expr, problem.layout, sizes
    )
    xkl = tex.entry(wrt, [k, m])
    steps = [
        Step(
            title="Start from the identity that defines the inverse",
            explanation=f"Write Z = inv({wrt}). Whatever the entries of {wrt}, the product "
            f"{wrt} Z is the identity matrix, so its derivative by any one entry of {wrt} is "
            "the zero matrix.",
            latex=f"{x} Z = I,\\quad Z = {x}^{{-1}}",
            view="component",
            verified=identity_holds,
            rule="Definition of the inverse",
            source=SOURCE,
            shapes={wrt: [n, n]},
        ),
        Step(
            title=f"Differentiate both sides by one entry {wrt}[{k},{m}]",
            explanation=f"The product rule gives two terms. The derivative of {wrt} by its own "
            f"entry ({k}, {m}) is E, the matrix with a 1 at ({k}, {m}) and 0 elsewhere. "
            "Multiplying through by Z on the left isolates the derivative of Z.",
            latex=f"E^{{({k}{m})}} Z + {x}\\, {tex.partial('Z', xkl)} = 0 \\;\\Rightarrow\\; "
            f"{tex.partial('Z', xkl)} = -Z\\, E^{{({k}{m})}} Z",
            view="component",
            verified=holds,
            rule="Product rule",
            source=SOURCE,
        ),
        Step(
            title="Read off one entry",
            explanation=f"Entry ({i}, {j}) of Z E Z picks column {k} of Z on the left and row "
            f"{m} of Z on the right. Every entry of Z depends on every entry of {wrt}, so "
            "no delta appears and the 4-axis array has no zero slice.",
            latex=f"{tex.partial(tex.entry('Z', [i, j]), xkl)} = {tex.expression(expr)}",
            view="component",
            verified=holds,
            rule="Entry of a product",
            source=SOURCE,
            shapes={"derivative": [n, n, n, n]},
        ),
    ]
    return ComponentResult(steps, None, expr, [i, j], [k, m], sizes, None)
