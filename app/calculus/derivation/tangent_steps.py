"""Steps of the matrix-by-scalar view (MIT 6.390 A.6), each checked numerically."""

from __future__ import annotations

from app.calculus.derivation import algebra as al
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.context import Problem
from app.calculus.derivation.differential_steps import explain
from app.calculus.derivation.steps import Step
from app.calculus.derivation.tangent import placeholder, tangent_view
from app.calculus.derivation.wording import title
from app.mathlang.ast import Node

MIT = "MIT 6.390, Appendix A, A.6"
TANGENT_RULES = {
    "sum_diff": "sum",
    "transpose": "transpose",
    "product_rule": "product",
    "hadamard": "hadamard",
    "scalar_product": "quotient",
    "power": "power",
    "sum": "linear",
    "elementwise_fn": "function",
}
"""The matrix-by-scalar rules are the differential view's rules with d t = 1."""


def _numerator(node: Node, shape: tuple[int, int]) -> Node:
    """A row vector's derivative by a scalar is written as a column (numerator layout)."""
    return al.transpose(node) if shape[0] == 1 and shape[1] > 1 else node


def tangent_steps(problem: Problem, wrt: str) -> tuple[list[Step], Node]:
    """One step per intermediate; returns dY/dt in numerator layout (the shape of Y)."""
    view = tangent_view(problem.tree, problem.node_shapes, wrt, problem.taken)
    problem.record_operations([(s.name, s.display) for s in view.steps])
    t = tex.sym(wrt)
    names = {s.name: s.node for s in view.steps}
    shapes_u, values_u = problem.with_values(names)
    replacements = {
        placeholder(s.name): rf"\frac{{d {tex.sym(s.name)}}}{{d {t}}}" for s in view.steps
    }
    steps: list[Step] = []
    for s in view.steps:
        u = tex.sym(s.name)
        d = rf"\frac{{d {u}}}{{d {t}}}"
        shown = tex.expression(s.derivative_display, replacements)
        value = tex.expression(s.derivative)
        line = f"{d} = {shown}" + ("" if shown == value else f" = {value}")
        steps.append(
            Step(
                title=f"{title(s.rule.title, s.display, s.shape)}: {s.name}",
                explanation=explain(TANGENT_RULES.get(s.rule.key, "linear"), s.display, s.shape)
                + f" Differentiating every entry of {s.name} by {wrt} keeps its shape.",
                latex=tex.aligned([f"{u} = {tex.expression(s.display)}", line]),
                view="chain",
                verified=verify.derivative_holds(
                    s.node, shapes_u, values_u, [wrt], _numerator(s.derivative, s.shape)
                ),
                rule=r"\frac{d(AB)}{dt} = \frac{dA}{dt}B + A\frac{dB}{dt}",
                source=MIT,
                shapes={s.name: list(s.shape)},
            )
        )
    assert view.result is not None
    return steps, _numerator(view.result, problem.out_shape)
