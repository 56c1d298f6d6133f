"""Steps of the component view (Learned-Miller §1–4; MIT 6.390 A.9.2), each checked numerically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.calculus.derivation import components as cp
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.context import Problem
from app.calculus.derivation.rules import NoRule
from app.calculus.derivation.steps import Step
from app.calculus.layouts import canonical_shape
from app.mathlang.ast import Node

LM = "Learned-Miller, “Vector, Matrix, and Tensor Derivatives”"


@dataclass
class ComponentResult:
    steps: list[Step]
    matrix: Node | None  # numerator form, when the derivative has at most two axes
    index_form: Node | None
    out_indices: list[str]
    wrt_indices: list[str]
    sizes: dict[str, int]
    compact: dict[str, Any] | None


def component_steps(problem: Problem, wrt: str) -> ComponentResult:
    """Learned-Miller's method; raises :class:`NoRule` unless the function is linear in ``wrt``."""
    names = cp.IndexNames(set(problem.shapes))
    r, c = cp.slots(problem.out_shape, names)
    out_idx = [s for s in (r, c) if s is not None]
    wr, wc = cp.slots(problem.shapes[wrt], names)
    wrt_idx = [s for s in (wr, wc) if s is not None]
    terms = cp.entry(problem.tree, r, c, problem.node_shapes, names)
    if not any(f.var == wrt for t in terms for f in t.factors):
        raise NoRule(f"the function does not contain {wrt}")
    for t in terms:
        if sum(f.var == wrt for f in t.factors) > 1:
            raise NoRule("the component view is for linear forms")
    sizes = names.sizes
    shapes, values = problem.shapes, problem.values
    out = problem.out_name()
    y_entry = tex.entry(out, out_idx)
    x_entry = tex.entry(wrt, wrt_idx)
    d_entry = tex.partial(y_entry, x_entry)
    steps: list[Step] = []
    free = out_idx
    steps.append(
        Step(
            title="Write one entry as a sum",
            explanation="Take one entry of the output, with general indices, and write it out as "
            "a sum of "
            "products of scalar entries. Every quantity in it is now an ordinary number.",
            latex=f"{y_entry} = {tex.terms(terms)}",
            view="component",
            verified=verify.value_holds(
                problem.tree, shapes, values, lambda: cp.evaluate_terms(terms, free, sizes, values)
            ),
            rule="One component at a time",
            source=f"{LM}, §1.1",
            shapes={"entry": [sizes[i] for i in out_idx]},
        )
    )
    d_terms = cp.differentiate(terms, wrt, tuple(wrt_idx))
    both = out_idx + wrt_idx
    steps.append(
        Step(
            title="Differentiate the entry",
            explanation=f"Only the terms that contain an entry of {wrt} survive. The derivative "
            f"of one "
            f"entry of {wrt} with respect to another is 1 when they are the same entry and 0 "
            f"otherwise: "
            "the Kronecker delta δ.",
            latex=f"{d_entry} = {tex.terms(d_terms)}",
            view="component",
            verified=verify.tensor_holds(
                problem.tree,
                shapes,
                values,
                [wrt],
                lambda: cp.evaluate_terms(d_terms, both, sizes, values),
            ),
            rule=r"\frac{\partial x_k}{\partial x_j} = \delta_{k,j}",
            source=f"{LM}, §1.1",
        )
    )
    reduced = cp.remove_sums(d_terms)
    index_form: Node | None = None
    try:
        index_form = cp.to_index_form(reduced)
    except NoRule:
        index_form = None
    index_sizes = {i: sizes[i] for i in both}
    if index_form is not None:
        ok = verify.derivative_holds(
            problem.tree, shapes, values, [wrt], index_form, indices=index_sizes, canonical=True
        )
    else:
        ok = verify.tensor_holds(
            problem.tree,
            shapes,
            values,
            [wrt],
            lambda: cp.evaluate_terms(reduced, both, sizes, values),
        )
    steps.append(
        Step(
            title="Remove the sum",
            explanation=_removal_text(d_terms)
            + " What is left holds for every choice of the indices: it is the pattern of the "
            "whole derivative.",
            latex=f"{d_entry} = {tex.terms(reduced)}",
            view="component",
            verified=ok,
            rule=r"\sum_k a_k\,\delta_{k,j} = a_j",
            source=f"{LM}, §1.1–1.2",
            shapes={"derivative": [sizes[i] for i in both]},
        )
    )
    matrix: Node | None = None
    compact: dict[str, Any] | None = None
    n_axes = len(both)
    if n_axes <= 2:
        var_shapes = dict(shapes)
        try:
            matrix = cp.to_matrix(
                reduced,
                out_idx[0] if out_idx else None,
                wrt_idx[0] if wrt_idx else None,
                var_shapes,
                sizes,
            )
        except NoRule:
            matrix = None
        if matrix is not None:
            steps.append(
                Step(
                    title="Assemble the matrix",
                    explanation="Place entry (i, j) of the pattern in row i, column j: the rows "
                    "follow the "
                    "output, the columns the variable (numerator layout). Read back as a matrix "
                    "expression.",
                    latex=f"{tex.partial(tex.sym(out), tex.sym(wrt))} = {tex.expression(matrix)}",
                    view="component",
                    verified=verify.derivative_holds(problem.tree, shapes, values, [wrt], matrix),
                    rule="Jacobian matrix",
                    source=f"{LM}, §1.2",
                    shapes={"jacobian": list(canonical_shape(problem.out_shape, [shapes[wrt]]))},
                )
            )
    else:
        pair = cp.compact_pair(reduced, out_idx, wrt_idx)
        if pair is not None and index_form is not None:
            compact_terms = cp.drop_delta(reduced, pair)
            on_slice = [pair[0] if i == pair[1] else i for i in wrt_idx]
            kept = [i for i in both if i != pair[1]]
            compact_form = cp.to_index_form(compact_terms)
            compact = {
                "expression": _text(compact_form),
                "indices": kept,
                "mapping": f"G[{','.join(kept)}] = "
                f"D[{','.join(pair[0] if i == pair[1] else i for i in both)}]",
            }
            ok = _compact_holds(
                problem, wrt, compact_form, kept, both, pair, {i: sizes[i] for i in kept}
            )
            steps.append(
                Step(
                    title="Keep the non-zero slice: the compact form",
                    explanation=f"The delta \\(\\delta_{{{pair[0]},{pair[1]}}}\\) makes every "
                    f"entry with \\({pair[0]} \\neq {pair[1]}\\) zero, so the {n_axes}-axis array "
                    "is almost empty. All its information sits on the slice "
                    f"\\({pair[1]} = {pair[0]}\\), a smaller array G.",
                    latex=f"G_{{{','.join(kept)}}} = "
                    f"{tex.partial(y_entry, tex.entry(wrt, on_slice))}"
                    f" = {tex.terms(compact_terms)}",
                    view="component",
                    verified=ok,
                    rule=r"G_{i,j} = F_{i,j,i}",
                    source=f"{LM}, §3; MIT 6.390, Appendix A, A.9.2",
                    shapes={"compact": [sizes[i] for i in kept], "full": [sizes[i] for i in both]},
                )
            )
    return ComponentResult(
        steps, matrix, index_form, out_idx, wrt_idx, {i: sizes[i] for i in both}, compact
    )


