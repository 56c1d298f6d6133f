"""Naming the misconception behind a wrong answer, by numbers only (DESIGN §11).

The candidates of :mod:`app.calculus.buggy.candidates` are evaluated at the very
instances the answer was graded on, arranged in the same layout form, and compared with
the answer under the reference's own tolerance (:class:`~app.grading.compare.Comparison`,
with the reference's error estimate, kink mask and scale). A misconception is named only
when a candidate matches on every instance and differs from the right derivative on at
least one: a wrong attribution is worse than none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from app.calculus.buggy.candidates import Analysis, Candidate, analyse, linear_in
from app.calculus.buggy.steps import diverging_step
from app.calculus.buggy.tangents import Forward
from app.calculus.buggy.values import NoTangent
from app.calculus.layouts import Layout, other_layout, to_layout, value_axes
from app.calculus.reference import reference_derivative
from app.grading import misconception_text
from app.grading.compare import Comparison
from app.grading.measure import expand_compact
from app.grading.setup import ProblemSetup
from app.mathlang import MathError
from app.mathlang.ast import Name

Array = npt.NDArray[np.float64]
Instance = dict[str, Array]


@dataclass(frozen=True)
class Found:
    id: str
    message: str
    candidate: Candidate | None = None

    def to_dict(self, step: int | None) -> dict[str, Any]:
        return {"id": self.id, "message": self.message, "step": step}


def analysis(setup: ProblemSetup) -> Analysis | None:
    return analyse(setup.problem.function, setup.shapes, setup.problem.wrt)


def _forward(setup: ProblemSetup, found: Analysis, instance: Instance) -> Forward:
    return Forward(found.typed, instance, setup.problem.wrt, setup.wrt_shapes)


def _form(setup: ProblemSetup, flat: Array, layout: Layout, count: int | None) -> Array | None:
    return setup.form(setup.canonical(flat), layout, count)


def _agrees(comp: Comparison, answer: Array, expected: Array) -> bool:
    return Comparison(answer, expected, comp.error, comp.checked, comp.scale).passed


SCALED_IDS = frozenset({"power_rule"})
"""Misconceptions named even when the answer is a constant times the derivative: the
exponent not brought down (``x`` for ``x .* x``) is that slip's own cause."""


def match(
    setup: ProblemSetup,
    measured: Sequence[tuple[Instance, dict[Layout, Comparison]]],
    layouts: Sequence[Layout],
    count: int | None,
    only: frozenset[str] | None = None,
) -> Found | None:
    """The first catalogue candidate the answer matches at every measured instance
    (among the ids in ``only``, when given)."""
    found = analysis(setup)
    if found is None or not found.candidates or not measured:
        return None
    forwards = []
    rights = []
    try:
        with np.errstate(all="ignore"):
            for instance, _ in measured:
                forward = _forward(setup, found, instance)
                forwards.append(forward)
                rights.append(forward.jacobian(None))
    except (NoTangent, MathError, ValueError, KeyError, np.linalg.LinAlgError):
        return None
    for cand in found.candidates:
        if cand.slip.kind == "stop_chain_resized":
            continue  # another shape than the derivative's: see stopped_chain
        if only is not None and cand.id not in only:
            continue
        if _matches(setup, cand, forwards, rights, measured, layouts, count):
            return Found(cand.id, misconception_text.message(cand, setup), cand)
    return None


def _matches(
    setup: ProblemSetup,
    cand: Candidate,
    forwards: list[Forward],
    rights: list[Array],
    measured: Sequence[tuple[Instance, dict[Layout, Comparison]]],
    layouts: Sequence[Layout],
    count: int | None,
) -> bool:
    for layout in layouts:
        differs = False
        ok = True
        for fw, right, (_, comps) in zip(forwards, rights, measured, strict=True):
            comp = comps.get(layout)
            if comp is None:
                ok = False
                break
            try:
                with np.errstate(all="ignore"):
                    form = _candidate_form(setup, cand, fw, layout, count)
            except (NoTangent, MathError, ValueError, np.linalg.LinAlgError):
                return False
            if form is None or form.shape != comp.expected.shape or not np.all(np.isfinite(form)):
                ok = False
                break
            if not _agrees(comp, comp.answer, form):
                ok = False
                break
            if not _agrees(comp, form, comp.expected) and not _whole_transpose(
                setup, form, right, layout, count, comp
            ):
                differs = True
        if ok and differs:
            return True
    return False


