"""Choosing the views for a problem and assembling the derivation (DESIGN §6).

* The **component view** (Learned-Miller) whenever the function is a linear form in the
  variable (``W x``, ``x W``, ``V W x``, ``X W``): it is the only view for a vector or
  matrix by a matrix, whose derivative has three or four axes and is given in index form.
* The **chain-rule view** (Parr & Howard) whenever every operation that involves the
  variable has scalar or vector operands: intermediate variables, local Jacobians,
  the vector chain rule, substitution.
* The **gradient view** (Wu; MIT 6.390) for a scalar function of a matrix.
Several ``wrt`` scalars are handled one by one and stacked into one row per output entry
(Parr & Howard §4's f(x, y) = [3x² y, 2x + y⁸]).

The result is given in the requested layout; ``any`` gives numerator layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app import mathlang
from app.calculus.derivation import algebra as al
from app.calculus.derivation import latex as tex
from app.calculus.derivation import verify
from app.calculus.derivation.chain_steps import chain_steps
from app.calculus.derivation.component_steps import ComponentResult, component_steps
from app.calculus.derivation.context import Problem
from app.calculus.derivation.differential_steps import differential_steps
from app.calculus.derivation.forward import depends_on
from app.calculus.derivation.gradient_steps import gradient_steps
from app.calculus.derivation.inverse_steps import inverse_steps
from app.calculus.derivation.outer_steps import outer_steps
from app.calculus.derivation.rules import NoRule, is_vector, node_with
from app.calculus.derivation.simplify import tidy
from app.calculus.derivation.steps import Derivation, Step
from app.calculus.derivation.tangent_steps import tangent_steps
from app.calculus.layouts import Layout, expected_shape
from app.mathlang.ast import Binary, Index, Matrix, Node, Vector
from app.mathlang.declarations import parse_declaration

LAYOUT_SOURCE = {
    "numerator": "Parr & Howard §4.1; Wu §2 (numerator layout)",
    "denominator": "MIT 6.390, Appendix A, A.2–A.5 (denominator layout)",
}


def derive(
    function: str,
    variables: Mapping[str, str],
    wrt: Sequence[str] | str,
    layout: str = "numerator",
    *,
    seed: int = 1,
) -> Derivation:
    """Worked, numerically checked steps for d function / d wrt.

    Raises :class:`~app.mathlang.MathError` for a function that does not parse or check,
    and :class:`~app.calculus.derivation.rules.NoRule` outside the rule table.
    """
    declarations = {name: parse_declaration(name, spec) for name, spec in variables.items()}
    shapes = {name: d.shape() for name, d in declarations.items()}
    wrt_list = [w.strip() for w in (wrt.split(",") if isinstance(wrt, str) else wrt) if w.strip()]
    if not wrt_list:
        raise mathlang.MathError("unknown_name", "say which variable to differentiate by (wrt)")
    for w in wrt_list:
        if w not in shapes:
            raise mathlang.MathError(
                "unknown_name", f"wrt names {w!r}, which is not a declared variable"
            )
    if layout not in ("numerator", "denominator", "any"):
        raise mathlang.MathError(
            "syntax", f"unknown layout {layout!r}: use numerator, denominator or any"
        )
    chosen: Layout = "denominator" if layout == "denominator" else "numerator"
    tree = mathlang.parse(function)
    first = mathlang.check(tree, shapes)  # errors point into the text as written
    if len(wrt_list) == 1:
        tree = reassociate(tree, wrt_list[0], first.node_shapes)
    typed = mathlang.check(tree, shapes)
    if len(typed.shape) != 2:
        raise mathlang.MathError(
            "shape", "the function must be a scalar, vector or matrix expression"
        )
    out_shape = (int(typed.shape[0]), int(typed.shape[1]))
    values = verify.instance(tree, declarations, shapes, seed)
    problem = Problem(
        function=function,
        tree=tree,
        declarations=declarations,
        shapes=shapes,
        node_shapes={k: (int(v[0]), int(v[1])) for k, v in typed.node_shapes.items()},
        wrt=wrt_list,
        layout=chosen,
        values=values,
        out_shape=out_shape,
        taken=set(shapes),
    )
    try:
        structured = _stacked(problem) if len(wrt_list) > 1 else _single(problem, wrt_list[0])
    except NoRule:
        return _by_differentials(problem)
    if structured.verified:
        return structured
    fallback = _by_differentials(problem)
    return fallback if fallback.verified else structured


def _by_differentials(problem: Problem) -> Derivation:
    """The general view: one entry of the variable moved at a time (:mod:`differential`)."""
    problem.operations.clear()
    result = differential_steps(problem)
    steps = list(result.steps)
    if result.indices is None:
        expr = result.expression
        if problem.layout == "denominator":
            expr = al.transpose(expr)
        return _finish(problem, steps, expr, None)
    deriv = _finish(problem, steps, result.expression, result.sizes)
    return deriv


def reassociate(node: Node, wrt: str, shapes: Mapping[int, tuple[int, ...]]) -> Node:
    """``(V W) x`` -> ``V (W x)`` when only ``x`` involves the variable.

    Products associate to the left as written, but the chain rule reads them from the
    variable outwards (Parr & Howard §4.5: u = Wx, y = Vu), so a constant factor is
    applied last. Only true matrix products are regrouped (no factor is 1x1, so no
    product silently turns into a scaling): there the value is unchanged.
    """
    known: dict[int, tuple[int, int]] = {k: (int(v[0]), int(v[1])) for k, v in shapes.items()}

    def shape(n: Node) -> tuple[int, int] | None:
        return known.get(id(n))

    def matrix_product(a: Node, b: Node) -> tuple[int, int] | None:
        sa, sb = shape(a), shape(b)
        if sa is None or sb is None or sa == (1, 1) or sb == (1, 1) or sa[1] != sb[0]:
            return None
        return (sa[0], sb[1])

    def visit(n: Node) -> Node:
        children = n.children()
        if not children or isinstance(n, Index):
            return n
        new = node_with(n, [visit(c) for c in children])
        if new is not n:
            known[id(new)] = known[id(n)]
        while (
            isinstance(new, Binary)
            and new.op in ("*", "@")
            and isinstance(new.left, Binary)
            and new.left.op == new.op
            and depends_on(new.right, wrt)
            and not depends_on(new.left, wrt)
            and matrix_product(new.left.left, new.left.right) is not None
            and matrix_product(new.left.right, new.right) is not None
        ):
            grouped = Binary(new.op, new.left.right, new.right)
            inner_shape = matrix_product(new.left.right, new.right)
            assert inner_shape is not None
            known[id(grouped)] = inner_shape
            inner = visit(grouped)
            regrouped = Binary(new.op, new.left.left, inner)
            known[id(regrouped)] = known[id(new)]
            new = regrouped
        return new

    return visit(node)


def _single(problem: Problem, wrt: str) -> Derivation:
    steps: list[Step] = []
    wrt_shape = problem.shapes[wrt]
    comp: ComponentResult | None = None
    try:
        comp = component_steps(problem, wrt)
        steps += comp.steps
    except NoRule:
        comp = None
    if comp is None and not (is_vector(wrt_shape) and is_vector(problem.out_shape)):
        for fallback in (outer_steps, inverse_steps):
            try:
                comp = fallback(problem, wrt)
                return _index_result(problem, wrt, comp, [*steps, *comp.steps])
            except NoRule:
                comp = None
    numerator: Node | None = None
    if is_vector(wrt_shape) and is_vector(problem.out_shape):
        try:
            chain, jac = chain_steps(problem, wrt)
            steps += chain
            numerator = jac.to_ast()
        except NoRule:
            if comp is None:
                raise
    elif wrt_shape == (1, 1):  # a matrix by a scalar (MIT 6.390 A.6)
        tangent, numerator = tangent_steps(problem, wrt)
        steps += tangent
    elif problem.out_shape == (1, 1):
        grad_steps, grad = gradient_steps(problem, wrt)
        steps += grad_steps
        numerator = al.transpose(grad)
    if numerator is None and comp is not None:
        if comp.matrix is not None:
            numerator = comp.matrix
        elif comp.index_form is not None:
            return _index_result(problem, wrt, comp, steps)
    if numerator is None:
        raise NoRule("no view of the engine covers this function and variable")
    expr = numerator if problem.layout == "numerator" else al.transpose(numerator)
    return _finish(problem, steps, expr, None)


def _index_result(
    problem: Problem, wrt: str, comp: ComponentResult, steps: list[Step]
) -> Derivation:
    assert comp.index_form is not None
    order = comp.out_indices + comp.wrt_indices
    if problem.layout == "denominator":
        order = comp.wrt_indices + comp.out_indices
    sizes = {i: comp.sizes[i] for i in order}
    deriv = _finish(problem, steps, comp.index_form, sizes)
    deriv.compact = comp.compact
    return deriv


def _stacked(problem: Problem) -> Derivation:
    """Several scalar variables: a chain-rule pass and a column each (Parr & Howard §4)."""
    steps: list[Step] = []
    columns: list[list[Node]] = []
    for w in problem.wrt:
        if problem.shapes[w] != (1, 1):
            raise NoRule("several wrt variables are stacked only when each is a scalar")
        part, jac = chain_steps(problem, w, suffix=f" (by {w})")
        steps += part
        expr = jac.to_ast()
        if isinstance(expr, Vector):
            columns.append(list(expr.items))
        elif problem.out_shape == (1, 1):
            columns.append([expr])
        elif al.is_call(expr, "zeros"):
            columns.append([al.num(0)] * jac.rows)
        else:
            raise NoRule("stacking needs the output written as a vector of expressions")
    rows = tuple(tuple(col[i] for col in columns) for i in range(len(columns[0])))
    if problem.layout == "denominator":
        rows = tuple(zip(*rows, strict=True))
    expr = Matrix(rows)
    out = problem.out_name()
    steps.append(
        Step(
            title="Stack the partial derivatives",
            explanation="Each variable contributes one column of partial derivatives; side by "
            "side they form "
            "the Jacobian, one row per output entry (numerator layout).",
            latex=f"J = {tex.expression(expr)}",
            view="chain",
            verified=verify.derivative_holds(
                problem.tree, problem.shapes, problem.values, problem.wrt, expr, problem.layout
            ),
            rule=r"J = \begin{bmatrix} \nabla f_1^T \\ \nabla f_2^T \end{bmatrix}",
            source="Parr & Howard, “The Matrix Calculus You Need For Deep Learning”, §4.1",
            shapes={f"d{out}/d({','.join(problem.wrt)})": [len(rows), len(rows[0])]},
        )
    )
    return _finish(problem, steps, expr, None)


def _finish(
    problem: Problem, steps: list[Step], expr: Node, sizes: dict[str, int] | None
) -> Derivation:
    """The result tidied as a person writes it (:mod:`simplify`), its step, the derivation."""
    second = verify.instance(problem.tree, problem.declarations, problem.shapes, 1000 + len(steps))
    expr = tidy(expr, problem.tree, problem.shapes, [problem.values, second], sizes)
    steps.append(_result_step(problem, expr, sizes))
    deriv = _derivation(problem, steps, expr, list(sizes) if sizes else None)
    deriv.index_sizes = sizes
    return deriv


def _result_step(problem: Problem, expr: Node, sizes: dict[str, int] | None) -> Step:
    out = problem.out_name()
    wrt = ",".join(problem.wrt)
    shape = expected_shape(
        problem.out_shape, [problem.shapes[w] for w in problem.wrt], problem.layout
    )
    ok = verify.derivative_holds(
        problem.tree, problem.shapes, problem.values, problem.wrt, expr, problem.layout, sizes
    )
    if sizes:
        head = f"{tex.entry('D', list(sizes))} = "
        explanation = (
            f"The derivative has {len(sizes)} axes, so it is given entry by entry: "
            f"D[{', '.join(sizes)}] "
            f"in {problem.layout} layout (axes of the output, then of the variable"
            + (")" if problem.layout == "numerator" else ", swapped)")
            + "."
        )
    else:
        by = tex.sym(wrt) if len(problem.wrt) == 1 else f"({wrt})"
        head = f"{tex.partial(tex.sym(out), by)} = "
        explanation = (
            f"In {problem.layout} layout the result is a {' x '.join(map(str, shape))} array"
            + (
                ""
                if problem.layout == "numerator"
                else ": the transpose of the numerator-layout Jacobian"
            )
            + ". It is checked against finite differences of the original function."
        )
    return Step(
        title=f"Result ({problem.layout} layout)",
        explanation=explanation,
        latex=head + problem.latex(expr),
        view="result",
        verified=ok,
        rule="Layout convention",
        source=LAYOUT_SOURCE[problem.layout],
        shapes={"result": list(shape)},
    )


def _derivation(
    problem: Problem, steps: list[Step], expr: Node, indices: list[str] | None
) -> Derivation:
    shape = expected_shape(
        problem.out_shape, [problem.shapes[w] for w in problem.wrt], problem.layout
    )
    return Derivation(
        function=problem.function,
        wrt=problem.wrt,
        layout=problem.layout,
        steps=steps,
        expression=mathlang.to_text(expr),
        latex=problem.latex(expr),
        indices=indices,
        shape=list(shape),
        values=problem.values,
        variables=problem.shapes,
        operations=problem.operations,
    )
