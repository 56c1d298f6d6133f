"""Measuring an answer at instances: the finite-difference derivative in the layout forms
the answer may take, side by side with the answer's own values (DESIGN §5).

An instance with too many entries set aside by the kink tests is resampled; each
comparison remembers its instance so that a failure can be confirmed next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus.layouts import Layout
from app.calculus.reference import Reference, References, reference_derivative, reference_stack
from app.grading.compare import Comparison, compare_many
from app.grading.setup import ProblemSetup
from app.mathlang.rounding import rounding_noise, rounding_noise_each

MAX_SET_ASIDE = 0.5
RESAMPLES = 4
BLOCK_FLOOR = 1e-12
"""A block's scale is at least this fraction of the whole derivative's: a block whose
derivative vanishes (d(y^8)/dy at 0) is still resolved where its error estimate is far
below anything an answer could be wrong by, while a block truly 1e-16 of the rest keeps
its own scale for errors above 1e-20 of the whole."""

Array = npt.NDArray[np.float64]
Instance = dict[str, Array]
AnswerFn = Callable[[Instance], Array]


ANSWER_NOISE = 2.0
"""An answer's own rounding noise, in units of what :func:`rounding_noise` measures, is
added to the error of the entries it is compared with (see ``Instances._compare``)."""


class _Answer:
    """A typed answer as a function of an instance, and its own rounding noise there."""

    def __init__(self, typed: mathlang.Typed) -> None:
        self.typed = typed

    def __call__(self, instance: Instance) -> Array:
        with np.errstate(all="ignore"):
            return np.asarray(
                mathlang.evaluate(self.typed, instance, finite=False), dtype=np.float64
            )

    def noise(self, instance: Instance) -> Array:
        return rounding_noise(self.typed, instance)

    def noise_each(self, instances: list[Instance]) -> list[Array]:
        """:meth:`noise` at each instance, measured together."""
        return rounding_noise_each(self.typed, instances)


def answer_function(typed: mathlang.Typed) -> AnswerFn:
    return _Answer(typed)


def expand_compact(
    setup: ProblemSetup, matrix: Array, instance: Instance, count: int | None
) -> Array:
    """The full derivative that the compact matrix ``matrix`` stands for at ``instance``."""
    compact = setup.problem.compact
    indices = setup.problem.indices
    assert compact is not None and indices is not None and setup.compact_shape is not None
    full = setup.form_shape(setup.layouts[0], count or len(indices))
    assert full is not None
    shapes = dict(setup.shapes)
    shapes[compact["name"]] = setup.compact_shape
    expand = mathlang.check(
        mathlang.parse(compact["expand"]), shapes, indices=dict(zip(indices, full, strict=True))
    )
    values = dict(instance)
    values[compact["name"]] = matrix
    with np.errstate(all="ignore"):
        return np.asarray(mathlang.evaluate(expand, values, finite=False), dtype=np.float64)


def compact_answer_function(
    setup: ProblemSetup, typed: mathlang.Typed, full: tuple[int, ...]
) -> AnswerFn:
    """The full derivative implied by a compact answer: ``expand`` with the answer bound."""
    compact = setup.problem.compact
    indices = setup.problem.indices
    assert compact is not None and indices is not None and setup.compact_shape is not None
    shapes = dict(setup.shapes)
    shapes[compact["name"]] = setup.compact_shape
    expand = mathlang.check(
        mathlang.parse(compact["expand"]), shapes, indices=dict(zip(indices, full, strict=True))
    )
    inner = answer_function(typed)

    def run(instance: Instance) -> Array:
        values = dict(instance)
        values[compact["name"]] = inner(instance)
        with np.errstate(all="ignore"):
            return np.asarray(mathlang.evaluate(expand, values, finite=False), dtype=np.float64)

    return run


class Instances:
    """Draws instances and compares the answer at each."""

    def __init__(self, setup: ProblemSetup, answer: AnswerFn, seed: int, count: int | None):
        self.setup = setup
        self.answer = answer
        self.count = count
        self.rng = np.random.default_rng(seed)
        self.used = 0
        self.drawn = 0
        """Instances drawn so far: the next one continues the sampler's alternation."""
        self.measured: dict[int, Instance] = {}
        """The instance behind each measured comparison (by the id of its dict)."""

    def draw(self, k: int) -> list[Instance]:
        """``k`` instances that cover the branches (one when every variable is pinned)."""
        if self.setup.all_pinned:
            return [self.setup.sampler.draw(self.rng)]
        drawn = self.setup.sampler.sample(k, self.rng, start=self.drawn)
        self.drawn += k
        return drawn

    def measure(self, instance: Instance, layouts: list[Layout]) -> dict[Layout, Comparison] | None:
        setup = self.setup
        deriv = reference_derivative(
            setup.func, setup.sites, instance, setup.problem.wrt, setup.rounding
        )
        return self._compare(instance, deriv, layouts)

    def measure_all(
        self, instances: list[Instance], layouts: list[Layout]
    ) -> list[dict[Layout, Comparison] | None]:
        """:meth:`measure` at each instance, the finite differences of all of them in one
        batched evaluation."""
        setup = self.setup
        stacked = {name: np.stack([i[name] for i in instances]) for name in instances[0]}
        references = reference_stack(
            setup.func, setup.sites, instances, setup.problem.wrt, setup.rounding_many
        )
        values = self.answer(stacked)  # the instances are a batch axis of the answer too
        if values.ndim == 0 or values.shape[0] != len(instances):
            values = np.stack([self.answer(instance) for instance in instances])
        return self._compare_many(instances, references, layouts, values)

    def _compare(
        self,
        instance: Instance,
        deriv: Reference,
        layouts: list[Layout],
    ) -> dict[Layout, Comparison] | None:
        return self._compare_many([instance], References.of([deriv]), layouts)[0]

    def _compare_many(
        self,
        instances: list[Instance],
        references: References,
        layouts: list[Layout],
        values: Array | None = None,
    ) -> list[dict[Layout, Comparison] | None]:
        """The answer against each reference in each layout form (None where the reference
        is not finite); the instances' tolerances and ratios are worked out together.
        ``values`` are the answer's values at the instances, stacked, when known."""
        setup = self.setup
        keep = np.flatnonzero(references.finite).tolist()
        found: list[dict[Layout, Comparison] | None] = [None] * len(instances)
        if not keep:
            return found
        if values is None:
            answers = np.stack([self.answer(instances[k]) for k in keep])
        else:
            answers = values if len(keep) == len(instances) else values[keep]
        refs = references if len(keep) == len(instances) else _subset(references, keep)
        if any(setup.unused_wrt):
            refs = _exact_zero_blocks(refs, setup.wrt_shapes, setup.unused_wrt)
        checked_flat = ~refs.set_aside
        scale_flat = self._block_scale(refs.values, checked_flat)
        parts = np.stack([refs.values, refs.error, checked_flat.astype(np.float64), scale_flat])
        canonical = parts.reshape((4, len(keep), *setup.out_axes, *setup.in_axes))
        by_layout: dict[Layout, list[Comparison]] = {}
        for layout in layouts:
            form = setup.form(canonical, layout, self.count)  # all four in one call
            assert form is not None
            expected, error, checked, scale = form
            mine = answers.reshape(expected.shape)
            by_layout[layout] = compare_many(mine, expected, error, checked > 0.5, scale)
        noise_each = getattr(self.answer, "noise_each", None)
        failing = [
            j for j in range(len(keep)) if not all(by_layout[lay][j].passed for lay in layouts)
        ]
        noises = (
            dict(zip(failing, noise_each([instances[keep[j]] for j in failing]), strict=True))
            if noise_each is not None and failing
            else {}
        )
        for j, k in enumerate(keep):
            out = {layout: by_layout[layout][j] for layout in layouts}
            if j in noises:
                # A failure must not come from the answer's own rounding: diag(1 ./ c) -
                # diag(c ./ c.^2), right for d(c ./ c)/dc, is 1e-7 at c = 1e-9 where the
                # derivative is 0. Its noise joins the error of the entries it is compared
                # with, so such an entry is neither failed nor verified.
                noise = ANSWER_NOISE * np.asarray(noises[j], dtype=np.float64)
                if noise.size == answers[j].size and np.any(noise > 0):
                    for layout, comp in out.items():
                        spread = comp.error + noise.reshape(comp.expected.shape)
                        out[layout] = Comparison(
                            comp.answer, comp.expected, spread, comp.checked, comp.scale
                        )
            self.used += 1
            self.measured[id(out)] = instances[k]
            found[k] = out
        return found

    def _block_scale(self, values: Array, checked: np.ndarray[Any, np.dtype[np.bool_]]) -> Array:
        """Per entry, the largest checked |fd| among the columns of the same ``wrt``
        variable: the absolute part of the tolerance is relative to that block's scale.
        ``values`` are (instances, outputs, inputs), each instance on its own."""
        magnitude = np.where(checked & np.isfinite(values), np.abs(values), 0.0)
        top = magnitude.max(axis=(1, 2), initial=0.0)
        scale = np.empty_like(values)
        if len(self.setup.wrt_shapes) == 1:  # one block: its scale is the largest |fd|
            scale[...] = top[:, None, None]
            return scale
        floor = BLOCK_FLOOR * top
        start = 0
        for rows, cols in self.setup.wrt_shapes:
            stop = start + rows * cols
            block = magnitude[:, :, start:stop].max(axis=(1, 2), initial=0.0)
            scale[:, :, start:stop] = np.maximum(block, floor)[:, None, None]
            start = stop
        return scale

    def fresh(self, layouts: list[Layout]) -> dict[Layout, Comparison] | None:
        """A new instance, resampled while too many entries are set aside."""
        best: dict[Layout, Comparison] | None = None
        for _ in range(RESAMPLES):
            instance = self.draw(1)[0]
            comps = self.measure(instance, layouts)
            if comps is None:
                continue
            share = float(next(iter(comps.values())).verified.mean())
            if share >= 1 - MAX_SET_ASIDE:
                return comps
            best = comps if best is None else best
            if self.setup.all_pinned:
                break
        return best


def _subset(references: References, keep: list[int]) -> References:
    return References(
        references.values[keep],
        references.error[keep],
        references.set_aside[keep],
        references.finite[keep],
    )


def _exact_zero_blocks(
    refs: References, shapes: list[tuple[int, int]], unused: list[bool]
) -> References:
    """The references with the blocks of variables the function never mentions set to an
    exact 0 (no error, nothing set aside)."""
    values, error, aside = refs.values.copy(), refs.error.copy(), refs.set_aside.copy()
    start = 0
    for (rows, cols), absent in zip(shapes, unused, strict=True):
        stop = start + rows * cols
        if absent:
            values[..., start:stop] = 0.0
            error[..., start:stop] = 0.0
            aside[..., start:stop] = False
        start = stop
    usable = np.isfinite(values) & np.isfinite(error)
    finite = np.all(usable | aside, axis=(1, 2))
    return References(values, error, aside, finite)
