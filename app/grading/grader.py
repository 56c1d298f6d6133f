"""Grade an answer against finite differences of the problem's function (DESIGN §5).

The steps: read the answer (an unreadable or ill-shaped answer is ``invalid`` and costs
no attempt); test its shape against the layout forms of DESIGN §4 (a wrong shape is
``incorrect`` at once, unless it is the other layout's shape, which the numbers then
decide); compare it entry by entry with the derivative at K >= 3 seeded instances that
cover every branch; confirm a failure on a second, nearby instance before calling it
``incorrect``; name the mistake (:mod:`app.grading.diagnosis`). ``correct`` needs every
entry verified on at least one instance; when the numbers cannot decide the verdict is
``undecided``, never ``incorrect``.

The numbers themselves (instances, the reference derivative with its kink tests, the
layout forms) come from :mod:`app.calculus`; this package compares, decides and explains.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from app import mathlang
from app.calculus.layouts import Layout
from app.grading import messages, misconceptions
from app.grading.compare import Comparison, heatmap
from app.grading.diagnosis import Diagnosis, diagnose
from app.grading.function_context import context_of, suggested_factor
from app.grading.measure import (
    MAX_SET_ASIDE,
    AnswerFn,
    Instance,
    Instances,
    answer_function,
    compact_answer_function,
)
from app.grading.problem import Problem, ProblemError
from app.grading.result import GradeResult
from app.grading.setup import ProblemSetup, setup_for
from app.mathlang import MathError
from app.mathlang.ast import Name, walk

log = logging.getLogger("jtutor.grading")

K = 3
EXTRA = 3


def grade(problem: Problem, answer: str, *, seed: int | None = None) -> dict[str, Any]:
    """The DESIGN §11 grade result of ``answer`` for ``problem`` (in this process)."""
    return grade_result(problem, answer, seed=seed).to_dict()


def grade_dict(data: dict[str, Any], answer: str, seed: int | None = None) -> dict[str, Any]:
    """Like :func:`grade` from a problem dict; a bad problem gives an ``invalid`` result."""
    try:
        problem = Problem.from_dict(data)
    except ProblemError as exc:
        return GradeResult.problem_error(str(exc), seed, exc.kind).to_dict()
    return grade(problem, answer, seed=seed)


def grade_result(problem: Problem, answer: str, *, seed: int | None = None) -> GradeResult:
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    try:
        setup = setup_for(problem)
    except ProblemError as exc:
        return GradeResult.problem_error(str(exc), seed, exc.kind)
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
    if setup.compact_shape is None:
        graded = _grade_typed(setup, result, typed, expected_shape, count, seed)
        if (
            graded.diagnosis == "wrong_shape"
            and count is not None
            and answer_shape != expected_shape
        ):
            # Bound in another layout's index order the answer is the wrong shape; read
            # in the expected order, with an index running over fewer positions than
            # it indexes, it is a readable tensor of the right shape: grade that.
            partial = _partial_index_form(setup, answer, expected_shape)
            if partial is not None:
                again = GradeResult(seed=seed, expected_shape=list(expected_shape))
                again.answer_shape = list(expected_shape)
                return _grade_typed(setup, again, partial, expected_shape, count, seed)
        return graded
    if answer_shape != setup.compact_shape:
        result.verdict = "incorrect"
        result.diagnosis = "wrong_shape"
        result.message = (
            f"Your answer is {messages.shape_text(answer_shape)}, but the compact form "
            f"here is {messages.shape_text(setup.compact_shape)}."
        )
        return result
    try:
        answer_fn = compact_answer_function(setup, typed, full_shape)
    except MathError as exc:
        return GradeResult.problem_error(f"compact.expand: {exc.message}", seed)
    primary_only = [setup.layouts[0]]
    return _guarded(
        result, lambda: _numeric(setup, answer_fn, result, primary_only, False, count, seed)
    )


def _grade_typed(
    setup: ProblemSetup,
    result: GradeResult,
    typed: mathlang.Typed,
    expected_shape: tuple[int, ...],
    count: int | None,
    seed: int,
) -> GradeResult:
    """Grade a read answer that is not in compact form: its shape, then its numbers."""
    answer_shape = tuple(int(n) for n in typed.shape)
    matching = [lay for lay in setup.layouts if setup.form_shape(lay, count) == answer_shape]
    other_fits = setup.other is not None and setup.form_shape(setup.other, count) == answer_shape
    if not matching and not other_fits:
        result.verdict = "incorrect"
        result.diagnosis = "wrong_shape"
        result.message = messages.wrong_shape(
            answer_shape, expected_shape, setup.out_shape, setup.wrt_text(), setup.problem.layout
        )
        _name_diagonal(setup, result, answer_function(typed), seed, count)
        return result
    answer_fn = answer_function(typed)
    return _guarded(
        result, lambda: _numeric(setup, answer_fn, result, matching, other_fits, count, seed)
    )


def _partial_index_form(
    setup: ProblemSetup, answer: str, expected: tuple[int, ...]
) -> mathlang.Typed | None:
    """The index-form answer read in the expected index order, indices allowed to run over
    fewer positions than they index; None when it cannot be read so."""
    sizes = dict(zip(setup.problem.indices or [], expected, strict=True))
    try:
        return mathlang.check(_parsed(answer), setup.shapes, indices=sizes, partial_indices=True)
    except MathError:
        return None


def _guarded(result: GradeResult, numeric: Callable[[], GradeResult]) -> GradeResult:
    """The numeric part; a limit met while evaluating the answer makes it ``invalid``."""
    try:
        return numeric()
    except MathError as exc:
        return result.invalid(exc)


def _check_answer(
    setup: ProblemSetup, answer: str, expected: tuple[int, ...], count: int | None
) -> mathlang.Typed:
    if count is not None and setup.problem.indices:
        return _check_index_form(setup, _parsed(answer), expected, count)
    hint = (int(expected[0]), int(expected[1])) if len(expected) == 2 else None
    return _checked(answer, tuple(sorted(setup.shapes.items())), hint)


@functools.lru_cache(maxsize=2048)
def _parsed(answer: str) -> mathlang.Node:
    """The answer's tree, kept: a class submits the same few answers again and again, and
    trees are never changed once built. (A syntax error is raised again each time.)"""
    return mathlang.parse(answer)


@functools.lru_cache(maxsize=2048)
def _checked(
    answer: str, shapes: tuple[tuple[str, tuple[int, int]], ...], hint: tuple[int, int] | None
) -> mathlang.Typed:
    """The typed answer for these declarations, kept like :func:`_parsed`."""
    tree = _parsed(answer)
    try:
        return mathlang.check(tree, dict(shapes), expected=hint)
    except MathError as exc:
        if exc.kind != "shape" or hint is None:
            raise
        return mathlang.check(tree, dict(shapes))


def _check_index_form(
    setup: ProblemSetup, tree: mathlang.Node, expected: tuple[int, ...], count: int
) -> mathlang.Typed:
    """Type an index-form answer, binding its indices to the sizes of the expected layout
    first and then of the other layouts: an answer written in the other index order
    (``--layout any``, or the transposed mistake) must be graded, not refused as ill-shaped."""
    candidates = [expected]
    for layout in [*setup.layouts, setup.other]:
        shape = None if layout is None else setup.form_shape(layout, count)
        if shape is not None and shape not in candidates:
            candidates.append(shape)
    first: MathError | None = None
    for shape in candidates:
        sizes = dict(zip(setup.problem.indices or [], shape, strict=True))
        try:
            return mathlang.check(tree, setup.shapes, indices=sizes)
        except MathError as exc:
            if exc.kind != "shape":
                raise
            first = first or exc
    # No layout's index ranges fit every position exactly: an index that runs over fewer
    # positions than it indexes (x[j] with j in 1..3, x of 4 entries) still reads a
    # definite tensor of the expected shape, which the numbers grade (wrong, as a rule).
    sizes = dict(zip(setup.problem.indices or [], expected, strict=True))
    try:
        return mathlang.check(tree, setup.shapes, indices=sizes, partial_indices=True)
    except MathError as exc:
        if exc.kind != "shape":
            raise
    assert first is not None
    raise first


def _numeric(
    setup: ProblemSetup,
    typed: AnswerFn,
    result: GradeResult,
    matching: list[Layout],
    other_fits: bool,
    count: int | None,
    seed: int,
) -> GradeResult:
    layouts = list(matching) + ([setup.other] if other_fits and setup.other else [])
    runner = Instances(setup, typed, seed, count)
    instances = runner.draw(K)
    comparisons: list[dict[Layout, Comparison]] = []
    for comps in runner.measure_all(instances, layouts):
        if comps is None:
            comps = runner.fresh(layouts)
        if comps is not None:
            share = float(next(iter(comps.values())).verified.mean())
            if share < 1 - MAX_SET_ASIDE and not setup.all_pinned:
                if not all(c.passed for c in comps.values()):
                    # A clear failure is evidence, however few entries it resolves: a
                    # wrong answer must not pass by having its failing instance replaced.
                    comparisons.append(comps)
                comps = runner.fresh(layouts) or comps
            comparisons.append(comps)
    result.instances = len(comparisons)
    if not comparisons:
        return result.undecided("the function is not finite at the sampled points")
    undecided: str | None = None
    for layout in matching:
        verdict = _passes(runner, comparisons, layout, instances)
        if verdict == "correct":
            result.verdict = "correct"
            result.layout = layout
            result.message = messages.correct(layout, setup.problem.layout)
            result.instances = runner.used
            return result
        if verdict == "undecided" and undecided is None:
            undecided = _unverified_reason(comparisons, layout)
    result.instances = runner.used
    if undecided is not None:
        # An answer that fits one accepted layout wherever the numbers can tell is never
        # called wrong because it misses another layout.
        return result.undecided(undecided)
    return _incorrect(setup, runner, comparisons, instances, result, matching, other_fits)


def _passes(
    runner: Instances,
    comparisons: list[dict[Layout, Comparison]],
    layout: Layout,
    instances: list[Instance],
) -> str:
    """``correct`` when every instance passes and every entry was verified once."""
    if not all(c[layout].passed for c in comparisons):
        return "failed"
    verified = np.zeros(comparisons[0][layout].expected.shape, dtype=bool)
    for comps in comparisons:
        verified |= comps[layout].verified
    extra = 0
    while not verified.all() and extra < EXTRA and not runner.setup.all_pinned:
        more = runner.fresh(list(comparisons[0]))  # every layout: the list is shared
        extra += 1
        if more is None:
            continue
        if not more[layout].passed:
            comparisons.append(more)
            return "failed"
        comparisons.append(more)
        verified |= more[layout].verified
    return "correct" if verified.all() else "undecided"


def _unverified_reason(comparisons: list[dict[Layout, Comparison]], layout: Layout) -> str:
    """Why some entries were never verified: a kink next to them, or numbers that cannot
    resolve them (the finite-difference error is not small against the tolerance)."""
    unresolved = np.zeros(comparisons[0][layout].expected.shape, dtype=bool)
    verified = np.zeros_like(unresolved)
    for comps in comparisons:
        comp = comps[layout]
        verified |= comp.verified
        unresolved |= comp.checked & ~comp.verified
    if np.any(unresolved & ~verified):
        return messages.UNRESOLVED
    return "some entries could not be checked away from a kink"


def _incorrect(
    setup: ProblemSetup,
    runner: Instances,
    comparisons: list[dict[Layout, Comparison]],
    instances: list[Instance],
    result: GradeResult,
    matching: list[Layout],
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
        _name_misconception(setup, runner, comparisons, [setup.other], result)
        return result
    failing = [c for c in comparisons if not c[primary].passed]
    if all(c[primary].marginal() for c in failing) and not setup.all_pinned:
        return result.undecided("the answer misses only by about the finite-difference error")
    if not setup.all_pinned:  # confirm on a nearby instance (same branches)
        first_failing = next(c for c in comparisons if not c[primary].passed)
        base = runner.measured.get(id(first_failing))
        if base is not None:
            near = setup.sampler.near(base, runner.rng)
            confirm = runner.measure(near, layouts)
            if confirm is not None and confirm[primary].passed:
                return result.undecided("a failure at one instance was not confirmed nearby")
            if confirm is not None:
                comparisons.append(confirm)
    result.instances = runner.used
    if other_fits and setup.other and all(c[setup.other].passed for c in comparisons):
        return _transposed(setup, result, comparisons)
    context = context_of(setup.typed.node)
    diag = _diagnose_layouts(setup, comparisons, matching)
    suggested = suggested_factor(context, diag.factor) if diag.kind == "scaled" else None
    if suggested is not None:  # 3 from the function's "3 W x", not "the rows of W = 3"
        diag = replace(diag, factor_text=suggested)
    result.verdict = "incorrect"
    result.diagnosis = diag.kind
    result.factor = diag.factor
    result.factor_text = diag.factor_text
    result.wrong_entries = diag.wrong_entries
    result.description = diag.description
    result.heatmap = diag.heatmap
    result.message = messages.diagnosis_message(diag, context)
    _name_misconception(setup, runner, comparisons, matching, result)
    return result


def _name_misconception(
    setup: ProblemSetup,
    runner: Instances,
    comparisons: list[dict[Layout, Comparison]],
    layouts: list[Layout],
    result: GradeResult,
) -> None:
    """The exercise's own listed mistakes first, then the buggy-rule catalogue, compared in
    the layout forms the answer's shape has. Naming is an explanation on top of the
    verdict: whatever goes wrong in it leaves the verdict and diagnosis as they are."""
    measured = [(runner.measured[id(c)], c) for c in comparisons if id(c) in runner.measured]
    try:
        # A sign or a constant factor is a slip the diagnosis names with a hint that fits the
        # function; a buggy rule that also gives c times the derivative (stopping the chain
        # at y - x) cannot be told from that slip, so only the author's own list names it.
        # A power-rule slip (x for x .* x) is that factor's own cause: it is still named.
        only = misconceptions.SCALED_IDS if result.diagnosis == "scaled" else None
        found = (
            None
            if result.diagnosis == "sign"
            else misconceptions.match(setup, measured, layouts, runner.count, only)
        )
        mistakes = _mistake_functions(setup, runner.count)
        own = misconceptions.listed(setup, mistakes, measured, layouts)
        if own is not None:  # the author's feedback first; the engine's step when it agrees
            agrees = found.candidate if found is not None and found.id == own.id else None
            found = misconceptions.Found(own.id, own.message, agrees)
        result.misconception = misconceptions.named(setup, found)
    except Exception:  # an explanation must never cost the grade
        log.exception("naming a misconception failed")
        result.misconception = None


def _mistake_functions(
    setup: ProblemSetup, count: int | None
) -> list[tuple[dict[str, str], AnswerFn]]:
    """The exercise's listed mistakes as answer functions (one that does not read is skipped:
    ``jtutor check`` reports it)."""
    out: list[tuple[dict[str, str], AnswerFn]] = []
    for mistake in setup.problem.mistakes or []:
        try:
            if setup.compact_shape is not None:
                typed = _check_answer(setup, mistake["answer"], setup.compact_shape, None)
                full = setup.form_shape(setup.layouts[0], count)
                assert full is not None
                out.append((mistake, compact_answer_function(setup, typed, full)))
            else:
                shape = setup.form_shape(setup.layouts[0], count)
                assert shape is not None
                typed = _check_answer(setup, mistake["answer"], shape, count)
                out.append((mistake, answer_function(typed)))
        except MathError:
            continue
    return out


def _name_diagonal(
    setup: ProblemSetup, result: GradeResult, answer: AnswerFn, seed: int, count: int | None
) -> None:
    """A wrong shape may still be a named misconception: the diagonal kept as a vector."""
    try:
        found = misconceptions.diagonal_as_vector(setup, answer, seed, count)
        if found is None and result.answer_shape is not None:
            shape = tuple(result.answer_shape)
            found = misconceptions.stopped_chain(setup, answer, shape, seed)
        result.misconception = misconceptions.named(setup, found)
    except Exception:  # an explanation must never cost the grade
        log.exception("naming a misconception failed")
        result.misconception = None


def _diagnose_layouts(
    setup: ProblemSetup, comparisons: list[dict[Layout, Comparison]], matching: list[Layout]
) -> Diagnosis:
    """The diagnosis against every layout the exercise accepts: ``-W^T`` under ``any`` is
    the negative of the denominator form, and must be called a sign error even though the
    numerator form (tried first) sees every entry wrong."""
    diagnoses = [
        diagnose(
            [c[layout] for c in comparisons],
            other_forms=None,
            sizes=_size_names(setup),
            piecewise=bool(setup.sites),
            axis_names=setup.problem.indices,
        )
        for layout in matching
    ]
    named = [d for d in diagnoses if d.kind in ("sign", "scaled")]
    if named:
        return named[0]
    return min(diagnoses, key=lambda d: len(d.wrong_entries) if d.wrong_entries else 10**9)


def _transposed(
    setup: ProblemSetup, result: GradeResult, comparisons: list[dict[Layout, Comparison]]
) -> GradeResult:
    assert setup.other is not None
    result.verdict = "incorrect"
    result.diagnosis = "transposed"
    result.layout = setup.other
    asked = setup.layouts[0]  # a problem with an "other" layout asks for one layout
    if asked in matching_layouts(comparisons):
        first = comparisons[0][asked]
        result.heatmap = heatmap(first.answer, first.expected)
    result.message = messages.transposed(setup.problem.layout, setup.other)
    try:  # for a linear map the other layout is the matrix read off the formula as it stands
        result.misconception = misconceptions.named(setup, misconceptions.linear_map(setup))
    except Exception:  # an explanation must never cost the grade
        log.exception("naming a misconception failed")
        result.misconception = None
    return result


def matching_layouts(comparisons: list[dict[Layout, Comparison]]) -> set[Layout]:
    return set(comparisons[0]) if comparisons else set()


def _size_names(setup: ProblemSetup) -> dict[str, int]:
    """Names for the problem's sizes, used to speak of a factor such as 1/N.

    Only variables of the function count: a factor 3 must not be blamed on the rows of
    a matrix that the function does not even use."""
    names: dict[str, int] = dict(setup.problem.sizes or {})
    used = {node.name for node in walk(setup.typed.node) if isinstance(node, Name)}
    for name, (rows, cols) in setup.shapes.items():
        if name not in used:
            continue
        if rows > 1:
            names.setdefault(f"the number of rows of {name}", rows)
        if cols > 1:
            names.setdefault(f"the number of columns of {name}", cols)
    return names