def _removal_text(terms: list[cp.Term]) -> str:
    """Which sum the delta removes, with the step's own index names."""
    for t in terms:
        for p, q in t.deltas:
            if p in t.summed or q in t.summed:
                s, other = (p, q) if p in t.summed else (q, p)
                return (
                    f"Summing \\(a_{s}\\,\\delta_{{{p},{q}}}\\) over {s} keeps only the term "
                    f"\\({s} = {other}\\)."
                )
    return "No sum meets a delta here, so nothing is left to remove."


def _text(node: Node) -> str:
    from app import mathlang

    return mathlang.to_text(node)


def _compact_holds(
    problem: Problem,
    wrt: str,
    compact: Node,
    kept: list[str],
    both: list[str],
    pair: tuple[str, str],
    sizes: dict[str, int],
) -> bool:
    """G evaluated from its index form equals the finite-difference tensor on the slice."""
    from app import mathlang

    try:
        typed = mathlang.check(problem.tree, problem.shapes)
        fd, err = verify.finite_differences(typed, problem.values, [wrt])
        canonical = canonical_shape(problem.out_shape, [problem.shapes[wrt]])
        letters = {i: "abcdefgh"[n] for n, i in enumerate(both)}
        spec = "".join(letters[pair[0]] if i == pair[1] else letters[i] for i in both)
        target = "".join(letters[i] for i in kept)
        expected = np.einsum(f"{spec}->{target}", fd.reshape(canonical))
        error = np.einsum(f"{spec}->{target}", err.reshape(canonical))
        got = mathlang.evaluate(
            mathlang.check(compact, problem.shapes, indices=sizes), problem.values
        )
        return verify._close(np.asarray(got, dtype=np.float64), expected, error)
    except (mathlang.MathError, ValueError):
        return False
