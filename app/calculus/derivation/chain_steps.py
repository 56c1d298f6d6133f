"""Steps of the chain-rule view (Parr & Howard §4.5, §5, §6), each checked numerically."""

from __future__ import annotations

from app.calculus.derivation import jacobian as jc
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.context import Problem
from app.calculus.derivation.forward import ChainView, Intermediate, chain_view
from app.calculus.derivation.jacobian import Jac
from app.calculus.derivation.rules import Rule
from app.calculus.derivation.steps import Step
from app.calculus.derivation.wording import VECTOR_TEXT, chain_text, title
from app.mathlang.ast import Name, Node

EXPLAIN = VECTOR_TEXT
"""Sentences for the rules with vector operands; each step picks its own (:func:`chain_text`)."""


def _check_local(problem: Problem, view: ChainView, inter_index: int) -> bool:
    inter = view.intermediates[inter_index]
    names = {i.name: i.node for i in view.intermediates[:inter_index]}
    shapes, values = problem.with_values(names)
    totals: dict[str, Jac] = {}
    for local in inter.locals:  # an operand used twice (x ⊙ x) contributes twice
        previous = totals.get(local.by)
        totals[local.by] = local.jac if previous is None else jc.plus(previous, local.jac)
    ok = True
    for by, jac in totals.items():
        ok = ok and verify.derivative_holds(inter.display, shapes, values, [by], jac.to_ast())
    return ok


def chain_steps(problem: Problem, wrt: str, suffix: str = "") -> tuple[list[Step], Jac]:
    """One step per intermediate, then the substituted result; returns the numerator Jacobian."""
    view = chain_view(problem.tree, problem.node_shapes, wrt, problem.shapes[wrt], problem.taken)
    out = problem.out_name()
    problem.record_operations([(i.name, i.display) for i in view.intermediates])
    steps: list[Step] = []
    all_names = {i.name: i.node for i in view.intermediates}
    shapes_u, values_u = problem.with_values(all_names)
    x = tex.sym(wrt)
    if view.intermediates:
        listing = [f"{tex.sym(i.name)} = {tex.expression(i.display)}" for i in view.intermediates]
        last = view.intermediates[-1]
        listing.append(f"{tex.sym(out)} = {tex.expression(view.root_display or Name(last.name))}")
        steps.append(
            Step(
                title=f"Name the intermediate results{suffix}",
                explanation="Give every operation that involves "
                f"{wrt} a name, innermost first, so that each one is a simple function of the "
                f"previous ones.",
                latex=tex.aligned(listing),
                view="chain",
                verified=verify.value_holds(
                    problem.tree,
                    shapes_u,
                    values_u,
                    lambda: verify.evaluate(view.root_display or last.display, shapes_u, values_u),
                ),
                rule="Introduce intermediate variables",
                source="Parr & Howard, “The Matrix Calculus You Need For Deep Learning”, §4.5.1",
                shapes={i.name: list(i.shape) for i in view.intermediates},
            )
        )
    for k, inter in enumerate(view.intermediates):
        u = tex.sym(inter.name)
        lines = [f"{u} = {tex.expression(inter.display)}"]
        for local in inter.locals:
            lines.append(
                f"{tex.partial(u, tex.sym(local.by))} = {tex.expression(local.jac.to_ast())}"
            )
        chained = inter.jac_display
        only_local = len(inter.locals) == 1 and inter.locals[0].by == wrt
        if not only_local:
            factors = " + ".join(
                tex.partial(u, tex.sym(lo.by))
                + ("" if lo.by == wrt else " " + tex.partial(tex.sym(lo.by), x))
                for lo in inter.locals
            )
            lines.append(f"{tex.partial(u, x)} = {factors} = {tex.expression(chained.to_ast())}")
        local_ok = _check_local(problem, view, k)
        chain_ok = verify.derivative_holds(inter.node, shapes_u, values_u, [wrt], chained.to_ast())
        rule: Rule = inter.rule
        steps.append(
            Step(
                title=f"{title(rule.title, inter.display, inter.shape)}: {inter.name}{suffix}",
                explanation=chain_text(
                    rule.key,
                    inter.display,
                    inter.shape,
                    _operand_shapes(inter, shapes_u),
                )
                + (
                    ""
                    if only_local
                    else " The vector chain rule multiplies this local derivative by the "
                    "derivative of the operand, in that order."
                ),
                latex=tex.aligned(lines),
                view="chain",
                verified=local_ok and chain_ok,
                rule=rule.latex,
                source=rule.source,
                shapes={
                    inter.name: list(inter.shape),
                    f"d{inter.name}/d{wrt}": [chained.rows, chained.cols],
                }
                | {lo.by: list(shapes_u.get(lo.by, lo.by_shape)) for lo in inter.locals},
            )
        )
    assert view.result is not None
    result = view.result
    substituted = tex.expression(result.to_ast())
    shown = view.result_display.to_ast() if view.result_display is not None else None
    if shown is not None and tex.expression(shown) == substituted:
        return steps, result  # no intermediate name is left to replace
    names = ", ".join(i.name for i in view.intermediates) or "the intermediates"
    steps.append(
        Step(
            title=f"Substitute back{suffix}",
            explanation=f"Replace {names} by the expressions they stand for, and write the "
            "product of Jacobians in the variables.",
            latex=f"{tex.partial(tex.sym(out), x)} = {substituted}",
            view="chain",
            verified=verify.derivative_holds(
                problem.tree, problem.shapes, problem.values, [wrt], result.to_ast()
            ),
            rule=r"\frac{\partial y}{\partial x} = "
            r"\frac{\partial y}{\partial u}\frac{\partial u}{\partial x}",
            source="Parr & Howard, “The Matrix Calculus You Need For Deep Learning”, §4.5.3",
            shapes={f"d{out}/d{wrt}": [result.rows, result.cols]},
        )
    )
    return steps, result


def _operand_shapes(
    inter: Intermediate, shapes: dict[str, tuple[int, int]]
) -> list[tuple[int, int]]:
    return [shapes.get(lo.by, lo.by_shape) for lo in inter.locals]


def intermediate_names(view: ChainView) -> dict[str, Node]:
    return {i.name: i.node for i in view.intermediates}


__all__ = ["EXPLAIN", "Name", "chain_steps", "intermediate_names"]
