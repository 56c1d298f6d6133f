"""What grading needs to know about a problem before it sees an answer.

The function is parsed and typed once; its output axes and the stacked input axes give
the canonical derivative of DESIGN §4 and its layout forms (:mod:`app.grading.forms`);
the sampler knows the domains, the pinned values and the piecewise sites of the function.
"""

from __future__ import annotations

import numpy as np

from app import mathlang
from app.grading import forms, messages, numerics
from app.grading.problem import Problem, ProblemError
from app.mathlang import MathError
from app.mathlang.declarations import parse_declaration


class ProblemSetup:
    """Everything about a problem that does not depend on the answer."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.declarations = problem.declarations()
        self.shapes = problem.shapes()
        self.pinned = problem.pinned()
        try:
            tree = mathlang.parse(problem.function)
            self.typed = mathlang.check(tree, self.shapes)
        except MathError as exc:
            raise ProblemError("function", exc.message) from exc
        if len(self.typed.shape) != 2:
            raise ProblemError("function", "the function must be a scalar, vector or matrix")
        self.out_shape: tuple[int, int] = (int(self.typed.shape[0]), int(self.typed.shape[1]))
        self.wrt_shapes = [self.shapes[name] for name in problem.wrt]
        self.out_axes = forms.vector_axes(self.out_shape)
        self.in_axes = forms.input_axes(self.wrt_shapes)
        self.layouts = ["numerator", "denominator"] if problem.layout == "any" else [problem.layout]
        self.other = {"numerator": "denominator", "denominator": "numerator"}.get(problem.layout)
        self.sampler = numerics.make_sampler(tree, self.declarations, self.shapes, self.pinned)
        self.all_pinned = set(self.pinned) >= set(self.shapes)
        self.compact_shape: tuple[int, int] | None = None
        if problem.compact is not None:
            try:
                compact = parse_declaration(problem.compact["name"], problem.compact["shape"])
            except MathError as exc:
                raise ProblemError("compact.shape", exc.message) from exc
            self.compact_shape = compact.shape()

    def func(self, values: numerics.Instance) -> numerics.Array:
        return np.asarray(mathlang.evaluate(self.typed, values, finite=False), dtype=np.float64)

    def canonical(self, flat: numerics.Array) -> numerics.Array:
        return flat.reshape(self.out_axes + self.in_axes)

    def form(self, tensor: numerics.Array, layout: str, count: int | None) -> numerics.Array | None:
        if count is None:
            return forms.to_form(tensor, self.out_axes, self.in_axes, layout)
        return forms.index_form(tensor, self.out_axes, self.in_axes, layout, count)

    def form_shape(self, layout: str, count: int | None) -> tuple[int, ...] | None:
        probe = np.zeros(self.out_axes + self.in_axes)
        shaped = self.form(probe, layout, count)
        return None if shaped is None else tuple(shaped.shape)

    def wrt_text(self) -> str:
        if len(self.wrt_shapes) > 1:
            total = sum(r * c for r, c in self.wrt_shapes)
            return f"the stacked vector of {', '.join(self.problem.wrt)} ({total} entries)"
        return messages.shape_text(self.wrt_shapes[0])


def expected_shape(problem: Problem) -> tuple[int, ...]:
    """The shape an answer to ``problem`` must have (the compact shape for compact ones)."""
    setup = ProblemSetup(problem)
    if setup.compact_shape is not None:
        return setup.compact_shape
    count = len(problem.indices) if problem.indices else None
    shape = setup.form_shape(setup.layouts[0], count)
    if shape is None:
        raise ProblemError("indices", "the number of indices does not fit the derivative")
    return shape