def _candidate_form(
    setup: ProblemSetup, cand: Candidate, fw: Forward, layout: Layout, count: int | None
) -> Array | None:
    """The candidate's derivative at ``fw``'s instance in the form the answer is compared
    in (``None`` when it has no such form)."""
    if cand.slip.kind != "swap_variable":
        return _form(setup, fw.jacobian(cand.slip), layout, count)
    assert isinstance(cand.node, Name)
    name = cand.node.name
    shape = setup.shapes[name]
    flat = Forward(fw.typed, fw.values, [name], [shape]).jacobian(None)
    if setup.compact_shape is None:
        if shape != setup.wrt_shapes[0]:
            return None
        return _form(setup, flat, layout, count)
    # A compact answer: the derivative by the other variable is read as the compact
    # matrix and expanded as the learner's would be (G = W for d(Wx)/dW: that is d(Wx)/dx).
    canonical = flat.reshape(value_axes(setup.out_shape) + value_axes(shape))
    matrix = to_layout(canonical, setup.out_shape, [shape], layout)
    if tuple(matrix.shape) != setup.compact_shape:
        return None
    return expand_compact(setup, matrix, dict(fw.values), count)


def _whole_transpose(
    setup: ProblemSetup,
    form: Array,
    right: Array,
    layout: Layout,
    count: int | None,
    comp: Comparison,
) -> bool:
    """The candidate is the right answer in the other layout: that is ``transposed``."""
    other = _form(setup, right, other_layout(layout), count)
    if other is None or other.shape != form.shape:
        return False
    return _agrees(comp, form, other)


def linear_map(setup: ProblemSetup) -> Found | None:
    """An answer in the other layout, for a function linear in the variable: the
    Jacobian's matrix read off the formula the other way round (``W`` for ``x W`` in
    numerator layout, where the Jacobian is ``Wᵀ``)."""
    found = analysis(setup)
    if (
        found is None
        or len(setup.problem.wrt) != 1
        or not linear_in(found.typed, setup.problem.wrt)
    ):
        return None
    return Found("linear_map_transposed", misconception_text.linear_map(setup))


def diagonal_as_vector(
    setup: ProblemSetup, answer: Any, seed: int, count: int | None, k: int = 3
) -> Found | None:
    """A vector answer that equals the diagonal of a diagonal square Jacobian."""
    if count is not None or setup.compact_shape is not None:
        return None
    layout = setup.layouts[0]
    shape = setup.form_shape(layout, count)
    if shape is None or len(shape) != 2 or shape[0] != shape[1] or shape[0] < 2:
        return None
    n = shape[0]
    rng = np.random.default_rng(seed)
    instances = setup.sampler.sample(k, rng) if not setup.all_pinned else [setup.sampler.draw(rng)]
    for instance in instances:
        deriv = reference_derivative(
            setup.func, setup.sites, instance, setup.problem.wrt, setup.rounding
        )
        if not deriv.finite:
            return None
        parts = [deriv.values, deriv.error, (~deriv.set_aside).astype(np.float64)]
        forms = [_form(setup, p, layout, None) for p in parts]
        if any(f is None for f in forms):
            return None
        expected, error, checked_f = (np.asarray(f) for f in forms)
        checked = checked_f > 0.5
        value = np.asarray(answer(instance), dtype=np.float64).reshape(-1)
        if value.size != n:
            return None
        scale = np.full(expected.shape, float(np.abs(expected[checked]).max(initial=0.0)))
        comp = Comparison(np.diag(value), expected, error, checked, scale)
        if not comp.passed:
            return None
    return Found("diagonal_as_vector", misconception_text.diagonal(setup, n))


@lru_cache(maxsize=256)
def _titles(
    function: str, variables: tuple[tuple[str, str], ...], wrt: tuple[str, ...], layout: str
) -> tuple[str, ...]:
    from app.calculus.derivation.engine import derive

    try:
        derivation = derive(function, dict(variables), list(wrt), layout)
    except Exception:  # outside the engine's rules there is no step to point at
        return ()
    return tuple(step.title for step in derivation.steps)


