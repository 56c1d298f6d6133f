"""Grade an answer against finite differences of the problem's function (DESIGN §5).

The steps: read the answer (an unreadable or ill-shaped answer is ``invalid`` and costs
no attempt); test its shape against the layout forms of DESIGN §4 (a wrong shape is
``incorrect`` at once, unless it is the other layout's shape, which the numbers then
decide); compare it entry by entry with the derivative at K >= 3 seeded instances that
cover every branch; confirm a failure on a second, nearby instance before calling it
``incorrect``; name the mistake (:mod:`app.grading.diagnosis`). ``correct`` needs every
entry verified on at least one instance; when the numbers cannot decide the verdict is
``undecided``, never ``incorrect``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import numpy as np

from app import mathlang
from app.grading import forms, messages, numerics
from app.grading.compare import Comparison, heatmap
from app.grading.diagnosis import diagnose
from app.grading.problem import Problem, ProblemError
from app.grading.result import GradeResult
from app.mathlang import MathError
from app.mathlang.declarations import parse_declaration

K = 3
EXTRA = 3
MAX_SET_ASIDE = 0.5
RESAMPLES = 4


class _Setup:
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
    setup = _Setup(problem)
    if setup.compact_shape is not None:
        return setup.compact_shape
    count = len(problem.indices) if problem.indices else None
    shape = setup.form_shape(setup.layouts[0], count)
    if shape is None:
        raise ProblemError("indices", "the number of indices does not fit the derivative")
    return shape


def grade(problem: Problem, answer: str, *, seed: int | None = None) -> dict[str, Any]:
    """The DESIGN §11 grade result of ``answer`` for ``problem`` (in this process)."""
    return grade_result(problem, answer, seed=seed).to_dict()


def grade_dict(data: dict[str, Any], answer: str, seed: int | None = None) -> dict[str, Any]:
    """Like :func:`grade` from a problem dict; a bad problem gives an ``invalid`` result."""
    try:
        problem = Problem.from_dict(data)
    except ProblemError as exc:
        return GradeResult.problem_error(str(exc), seed).to_dict()
    return grade(problem, answer, seed=seed)


def grade_result(problem: Problem, answer: str, *, seed: int | None = None) -> GradeResult:
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    try:
        setup = _Setup(problem)
    except ProblemError as exc:
        return GradeResult.problem_error(str(exc), seed)
    primary = setup.layouts[0]
    count = len(problem.indices) if problem.indices else None
    expected_shape = setup.form_shape(primary, count)
    if expected_shape is None:
        return GradeResult.problem_error(
            f"indices: {count} indices do not fit a derivative with axes "
            f"{list(setup.out_axes + setup.in_axes)}",
            seed,
        )
    full_shape = expected_shape
    if setup.compact_shape is not None:
        expected_shape = setup.compact_shape
    result = GradeResult(seed=seed, expected_shape=list(expected_shape))
    if not isinstance(answer, str) or not answer.strip():
        return result.invalid(MathError("syntax", "the answer is empty", 0))
    try:
        if setup.compact_shape is not None:
            typed = _check_answer(setup, answer, setup.compact_shape, None)
        else:
            typed = _check_answer(setup, answer, expected_shape, count)
    except MathError as exc:
        return result.invalid(exc)
    answer_shape = tuple(int(n) for n in typed.shape)
    result.answer_shape = list(answer_shape)
    if setup.compact_shape is not None:
        if answer_shape != setup.compact_shape:
            result.verdict = "incorrect"
            result.diagnosis = "wrong_shape"
            result.message = (
                f"Your answer is {messages.shape_text(answer_shape)}, but the compact form "
                f"here is {messages.shape_text(setup.compact_shape)}."
            )
            return result
        try:
            answer_fn = _compact_answer(setup, typed, full_shape)
        except MathError as exc:
            return GradeResult.problem_error(f"compact.expand: {exc.message}", seed)
        return _numeric(setup, answer_fn, result, [setup.layouts[0]], False, count, seed)
    matching = [lay for lay in setup.layouts if setup.form_shape(lay, count) == answer_shape]
    other_fits = setup.other is not None and setup.form_shape(setup.other, count) == answer_shape
    if not matching and not other_fits:
        result.verdict = "incorrect"
        result.diagnosis = "wrong_shape"
        result.message = messages.wrong_shape(
            answer_shape, expected_shape, setup.out_shape, setup.wrt_text(), problem.layout
        )
        return result
    return _numeric(setup, _answer_fn(typed), result, matching, other_fits, count, seed)


AnswerFn = Callable[[numerics.Instance], numerics.Array]


def _answer_fn(typed: mathlang.Typed) -> AnswerFn:
    def run(instance: numerics.Instance) -> numerics.Array:
        with np.errstate(all="ignore"):
            return np.asarray(mathlang.evaluate(typed, instance, finite=False), dtype=np.float64)

    return run


def _compact_answer(setup: _Setup, typed: mathlang.Typed, full: tuple[int, ...]) -> AnswerFn:
    """The full derivative implied by a compact answer: ``expand`` with the answer bound."""
    compact = setup.problem.compact
    indices = setup.problem.indices
    assert compact is not None and indices is not None and setup.compact_shape is not None
    shapes = dict(setup.shapes)
    shapes[compact["name"]] = setup.compact_shape
    expand = mathlang.check(
        mathlang.parse(compact["expand"]), shapes, indices=dict(zip(indices, full, strict=True))
    )
    inner = _answer_fn(typed)

    def run(instance: numerics.Instance) -> numerics.Array:
        values = dict(instance)
        values[compact["name"]] = inner(instance)
        with np.errstate(all="ignore"):
            return np.asarray(mathlang.evaluate(expand, values, finite=False), dtype=np.float64)

    return run


def _check_answer(
    setup: _Setup, answer: str, expected: tuple[int, ...], count: int | None
) -> mathlang.Typed:
    tree = mathlang.parse(answer)
    if count is not None and setup.problem.indices:
        sizes = dict(zip(setup.problem.indices, expected, strict=True))
        return mathlang.check(tree, setup.shapes, indices=sizes)
    hint = (int(expected[0]), int(expected[1])) if len(expected) == 2 else None
    try:
        return mathlang.check(tree, setup.shapes, expected=hint)
    except MathError as exc:
        if exc.kind != "shape" or hint is None:
            raise
        return mathlang.check(tree, setup.shapes)


class _Instances:
    """Draws instances and compares the answer at each."""

    def __init__(self, setup: _Setup, answer: AnswerFn, seed: int, count: int | None):
        self.setup = setup
        self.answer = answer
        self.count = count
        self.rng = np.random.default_rng(seed)
        self.used = 0
        self.measured: dict[int, numerics.Instance] = {}
        """The instance behind each measured comparison (by the id of its dict)."""

    def measure(
        self, instance: numerics.Instance, layouts: list[str]
    ) -> dict[str, Comparison] | None:
        setup = self.setup
        deriv = numerics.reference_derivative(
            setup.func, setup.sampler.sites, instance, setup.problem.wrt
        )
        if not deriv.finite:
            return None
        value = self.answer(instance)
        checked_flat = ~deriv.set_aside
        scale_flat = self._block_scale(deriv.values, checked_flat)
        out: dict[str, Comparison] = {}
        for layout in layouts:
            parts = [
                setup.form(setup.canonical(flat), layout, self.count)
                for flat in (deriv.values, deriv.error, checked_flat.astype(np.float64), scale_flat)
            ]
            expected, error, checked, scale = parts
            assert expected is not None and error is not None
            assert checked is not None and scale is not None
            out[layout] = Comparison(
                value.reshape(expected.shape), expected, error, checked > 0.5, scale
            )
        self.used += 1
        self.measured[id(out)] = instance
        return out

    def _block_scale(
        self, values: numerics.Array, checked: np.ndarray[Any, np.dtype[np.bool_]]
    ) -> numerics.Array:
        """Per entry, the largest checked |fd| among the columns of the same ``wrt``
        variable: the absolute part of the tolerance is relative to that block's scale."""
        magnitude = np.where(checked, np.abs(values), 0.0)
        scale = np.zeros_like(values)
        start = 0
        for rows, cols in self.setup.wrt_shapes:
            stop = start + rows * cols
            scale[:, start:stop] = float(magnitude[:, start:stop].max(initial=0.0))
            start = stop
        return scale

    def fresh(self, layouts: list[str]) -> dict[str, Comparison] | None:
        """A new instance, resampled while too many entries are set aside."""
        best: dict[str, Comparison] | None = None
        for _ in range(RESAMPLES):
            instance = self.setup.sampler.sample(1, self.rng)[0]
            comps = self.measure(instance, layouts)
            if comps is None:
                continue
            share = float(next(iter(comps.values())).checked.mean())
            if share >= 1 - MAX_SET_ASIDE:
                return comps
            best = comps if best is None else best
            if self.setup.all_pinned:
                break
        return best


