"""Steps of the chain-rule view (Parr & Howard §4.5, §5, §6), each checked numerically."""

from __future__ import annotations

from app.calculus.derivation import jacobian as jc
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.context import Problem
from app.calculus.derivation.forward import ChainView, chain_view
from app.calculus.derivation.jacobian import Jac
from app.calculus.derivation.rules import Rule
from app.calculus.derivation.steps import Step
from app.mathlang.ast import Name, Node

EXPLAIN = {
    "sum_diff": "Adding or subtracting vectors entry by entry: each entry of the result depends "
    "only on "
    "the same entry of each operand, with slope ±1, so the Jacobian is ±I.",
    "scalar_expansion": "A scalar added to every entry of a vector is first expanded to a vector "
    "of "
    "copies; every output entry moves one-for-one with the scalar, so the derivative is a column "
    "of ones.",
    "hadamard": "In an element-wise product, output entry k is a_k b_k: it depends only on entry "
    "k of "
    "each operand, so the Jacobian is diagonal with the other operand on its diagonal.",
    "ew_divide": "An element-wise quotient, entry by entry: diagonal Jacobians from the quotient "
    "rule.",
    "scalar_product": "A scalar times a vector: with respect to the vector it is the scalar times "
    "I; "
    "with respect to the scalar it is the vector itself.",
    "matrix_product": "A matrix times a vector is linear in the vector: entry i is a sum of row "
    "i's "
    "entries times the vector's, so the Jacobian is the matrix (its transpose for a row vector on "
    "the left).",
    "dot": "A dot product is a sum of entry-wise products: its derivative with respect to one "
    "vector "
    "is the other vector, written as a row.",
    "sum": "Summing the entries: each entry contributes with slope 1, so the derivative is a row "
    "of ones.",
    "mean": "The mean is the sum divided by the number of entries n: a row of 1/n.",
    "elementwise_fn": "A function applied to each entry separately: entry k of the output depends "
    "only "
    "on entry k of the input, so the Jacobian is diagonal, with f' of each entry on the diagonal.",
    "max": "max(a, b) follows whichever operand is larger: its derivative is 1 where that operand "
    "wins "
    "and 0 elsewhere, a step mask on the diagonal.",
    "power": "The power rule, entry by entry.",
    "transpose": "Transposing a vector lists the same entries, so it does not change the Jacobian.",
    "norm": "The Euclidean norm's gradient is the vector divided by its length.",
    "literal": "Each entry of the vector is differentiated on its own.",
    "product_rule": "The product rule, with the factors kept in their order: matrix products "
    "do not commute.",
}


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
                title=f"{rule.title}: {inter.name}{suffix}",
                explanation=EXPLAIN.get(rule.key, "")
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
    steps.append(
        Step(
            title=f"Substitute back{suffix}",
            explanation="Replace every intermediate name by the expression it stands for and "
            "simplify "
            "(diag(1) = I, 1ᵀ diag(v) = vᵀ, diag(a) b = a ⊙ b).",
            latex=f"{tex.partial(tex.sym(out), x)} = {tex.expression(result.to_ast())}",
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


def intermediate_names(view: ChainView) -> dict[str, Node]:
    return {i.name: i.node for i in view.intermediates}


__all__ = ["EXPLAIN", "Name", "chain_steps", "intermediate_names"]