def step_of(setup: ProblemSetup, found: Found) -> int | None:
    """The worked derivation's step where the learner's path leaves the right one."""
    problem = setup.problem
    result = analysis(setup)
    variables = tuple(sorted((n, spec.split(":")[0]) for n, spec in problem.variables.items()))
    if found.id in TITLED_STEPS:  # a slip in the arrangement or the entry, not at one site
        titles = _titles(problem.function, variables, tuple(problem.wrt), problem.layout)
        starts = TITLED_STEPS[found.id]
        return next((i for i, title in enumerate(titles) if title.startswith(starts)), None)
    if found.candidate is None or result is None:
        return None
    titles = _titles(problem.function, variables, tuple(problem.wrt), problem.layout)
    return diverging_step(titles, result, found.candidate, problem.wrt, list(problem.variables))


TITLED_STEPS: dict[str, str] = {
    "linear_map_transposed": "Result (",
    "dropped_kronecker_delta": "Differentiate the entry",
    "constant_treated_as_variable": "Differentiate the entry",
}
"""Misconceptions whose step is found by the derivation's step title: the layout is chosen
in the result step; the variable's own derivative (its deltas, which variable) is taken
where one entry is differentiated."""


def named(setup: ProblemSetup, found: Found | None) -> dict[str, Any] | None:
    return None if found is None else found.to_dict(step_of(setup, found))


def listed(
    setup: ProblemSetup,
    mistakes: Sequence[tuple[dict[str, str], Any]],
    measured: Sequence[tuple[Instance, dict[Layout, Comparison]]],
    layouts: Sequence[Layout],
) -> Found | None:
    """The first of the exercise's own mistakes that the answer equals at every instance.

    ``mistakes`` pairs each listed mistake with its answer function (the same evaluation
    as a learner's answer); the listed answer's values play the reference's part."""
    for mistake, fn in mistakes:
        for layout in layouts:
            ok = bool(measured)
            for instance, comps in measured:
                comp = comps.get(layout)
                if comp is None:
                    ok = False
                    break
                with np.errstate(all="ignore"):
                    values = np.asarray(fn(instance), dtype=np.float64)
                if values.size != comp.expected.size:
                    ok = False
                    break
                if not _agrees(comp, comp.answer, values.reshape(comp.expected.shape)):
                    ok = False
                    break
            if ok:
                key = mistake.get("misconception") or "listed_mistake"
                return Found(key, mistake["feedback"])
    return None


def stopped_chain(
    setup: ProblemSetup, answer: Any, answer_shape: tuple[int, ...], seed: int, k: int = 3
) -> Found | None:
    """A wrong-shaped answer that is the derivative with respect to an inner expression
    (2(Xw - y)ᵀ for ‖Xw - y‖² by w, X not square): the chain rule stopped at the outer
    function. Compared exactly, on ``k`` instances, in the layouts the problem accepts."""
    if setup.problem.indices or setup.compact_shape is not None or setup.all_pinned:
        return None
    found = analysis(setup)
    if found is None:
        return None
    cands = [c for c in found.candidates if c.slip.kind == "stop_chain_resized"]
    if not cands:
        return None
    instances = setup.sampler.sample(k, np.random.default_rng(seed))
    with np.errstate(all="ignore"):
        forwards = [_forward(setup, found, instance) for instance in instances]
        values = [np.asarray(answer(instance), dtype=np.float64) for instance in instances]
    for cand in cands:
        for layout in setup.layouts:
            if _stopped_here(setup, cand, forwards, values, layout, answer_shape):
                return Found(cand.id, misconception_text.message(cand, setup), cand)
    return None


def _stopped_here(
    setup: ProblemSetup,
    cand: Candidate,
    forwards: list[Forward],
    values: list[Array],
    layout: Layout,
    answer_shape: tuple[int, ...],
) -> bool:
    signal = False
    for fw, value in zip(forwards, values, strict=True):
        with np.errstate(all="ignore"):
            flat, shape = fw.by_node(cand.slip.site)
        canonical = flat.reshape(value_axes(setup.out_shape) + value_axes(shape))
        form = to_layout(canonical, setup.out_shape, [shape], layout)
        if tuple(form.shape) != tuple(answer_shape) or value.size != form.size:
            return False
        if not np.all(np.isfinite(form)):
            return False
        scale = float(np.abs(form).max(initial=0.0))
        signal = signal or scale > 0.0
        checked = np.ones(form.shape, dtype=bool)
        comp = Comparison(
            value.reshape(form.shape),
            form,
            np.zeros(form.shape),
            checked,
            np.full(form.shape, scale),
        )
        if not comp.passed:
            return False
    return signal
