"""What a learner reads about a named misconception, written for this very function.

Each message names the operation where the learner's derivation went astray (printed
from the function's own tree), says which rule was misapplied and what the right rule
gives there, in plain words. Kept apart from :mod:`app.grading.messages` because every
sentence here is built from a candidate of the buggy-rule engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import mathlang
from app.mathlang.ast import Binary, Call, Name, Node, walk

if TYPE_CHECKING:
    from app.calculus.buggy.candidates import Candidate
    from app.grading.setup import ProblemSetup

FPRIME = {
    "relu": "step(z): 1 where z > 0 and 0 elsewhere — the ReLU mask",
    "step": "0 away from the jump",
    "tanh": "1 − tanh²(z)",
    "sigmoid": "σ(z)(1 − σ(z))",
    "exp": "exp(z) itself",
    "log": "1/z",
    "ln": "1/z",
    "sqrt": "1/(2√z)",
    "abs": "sign(z)",
    "sin": "cos(z)",
    "cos": "−sin(z)",
    "tan": "1 + tan²(z)",
    "max": "a mask: 1 where the argument wins the max, 0 elsewhere",
    "min": "a mask: 1 where the argument wins the min, 0 elsewhere",
}


def _text(node: Node) -> str:
    """The sub-expression as the learner would write it, with transposes as ᵀ."""
    return mathlang.to_text(node).replace("^T", "ᵀ")


def _constants(node: Node, wrt: list[str]) -> list[str]:
    seen: list[str] = []
    for n in walk(node):
        if isinstance(n, Name) and n.name not in wrt and n.name not in seen and n.name != "I":
            seen.append(n.name)
    return seen


def message(cand: Candidate, setup: ProblemSetup) -> str:
    wrt = list(setup.problem.wrt)
    x = ", ".join(wrt)
    site = _text(cand.node)
    parent = _text(cand.parent) if cand.parent is not None else None
    if cand.id == "assumed_symmetric":
        mats = [n for n in _constants(cand.node, wrt) if min(setup.shapes.get(n, (1, 1))) > 1]
        which = " and ".join(mats) if mats else "the matrix in it"
        return (
            f"You doubled one term of the product rule for {site}, as if {which} were "
            f"symmetric. Both factors of {site} depend on {x}, and the two terms of the "
            f"product rule are transposes of each other: they are equal only when {which} "
            f"equals its transpose, which it does not here. Keep both terms: for xᵀAx "
            f"they add up to xᵀ(A + Aᵀ), which is 2xᵀA only for a symmetric A."
        )
    if cand.id == "product_rule_one_term":
        return (
            f"In {site} both factors depend on {x}, but you differentiated through only one "
            f"of them. The product rule adds a second term in which the other factor is "
            f"differentiated; keep the order of the factors, since matrix products do not "
            f"commute."
        )
    if cand.id in ("activation_not_derivative", "missing_activation_derivative"):
        assert isinstance(cand.node, Call)
        f = cand.node.func
        args = [a for a in cand.node.args if _depends(a, wrt)] or list(cand.node.args)
        z = _text(args[0])
        fp = FPRIME.get(f, f"{f}′(z)")
        if cand.id == "activation_not_derivative":
            return (
                f"You wrote {f}({z}) where its derivative belongs. Differentiating {site} "
                f"multiplies by {f}′ at z = {z}, which is {fp}, not by the value {f}(z) itself."
            )
        return (
            f"You left out the factor {f}′({z}) that {site} contributes: {fp}. The chain "
            f"rule multiplies the derivative of {z} by the derivative of {f} at {z}."
        )
    if cand.id == "missing_inner_derivative":
        outer = parent or "the outer function"
        return (
            f"You stopped the chain rule at {outer}: you differentiated with respect to "
            f"{site} as if it were {x}. The chain rule also multiplies by the derivative of "
            f"{site} with respect to {x}."
        )
    if cand.id == "product_order":
        return (
            f"You multiplied the chain-rule factors of {site} in the wrong order. The "
            f"derivative of the outer operation comes first (on the left, in numerator "
            f"layout), then the derivative of its inside; matrix products do not commute, so "
            f"the other order gives a different matrix."
        )
    if cand.id == "transposed_factor":
        return (
            f"One factor of the product in the derivative of {site} is transposed, not the "
            f"whole answer. Each local derivative enters the chain rule as it is: check the "
            f"shape of each factor (axes(dY/dX) = axes(Y) + axes(X)) rather than transposing "
            f"one to make the sizes fit."
        )
    if cand.id == "power_rule":
        return _power(cand, site)
    if cand.id == "dropped_kronecker_delta":
        return _delta(cand, setup)
    if cand.id == "constant_treated_as_variable":
        f = _text(setup.typed.node)
        return (
            f"You differentiated {f} with respect to {site}, not {x}: what you wrote is "
            f"∂({f})/∂{site}. Here {site} is a constant and {x} is the variable; the "
            f"derivative with respect to {x} keeps {site} as the coefficient of {x}."
        )
    return cand.id


def _power(cand: Candidate, site: str) -> str:
    node = cand.node
    assert isinstance(node, Binary)
    base = _text(node.left)
    k = "2" if node.op in (".*", "*") else _text(node.right)
    b = base if isinstance(node.left, Name) else f"({base})"
    rule = f"the power rule gives d({b}^{k}) = {k} {b}^({k}−1) d{b}"
    kind = cand.slip.kind
    if kind.endswith("no_factor"):
        return (
            f"You differentiated {site} without bringing the exponent down: {rule}, so "
            f"the factor {k} is missing from your answer."
        )
    if kind.endswith("not_lowered"):
        return (
            f"You brought the exponent {k} of {site} down but kept the power as it was: "
            f"{rule} — the power goes down by one."
        )
    return (
        f"You kept {site} itself where its derivative belongs: {rule}, times the "
        f"derivative of {base}."
    )


def _delta(cand: Candidate, setup: ProblemSetup) -> str:
    name = _text(cand.node)
    rows = cand.slip.kind == "drop_row_delta"
    moved = "column" if rows else "row"
    kept = "row" if rows else "column"
    return (
        f"You dropped a Kronecker delta. Moving one entry {name}_jl moves only that entry: "
        f"∂{name}_ik/∂{name}_jl = δ_ij δ_kl. Your answer treats it as "
        f"{'δ_kl' if rows else 'δ_ij'}, as if the whole {moved} of {name} moved with it, "
        f"so every output gets a derivative. An output that uses only one {kept} of "
        f"{name} does not depend on the others: keep the delta that ties the output's "
        f"{kept} index to that of {name}."
    )


def linear_map(setup: ProblemSetup) -> str:
    """The other layout, for a function linear in the variable: why the matrix is not
    copied from the formula as it stands."""
    f = _text(setup.typed.node)
    x = ", ".join(setup.problem.wrt)
    numerator = setup.problem.layout == "numerator"
    matrix_by_scalar = setup.out_shape == (1, 1) and min(setup.wrt_shapes[0]) > 1
    if matrix_by_scalar:
        where = (
            f"the derivative of a scalar by the matrix {x} has the shape of {x}ᵀ: entry "
            f"(l, k) is ∂f/∂{x}ₖₗ"
            if numerator
            else f"the derivative of a scalar by the matrix {x} has the shape of {x}: entry "
            f"(k, l) is ∂f/∂{x}ₖₗ"
        )
    else:
        where = (
            f"entry (i, j) of the Jacobian is ∂yᵢ/∂{x}ⱼ: one row per output entry"
            if numerator
            else f"entry (j, i) of the Jacobian is ∂yᵢ/∂{x}ⱼ: one row per entry of {x}"
        )
    layout = "numerator" if numerator else "denominator"
    other = "denominator" if numerator else "numerator"
    entry = "the function" if setup.out_shape == (1, 1) else "one output entry"
    return (
        f"{f} is linear in {x}, so its derivative is a constant matrix — but not one read "
        f"off the formula as it stands. In {layout} layout {where}. Write {entry} "
        f"as a sum over the entries of {x} to see which matrix that is: your answer is its "
        f"transpose, the {other}-layout arrangement."
    )


def _depends(node: Node, wrt: list[str]) -> bool:
    return any(isinstance(n, Name) and n.name in wrt for n in walk(node))


def diagonal(setup: ProblemSetup, n: int) -> str:
    x = ", ".join(setup.problem.wrt)
    return (
        f"The derivative here is a diagonal {n}x{n} matrix: each output entry depends only "
        f"on the same entry of {x}. You gave its diagonal as a vector; write the Jacobian "
        f"as a matrix, diag(…) of that vector."
    )
