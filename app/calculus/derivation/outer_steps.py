"""An element-wise function of a linear form, by a matrix: ``tanh(W x + b)`` by ``W``.

The derivative has three or four axes, so no Jacobian matrix exists for the chain-rule
view; the component view handles the inside ``u = W x + b`` (Learned-Miller §3) and an
element-wise ``f`` touches each entry on its own, so ``∂f(u)_i/∂W_{j,k} = f'(u)_i
∂u_i/∂W_{j,k}`` (Parr & Howard §4.2, one entry of the vector chain rule with a diagonal
local Jacobian). The pattern is then written with an indexed expression, ``f'(u)[i]``.
"""

from __future__ import annotations

from dataclasses import replace

from app import mathlang
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.component_steps import ComponentResult, component_steps
from app.calculus.derivation.context import Problem
from app.calculus.derivation.rules import ELEMENTWISE, P_H, NoRule, derivative_of_function
from app.calculus.derivation.steps import Step
from app.mathlang.ast import Binary, Call, Index, Name

FUNCTION_WORDS = {
    "tanh": "1 - tanh(u)^2",
    "sigmoid": "sigmoid(u) (1 - sigmoid(u))",
    "relu": "the step function: 1 where u > 0, 0 where u < 0",
    "exp": "exp(u) itself",
    "log": "1/u",
    "sin": "cos(u)",
    "cos": "-sin(u)",
}


def outer_steps(problem: Problem, wrt: str) -> ComponentResult:
    """Component view of the inside, then one entry of the chain rule through ``f``."""
    tree = problem.tree
    if not (isinstance(tree, Call) and tree.func in ELEMENTWISE and len(tree.args) == 1):
        raise NoRule("not an element-wise function of a linear form")
    inner = tree.args[0]
    inner_shape = problem.node_shapes[id(inner)]
    if inner_shape != problem.out_shape:
        raise NoRule("the element-wise function's argument has another shape")
    sub = replace(problem, tree=inner, function=mathlang.to_text(inner), operations=[])
    comp = component_steps(sub, wrt)
    if comp.index_form is None:
        raise NoRule("the inside has a Jacobian matrix: the chain-rule view applies")
    out_idx = tuple(Name(i) for i in comp.out_indices)
    local = derivative_of_function(tree.func, Index(inner, out_idx), (1, 1))
    if local is None:
        raise NoRule(f"{tree.func} has no derivative to carry through")
    expr = Binary("*", local, comp.index_form)
    order = comp.out_indices + comp.wrt_indices
    if problem.layout == "denominator":
        order = comp.wrt_indices + comp.out_indices
    sizes = {i: comp.sizes[i] for i in order}
    ok = verify.derivative_holds(
        problem.tree, problem.shapes, problem.values, [wrt], expr, problem.layout, sizes
    )
    y = tex.entry(problem.out_name(), comp.out_indices)
    u = tex.entry("u", comp.out_indices)
    x = tex.entry(wrt, comp.wrt_indices)
    said = FUNCTION_WORDS.get(tree.func, f"the derivative of {tree.func}")
    step = Step(
        title=f"Carry the derivative through {tree.func}, entry by entry",
        explanation=(
            f"With u = {mathlang.to_text(inner)}, the output is {tree.func}(u), applied to each "
            f"entry on its own: entry {', '.join(comp.out_indices)} of the output depends only "
            f"on the same entry of u. So its derivative is {tree.func}'(u) at that entry "
            f"({said}) times the derivative of u found above."
        ),
        latex=f"{tex.partial(y, x)} = {tree.func}'({u})\\, {tex.partial(u, x)} = "
        f"{tex.expression(expr)}",
        view="component",
        verified=ok,
        rule="Element-wise function",
        source=f"{P_H}, §4.2",
        shapes={"u": list(inner_shape)},
    )
    return ComponentResult(
        [*comp.steps, step],
        None,
        expr,
        comp.out_indices,
        comp.wrt_indices,
        comp.sizes,
        None,
    )
