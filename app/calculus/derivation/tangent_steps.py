"""Steps of the matrix-by-scalar view (MIT 6.390 A.6), each checked numerically."""

from __future__ import annotations

from app.calculus.derivation import algebra as al
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.chain_steps import EXPLAIN
from app.calculus.derivation.context import Problem
from app.calculus.derivation.steps import Step
from app.calculus.derivation.tangent import placeholder, tangent_view
from app.mathlang.ast import Node

MIT = "MIT 6.390, Appendix A, A.6"


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
                title=f"{s.rule.title}: {s.name}",
                explanation=EXPLAIN.get(s.rule.key, "")
                + f" Differentiating every entry of {s.name} by {wrt} keeps its shape; "
                "products keep their order.",
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