def _numeric(
    setup: _Setup,
    typed: AnswerFn,
    result: GradeResult,
    matching: list[str],
    other_fits: bool,
    count: int | None,
    seed: int,
) -> GradeResult:
    layouts = list(matching) + ([setup.other] if other_fits and setup.other else [])
    runner = _Instances(setup, typed, seed, count)
    if setup.all_pinned:
        instances = [setup.sampler.draw(runner.rng)]
    else:
        instances = setup.sampler.sample(K, runner.rng)
    comparisons: list[dict[str, Comparison]] = []
    for instance in instances:
        comps = runner.measure(instance, layouts)
        if comps is None:
            comps = runner.fresh(layouts)
        if comps is not None:
            share = float(next(iter(comps.values())).checked.mean())
            if share < 1 - MAX_SET_ASIDE and not setup.all_pinned:
                comps = runner.fresh(layouts) or comps
            comparisons.append(comps)
    result.instances = len(comparisons)
    if not comparisons:
        return result.undecided("the function is not finite at the sampled points")
    for layout in matching:
        verdict = _passes(runner, comparisons, layout, instances)
        if verdict == "correct":
            result.verdict = "correct"
            result.layout = layout
            result.message = messages.correct(layout, setup.problem.layout)
            result.instances = runner.used
            return result
        if verdict == "undecided" and len(matching) == 1:
            result.instances = runner.used
            return result.undecided("some entries could not be checked away from a kink")
    result.instances = runner.used
    return _incorrect(setup, runner, comparisons, instances, result, matching, other_fits)


