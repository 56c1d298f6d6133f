"""Steps of the differential view, each checked numerically (see :mod:`differential`).

The first step moves one entry of the variable (``dX = E_{kl}``), one step follows each
operation that involves the variable, and the last reads the derivative off the output's
differential, ``D[i, j, k, l] = (dY)[i, j]``. A scalar variable moves by 1, and the
derivative is the differential itself (MIT 6.390 A.6: a matrix by a scalar has the
matrix's shape). The unit matrix is written in the language as a vector of Kronecker
deltas, ``e_k = [delta(k,1), delta(k,2), ...]`` and ``E_{kl} = e_k e_l^T``, so the
result is an index form the grader reads back.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.calculus.derivation import algebra as al
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.components import IndexNames
from app.calculus.derivation.context import Problem
from app.calculus.derivation.differential import differential_view, placeholder
from app.calculus.derivation.steps import Step
from app.calculus.derivation.wording import title
from app.calculus.layouts import value_axes
from app.mathlang.ast import Call, Index, Matrix, Name, Node, Vector

Shape = tuple[int, int]
SOURCE = "MIT 6.390, Appendix A, A.6–A.7; Learned-Miller §3 (one entry at a time)"


@dataclass(frozen=True)
class DifferentialResult:
    steps: list[Step]
    expression: Node
    indices: list[str] | None
    """``None``: ``expression`` is the numerator-layout matrix (a scalar variable)."""
    sizes: dict[str, int]


def _delta(index: str, position: int) -> Node:
    return Call("delta", (Name(index), al.num(position)))


def unit_vector(index: str, size: int, offset: int = 0) -> Node:
    """e_k of ``size`` entries, ``[delta(k, offset+1), ..., delta(k, offset+size)]``."""
    return Vector(tuple(_delta(index, offset + p) for p in range(1, size + 1)))


def _seeds(problem: Problem, names: IndexNames) -> tuple[dict[str, Node], list[str], list[str]]:
    """The unit change of each variable, the input index names, and the LaTeX of the seeds."""
    shapes = [problem.shapes[w] for w in problem.wrt]
    if len(problem.wrt) == 1:
        (w,), ((rows, cols),) = problem.wrt, shapes
        if (rows, cols) == (1, 1):
            return {w: al.num(1)}, [], [rf"d{tex.sym(w)} = 1"]
        if rows == 1 or cols == 1:
            k = names.next(rows * cols)
            e = unit_vector(k, rows * cols)
            seed = e if cols == 1 else al.transpose(e)
            unit = f"e_{{{k}}}" if cols == 1 else f"e_{{{k}}}^T"
            return {w: seed}, [k], [rf"d{tex.sym(w)} = {unit}"]
        k, l_ = names.next(rows), names.next(cols)
        seed = Call("outer", (unit_vector(k, rows), unit_vector(l_, cols)))
        return {w: seed}, [k, l_], [rf"d{tex.sym(w)} = E_{{{k}{l_}}} = e_{{{k}}} e_{{{l_}}}^T"]
    total = sum(r * c for r, c in shapes)
    k = names.next(total)
    seeds: dict[str, Node] = {}
    shown: list[str] = []
    offset = 0
    for w, (rows, cols) in zip(problem.wrt, shapes, strict=True):
        if (rows, cols) == (1, 1):
            seeds[w] = _delta(k, offset + 1)
        elif cols == 1:
            seeds[w] = unit_vector(k, rows, offset)
        elif rows == 1:
            seeds[w] = al.transpose(unit_vector(k, cols, offset))
        else:
            seeds[w] = Matrix(
                tuple(
                    tuple(_delta(k, offset + r * cols + c + 1) for c in range(cols))
                    for r in range(rows)
                )
            )
        first, last = offset + 1, offset + rows * cols
        entry = "" if first == last else f"_{{{k}-{offset}}}" if offset else f"_{{{k}}}"
        shown.append(
            rf"d{tex.sym(w)} = "
            + (
                rf"\delta_{{{k},{first}}}"
                if first == last
                else rf"(e{entry}\ \text{{on entries {first}..{last}}})"
            )
        )
        offset += rows * cols
    return seeds, [k], shown


def _seed_names(seeds: dict[str, Node], in_index: list[str]) -> dict[Node, str]:
    """``e_k``, ``e_k^T`` and ``E_{kl}`` for the unit changes of a single variable."""
    if len(seeds) != 1 or not in_index:
        return {}
    (seed,) = seeds.values()
    if len(in_index) == 2:
        k, l_ = in_index
        return {seed: f"E_{{{k}{l_}}}"}
    (k,) = in_index
    if isinstance(seed, Vector):
        return {seed: f"e_{{{k}}}"}
    return {seed: f"e_{{{k}}}^T"}


def differential_steps(problem: Problem) -> DifferentialResult:
    """The derivative of the whole function by ``problem.wrt``, one entry at a time."""
    names = IndexNames(set(problem.shapes))
    out_axes = value_axes(problem.out_shape)
    out_rows, out_cols = problem.out_shape
    out_index = [names.next(n) for n in out_axes]
    seeds, in_index, seed_tex = _seeds(problem, names)
    problem.shown_as.update(_seed_names(seeds, in_index))
    view = differential_view(problem.tree, problem.node_shapes, seeds, problem.taken)
    problem.record_operations([(s.name, s.display) for s in view.steps])
    steps: list[Step] = []
    moved = ", ".join(problem.wrt)
    scalar_input = not in_index
    if scalar_input:
        first = f"Move {moved} by 1"
        why = (
            f"{moved} is a scalar: the derivative of every entry is how fast it changes when "
            f"{moved} moves, so take differentials with d{moved} = 1; the result has the "
            "output's shape."
        )
    else:
        first = f"Move one entry of {moved}"
        what = _entry_words(problem, in_index)
        why = (
            f"Each entry of the derivative is how the output changes when {what} moves and "
            "everything else stays. So take differentials with the variable moved by a unit "
            "matrix: 1 at that entry, 0 elsewhere."
        )
    steps.append(
        Step(
            title=first,
            explanation=why,
            latex=tex.aligned(seed_tex),
            view="differential",
            verified=_seed_holds(problem, seeds, in_index, names),
            rule=r"dX = E_{kl}",
            source=SOURCE,
            shapes={w: list(problem.shapes[w]) for w in problem.wrt},
        )
    )
    names_u = {s.name: s.node for s in view.steps}
    shapes_u, values_u = problem.with_values(names_u)
    replacements = {placeholder(s.name): rf"d{tex.sym(s.name)}" for s in view.steps}
    replacements |= {placeholder(w): rf"d{tex.sym(w)}" for w in problem.wrt}
    for s in view.steps:
        u = tex.sym(s.name)
        shown = tex.expression(s.differential_display, replacements)
        claim, sizes = _derivative_of(s.differential, s.shape, in_index, names, problem)
        ok = verify.derivative_holds(
            s.node, shapes_u, values_u, problem.wrt, claim, "numerator", sizes
        )
        steps.append(
            Step(
                title=f"{title(s.rule.title, s.display, s.shape)}: {s.name}",
                explanation=explain(s.rule.key, s.display, s.shape),
                latex=tex.aligned([f"{u} = {tex.expression(s.display)}", f"d{u} = {shown}"]),
                view="differential",
                verified=ok,
                rule=s.rule.formula,
                source=s.rule.source,
                shapes={s.name: list(s.shape)},
            )
        )
    differential = view.result if view.result is not None else al.zeros(out_rows, out_cols)
    if scalar_input:
        numerator = al.transpose(differential) if out_rows == 1 and out_cols > 1 else differential
        return DifferentialResult(steps, numerator, None, {})
    body = differential if not out_index else Index(differential, tuple(map(Name, out_index)))
    order = _order(problem, out_index, in_index)
    return DifferentialResult(steps, body, order, {i: names.sizes[i] for i in order})


def _order(problem: Problem, out_index: list[str], in_index: list[str]) -> list[str]:
    """Index order of the answer: output axes then input axes (numerator), or the input's
    first (denominator); a scalar by a matrix is the one exception, q x p in numerator
    layout (DESIGN §4)."""
    if not out_index and len(in_index) == 2:
        return in_index[::-1] if problem.layout == "numerator" else in_index
    if problem.layout == "numerator":
        return out_index + in_index
    return in_index + out_index


def _derivative_of(
    differential: Node, shape: Shape, in_index: list[str], names: IndexNames, problem: Problem
) -> tuple[Node, dict[str, int] | None]:
    """What a differential claims, as ``verify.derivative_holds`` takes it (numerator
    layout; index sizes for an index form)."""
    if not in_index:
        rows, cols = shape
        return (al.transpose(differential) if rows == 1 and cols > 1 else differential), None
    extra = IndexNames(set(problem.shapes) | set(names.sizes))
    out = [extra.next(n) for n in value_axes(shape)]
    body = differential if not out else Index(differential, tuple(map(Name, out)))
    # A scalar by a matrix is q x p in numerator layout.
    order = in_index[::-1] if not out and len(in_index) == 2 else out + in_index
    sizes = {i: (extra.sizes[i] if i in extra.sizes else names.sizes[i]) for i in order}
    return body, sizes


def _seed_holds(
    problem: Problem, seeds: dict[str, Node], in_index: list[str], names: IndexNames
) -> bool:
    """The unit change is the derivative of each variable by the (stacked) input."""
    if not in_index:
        return True
    for w, seed in seeds.items():
        shape = problem.shapes[w]
        claim, sizes = _derivative_of(seed, shape, in_index, names, problem)
        if not verify.derivative_holds(
            Name(w), problem.shapes, problem.values, problem.wrt, claim, "numerator", sizes
        ):
            return False
    return True


def _entry_words(problem: Problem, in_index: list[str]) -> str:
    if len(problem.wrt) > 1:
        return f"entry {in_index[0]} of the stacked input ({', '.join(problem.wrt)})"
    (w,) = problem.wrt
    return f"{w}[{', '.join(in_index)}]"


EXPLAIN = {
    "sum": "A sum moves by the sum of the moves of its terms.",
    "negate": "A negation moves the opposite way.",
    "transpose": "Transposing commutes with moving: the differential of a transpose is the "
    "transposed differential.",
    "scale": "A scalar times {shape}: both factors may move, and each contributes its change "
    "times the other factor.",
    "product": "The product rule for the matrix product {op}: the two terms keep the factors "
    "in their order, because matrix products do not commute.",
    "hadamard": "An element-wise product: each entry follows the ordinary product rule.",
    "quotient": "A quotient, entry by entry: the ordinary quotient rule.",
    "power": "The power rule, {entrywise}.",
    "general_power": "Base and exponent both move: write a^b = exp(b log a) and differentiate.",
    "matrix_power": "A matrix power is a product of equal factors; the product rule gives one "
    "term per factor, each keeping its place.",
    "function": "{fname} acts on each entry separately, so each entry moves by {fname}' of "
    "that entry times the entry's own move.",
    "max": "{fname} follows whichever operand wins at each entry: a step mask picks the "
    "move of the winner.",
    "linear": "{fname} is linear, so its differential is {fname} of the differential.",
    "norm": "The norm's square is the sum of squares, so d||A|| = sum(A ⊙ dA) / ||A||.",
    "dot": "A dot product is bilinear: one term per factor.",
    "outer": "An outer product is bilinear: one term per factor.",
    "kron": "A Kronecker product is bilinear: one term per factor, each keeping its place.",
    "det": "Jacobi's formula: the determinant moves by det A times the trace of A⁻¹ dA.",
    "logdet": "log det moves by the trace of A⁻¹ dA (Jacobi's formula over det A).",
    "inverse": "Differentiate A A⁻¹ = I: dA A⁻¹ + A d(A⁻¹) = 0, so d(A⁻¹) = -A⁻¹ dA A⁻¹.",
    "softmax": "Softmax's Jacobian is diag(s) - s s^T; applied to the move da it gives "
    "s ⊙ da - (s^T da) s.",
    "literal": "Each written-out entry moves on its own.",
}


def explain(key: str, display: Node, shape: Shape) -> str:
    from app import mathlang

    rows, cols = shape
    kind = (
        "a scalar"
        if shape == (1, 1)
        else f"a vector of {rows * cols}"
        if 1 in shape
        else f"a {rows}x{cols} matrix"
    )
    fname = display.func if isinstance(display, Call) else "the function"
    return EXPLAIN[key].format(
        shape=kind,
        op=mathlang.to_text(display),
        fname=fname,
        entrywise="for a scalar" if shape == (1, 1) else "entry by entry",
    )
