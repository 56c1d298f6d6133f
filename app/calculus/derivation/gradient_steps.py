"""Steps of the gradient view: a scalar's gradient carried backwards (Wu §3; MIT 6.390 A.9)."""

from __future__ import annotations

from app.calculus.derivation import algebra as al
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.chain_steps import EXPLAIN
from app.calculus.derivation.context import Problem, replace_node
from app.calculus.derivation.reverse import _grad_name, gradient_view
from app.calculus.derivation.steps import Step
from app.mathlang.ast import Name, Node

BACK_EXPLAIN = {
    "back_product": "For Z = A B, a small change dA changes f by the sum of (∂f/∂Z) ⊙ (dA B): "
    "that is (∂f/∂Z) Bᵀ for A, and Aᵀ (∂f/∂Z) for B. The shapes confirm the order.",
    "back_trace": "The trace adds the diagonal entries, each with slope 1: the gradient is I.",
    "back_logdet": "The gradient of log det A is the inverse transpose of A.",
}


def gradient_steps(problem: Problem, wrt: str) -> tuple[list[Step], Node]:
    """Steps from the output back to ``wrt``; returns the gradient (shape of ``wrt``)."""
    view = gradient_view(problem.tree, problem.node_shapes, wrt, problem.taken)
    out = problem.out_name()
    f = tex.sym(out)
    by_name = {s.name: s for s in view.steps}
    replacements = {_grad_name(name): tex.partial(f, tex.sym(name)) for name in by_name}
    names = {s.name: s.node for s in view.steps}
    shapes_u, values_u = problem.with_values(names)
    steps: list[Step] = []
    ordered = list(reversed(view.steps))  # innermost first, for the listing
    problem.record_operations([(s.name, s.display) for s in ordered])
    root = view.steps[0]
    listing = [f"{tex.sym(s.name)} = {tex.expression(s.display)}" for s in ordered]
    listing.append(f"{f} = {tex.sym(root.name)}")
    steps.append(
        Step(
            title="Forward pass: name the intermediate results",
            explanation=f"Name every operation that involves {wrt}. The gradient will flow back "
            f"through "
            "them from the output, each step using only the rule of one operation.",
            latex=tex.aligned(listing),
            view="gradient",
            verified=verify.value_holds(
                problem.tree, shapes_u, values_u, lambda: values_u[root.name]
            ),
            rule="Introduce intermediate variables",
            source="Wu, “Notes on Matrix Derivative in Neural Network”, §3.1",
            shapes={s.name: list(s.shape) for s in view.steps},
        )
    )
    for back in view.steps[1:]:
        u = back.name
        grad = back.grad
        shape = back.shape
        function = replace_node(problem.tree, back.node, Name(u))
        claim = al.transpose(grad) if shape[0] == 1 and shape[1] > 1 else grad
        extended = dict(problem.shapes) | {u: shape}
        values = dict(problem.values) | {u: values_u[u]}
        ok = verify.derivative_holds(function, extended, values, [u], claim, layout="denominator")
        steps.append(
            Step(
                title=f"Gradient with respect to {u}",
                explanation=BACK_EXPLAIN.get(back.rule.key, EXPLAIN.get(back.rule.key, ""))
                + f" The gradient with respect to {u} has the shape of {u}.",
                latex=f"{tex.partial(f, tex.sym(u))} = "
                f"{tex.expression(back.grad_display, replacements)}"
                f" = {tex.expression(grad)}",
                view="gradient",
                verified=ok,
                rule=back.rule.latex,
                source=back.rule.source,
                shapes={u: list(shape)},
            )
        )
    assert view.result is not None and view.result_display is not None
    result = view.result
    last = view.leaf_rule
    ok = verify.derivative_holds(
        problem.tree, problem.shapes, problem.values, [wrt], result, layout="denominator"
    )
    steps.append(
        Step(
            title=f"Gradient with respect to {wrt}",
            explanation=(
                BACK_EXPLAIN.get(last.key, EXPLAIN.get(last.key, "")) + " " if last else ""
            )
            + f"Where {wrt} itself is used, the incoming gradient gives ∂{out}/∂{wrt}, "
            f"with the shape of {wrt} (denominator layout; numerator layout is its transpose).",
            latex=f"{tex.partial(f, tex.sym(wrt))} = "
            f"{tex.expression(view.result_display, replacements)}"
            f" = {tex.expression(result)}",
            view="gradient",
            verified=ok,
            rule=r"\frac{\partial f}{\partial X}\ \text{has the shape of}\ X",
            source="MIT 6.390, Appendix A, A.7",
            shapes={wrt: list(problem.shapes[wrt])},
        )
    )
    return steps, result
