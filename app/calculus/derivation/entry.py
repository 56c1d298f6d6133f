"""One entry of a Jacobian, worked out with every sum written in full (Learned-Miller §1.1).

Learned-Miller's advice when a matrix derivative confuses you: pick one output entry
and one input entry, say y_3 and x_7, write y_3 out as an explicit sum of scalar
products, and differentiate that ordinary expression. This module does exactly that for
a chosen (i, j): the sum with concrete indices, the one term that survives, its value at
the instance, and the finite-difference value of the same entry to compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus.derivation import components as cp
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.rules import NoRule

Array = npt.NDArray[np.float64]
Shape = tuple[int, int]


@dataclass(frozen=True)
class EntryDerivative:
    i: int
    j: int
    rows: int
    cols: int
    sum_latex: str
    derivative_latex: str
    value: float
    finite_difference: float
    verified: bool


def _concrete(terms: list[cp.Term], fixed: Mapping[str, int], sizes: Mapping[str, int]):  # type: ignore[no-untyped-def]
    """Expand every summation index over its range: a list of (coef, [(var, indices)])."""
    out = []
    for t in terms:
        ranges = [range(1, sizes[s] + 1) for s in t.summed]
        for combo in product(*ranges):
            env = dict(fixed) | dict(zip(t.summed, combo, strict=True))
            if any(env[p] != env[q] for p, q in t.deltas):
                continue
            out.append((t.coef, [(f.var, tuple(env[i] for i in f.indices)) for f in t.factors]))
    return out


def _latex(products) -> str:  # type: ignore[no-untyped-def]
    if not products:
        return "0"
    parts = []
    for n, (coef, factors) in enumerate(products):
        body = " ".join(tex.entry(v, [str(k) for k in idx]) for v, idx in factors) or "1"
        if abs(coef) != 1.0:
            body = f"{abs(coef):g}\\, {body}"
        sign = "-" if coef < 0 else "+"
        parts.append((("-" if sign == "-" else "") if n == 0 else f" {sign} ") + body)
    return "".join(parts)


def entry_derivative(
    function: str,
    variables: Mapping[str, Shape],
    wrt: str,
    i: int,
    j: int,
    values: Mapping[str, Array],
) -> EntryDerivative:
    """∂y_i/∂x_j (1-based) for a linear form y in a vector x, with the sum written out."""
    tree = mathlang.parse(function)
    typed = mathlang.check(tree, variables)
    out_shape = (int(typed.shape[0]), int(typed.shape[1]))
    wrt_shape = variables[wrt]
    if not (cp_is_vector(out_shape) and cp_is_vector(wrt_shape)):
        raise NoRule("pick a component of a vector function of a vector")
    rows, cols = out_shape[0] * out_shape[1], wrt_shape[0] * wrt_shape[1]
    i, j = min(max(i, 1), rows), min(max(j, 1), cols)
    names = cp.IndexNames(set(variables))
    r, c = cp.slots(out_shape, names)
    cp.slots(wrt_shape, names)  # reserve the variable's index names
    node_shapes = {k: (int(v[0]), int(v[1])) for k, v in typed.node_shapes.items()}
    terms = cp.entry(tree, r, c, node_shapes, names)
    fixed = {s: i for s in (r, c) if s is not None}
    products = _concrete(terms, fixed, names.sizes)
    surviving = []
    for coef, factors in products:
        hits = [k for k, (v, idx) in enumerate(factors) if v == wrt and (idx == (j,) or idx == ())]
        if len(hits) > 1:
            raise NoRule("the component view is for linear forms")
        if hits:
            rest = factors[: hits[0]] + factors[hits[0] + 1 :]
            surviving.append((coef, rest))
    value = 0.0
    for coef, factors in surviving:
        term = coef
        for v, idx in factors:
            term *= (
                float(np.asarray(values[v]).reshape(-1)[idx[0] - 1])
                if len(idx) == 1
                else float(np.asarray(values[v])[idx[0] - 1, idx[1] - 1])
                if idx
                else float(np.asarray(values[v]).reshape(-1)[0])
            )
        value += term
    fd, err = verify.finite_differences(typed, values, [wrt])
    fd_entry = float(np.asarray(fd).reshape(rows, cols)[i - 1, j - 1])
    error = float(np.asarray(err).reshape(rows, cols)[i - 1, j - 1])
    y = tex.entry("y", [str(i)] if rows > 1 else [])
    x = tex.entry(wrt, [str(j)] if cols > 1 else [])
    ok = abs(value - fd_entry) <= 1e-6 * abs(fd_entry) + 10 * error + 1e-9
    return EntryDerivative(
        i=i,
        j=j,
        rows=rows,
        cols=cols,
        sum_latex=f"{y} = {_latex(products)}",
        derivative_latex=f"{tex.partial(y, x)} = {_latex(surviving)}",
        value=value,
        finite_difference=fd_entry,
        verified=bool(ok),
    )


def cp_is_vector(shape: Shape) -> bool:
    return shape[0] == 1 or shape[1] == 1