def _passes(
    runner: _Instances,
    comparisons: list[dict[str, Comparison]],
    layout: str,
    instances: list[numerics.Instance],
) -> str:
    """``correct`` when every instance passes and every entry was verified once."""
    if not all(c[layout].passed for c in comparisons):
        return "failed"
    verified = np.zeros(comparisons[0][layout].expected.shape, dtype=bool)
    for comps in comparisons:
        verified |= comps[layout].checked
    extra = 0
    while not verified.all() and extra < EXTRA and not runner.setup.all_pinned:
        more = runner.fresh([layout])
        extra += 1
        if more is None:
            continue
        if not more[layout].passed:
            comparisons.append(more)
            return "failed"
        verified |= more[layout].checked
    return "correct" if verified.all() else "undecided"


def _incorrect(
    setup: _Setup,
    runner: _Instances,
    comparisons: list[dict[str, Comparison]],
    instances: list[numerics.Instance],
    result: GradeResult,
    matching: list[str],
    other_fits: bool,
) -> GradeResult:
    layouts = list(matching) + ([setup.other] if other_fits and setup.other else [])
    primary = matching[0] if matching else None
    if primary is None:  # the shape of the other layout only
        assert setup.other is not None
        if all(c[setup.other].passed for c in comparisons):
            return _transposed(setup, result, comparisons)
        result.verdict = "incorrect"
        result.diagnosis = "wrong_shape"
        shape = tuple(result.expected_shape)
        result.message = messages.wrong_shape(
            tuple(result.answer_shape or ()),
            shape,
            setup.out_shape,
            setup.wrt_text(),
            setup.problem.layout,
        )
        return result
    failing = [c for c in comparisons if not c[primary].passed]
    if all(c[primary].marginal() for c in failing) and not setup.all_pinned:
        return result.undecided("the answer misses only by about the finite-difference error")
    if not setup.all_pinned:  # confirm on a nearby instance (same branches)
        first_failing = next(c for c in comparisons if not c[primary].passed)
        base = runner.measured.get(id(first_failing))
        if base is not None:
            near = numerics.jitter(base, setup.declarations, setup.pinned, runner.rng)
            confirm = runner.measure(near, layouts)
            if confirm is not None and confirm[primary].passed:
                return result.undecided("a failure at one instance was not confirmed nearby")
            if confirm is not None:
                comparisons.append(confirm)
    result.instances = runner.used
    if other_fits and setup.other and all(c[setup.other].passed for c in comparisons):
        return _transposed(setup, result, comparisons)
    diag = diagnose(
        [c[primary] for c in comparisons],
        other_forms=None,
        sizes=_size_names(setup),
        piecewise=bool(setup.sampler.sites),
        axis_names=setup.problem.indices,
    )
    result.verdict = "incorrect"
    result.diagnosis = diag.kind
    result.factor = diag.factor
    result.factor_text = diag.factor_text
    result.wrong_entries = diag.wrong_entries
    result.description = diag.description
    result.heatmap = diag.heatmap
    result.message = messages.diagnosis_message(diag)
    return result


def _transposed(
    setup: _Setup, result: GradeResult, comparisons: list[dict[str, Comparison]]
) -> GradeResult:
    assert setup.other is not None
    result.verdict = "incorrect"
    result.diagnosis = "transposed"
    result.layout = setup.other
    if setup.problem.layout in matching_layouts(comparisons):
        first = comparisons[0][setup.problem.layout]
        result.heatmap = heatmap(first.answer, first.expected)
    result.message = messages.transposed(setup.problem.layout, setup.other)
    return result


def matching_layouts(comparisons: list[dict[str, Comparison]]) -> set[str]:
    return set(comparisons[0]) if comparisons else set()


def _size_names(setup: _Setup) -> dict[str, int]:
    """Names for the problem's sizes, used to speak of a factor such as 1/N."""
    names: dict[str, int] = dict(setup.problem.sizes or {})
    for name, (rows, cols) in setup.shapes.items():
        if rows > 1:
            names.setdefault(f"the number of rows of {name}", rows)
        if cols > 1:
            names.setdefault(f"the number of columns of {name}", cols)
    return names
