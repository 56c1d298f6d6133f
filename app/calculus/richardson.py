"""Derivative estimates from 5-point stencils: Richardson extrapolation, error estimates,
the kink test, and the choice between step levels (DESIGN §5).

Along a direction the engine evaluates g(t) = f(x + t d) at t = -1, -1/2, 0, 1/2, 1. With
D1 = (g(1) - g(-1)) / 2 and D2 = g(1/2) - g(-1/2), whose truncation errors are c and c/4
(c is a sixth of the third derivative of g), (4 D2 - D1) / 3 cancels the h^2 term. The
error estimate is |D2 - D1| (three times D2's own truncation error, far more than the
extrapolated value's), plus the kink indicator of :mod:`app.calculus.kinks`, plus three
times the rounding noise of one value: the largest of a few eps |f|, a floor from the
condition of f (given by the engine), and the noise measured in the data
(:func:`row_noise`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.calculus import kinks

Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EPS = float(np.finfo(np.float64).eps)
ROUNDING_SAFETY = 8.0
"""f's own rounding error, in units of eps |f|: a few operations deep, some cancellation."""
REFINE_REL = 3e-8
REFINE_ABS = 1e-10
"""An error estimate above REFINE_REL |value| + REFINE_ABS max|value| asks for a finer step
when it comes from truncation (or a kink), not from rounding. The grader resolves an entry
whose error is below 1e-7 |value| (ten times the error within its relative tolerance of
1e-6), so 3e-8 keeps a margin of three and spares a finer level to most smooth entries,
whose estimate |D2 - D1| (the error of the unextrapolated D2) is a few 1e-9 to 1e-8."""
SHARP = 1e-3
"""A finer estimate replaces one set aside only when its error is below this fraction of
its own magnitude (plus the blurred value it replaces and the largest magnitude already
usable): a value blurred across a
kink at a step where rounding hides the kink carries an error of the order of itself."""
_FORMS = np.column_stack(
    [
        np.array([-1.0, 7.0, 7.0, -1.0]) / 12.0,  # Richardson (4 D2 - D1) / 3
        np.array([-1.0, 1.0, 1.0, -1.0]) / 4.0,  # D2 - D1
        kinks.SECOND,  # second differences of the slopes (2 columns)
        np.array([-1.0, 3.0, -3.0, 1.0]) / 2.0,  # fourth difference a - 4b + 6c - 4d + e
    ]
)
"""Every combination of the stencil an estimate needs, from its four slopes (differences
first, so that an output that does not move gives exact zeros)."""
UNBOUNDED = 1e300
"""The error of an estimate that a check finds wrong by an unknown amount."""
OFF_RATIO = 0.7071067811865476
"""The step of the off-grid check, relative to the finest level's (see :func:`off_grid_steps`)."""


class Estimate:
    """Per (output, group) derivative, error estimate and kink flag, in input units.

    ``truncating`` marks entries whose error is mostly truncation (a smaller step helps)
    rather than rounding (a smaller step hurts).
    """

    def __init__(
        self,
        value: Array,
        error: Array,
        aside: BoolArray,
        truncating: BoolArray,
        depends: BoolArray,
        jumps: BoolArray | None = None,
    ) -> None:
        self.value = value
        self.error = error
        self.aside = aside
        self.truncating = truncating
        self.depends = depends
        self.done = np.zeros_like(aside)
        """Entries a smaller step cannot improve: a finer level was already ruled by
        rounding noise, which only grows as the step shrinks."""
        self.check = np.zeros_like(aside)
        """Entries to compare with the next finer level once, however settled they look
        (the engine marks the outputs whose intermediates dwarf them)."""
        self.jumps = np.zeros_like(aside) if jumps is None else jumps
        """Any slope jump above the rounding noise (``kinks.FAINT_JUMP``): too faint to set
        the entry aside by itself, but enough to say that this output feels a kink the
        structural test found along this direction."""

    @classmethod
    def from_stencil(
        cls, values: Array, steps: Array, column: npt.NDArray[np.int64], floor: Array
    ) -> Estimate:
        """Estimates from stencil values (M, S, 5) along directions whose entries have the
        outer ``steps``; ``column`` (M, S) names the entry each output reads (-1: none);
        ``floor`` (M, 1) is a lower bound on each output's rounding noise."""
        depends = column >= 0
        step = steps[np.where(depends, column, 0)]
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            slopes = kinks.slopes(values)
            forms = slopes @ _FORMS
            magnitude = np.abs(forms)
            noise = ROUNDING_SAFETY * EPS * kinks.last_axis_max(np.abs(values))
            noise = np.maximum(noise, floor)
            indicator = np.maximum(magnitude[..., 2], magnitude[..., 3])
            slope_scale = kinks.last_axis_max(np.abs(slopes))
            aside = kinks.flag(indicator, slope_scale, noise)
            truncation = magnitude[..., 1] + indicator
            value = forms[..., 0] / step
            # Before the noise measured in the data: a faint kink inflates that measure.
            jumps = kinks.flag(indicator, slope_scale, noise, kinks.FAINT_JUMP)
            noise = np.maximum(noise, row_noise(magnitude[..., 4], depends & ~aside))
            error = (truncation + 3.0 * noise) / step
            truncating = truncation > 4.0 * noise
            aside |= ~np.isfinite(value) | ~np.isfinite(error)
            jumps |= aside
        value = np.where(depends, value, 0.0)
        error = np.where(depends, error, 0.0)
        return cls(value, error, aside & depends, truncating & depends, depends, jumps & depends)

    def unsettled(self) -> BoolArray:
        """Entries a smaller step may improve: set aside, or truncation error that matters."""
        usable = np.abs(self.value[~self.aside])
        scale = float(np.max(usable)) if usable.size else 0.0
        with np.errstate(invalid="ignore"):
            loose = self.error > REFINE_REL * np.abs(self.value) + REFINE_ABS * scale
        unsettled: BoolArray = (
            self.depends & ~self.done & (self.aside | (loose & self.truncating) | self.check)
        )
        return unsettled

    def improve(self, finer: Estimate, selected: npt.NDArray[np.intp]) -> None:
        """Keep, per entry, the finer estimate when it is usable and better, or when the old
        one was set aside.

        "Better" also asks the two to agree within their error estimates: at tiny steps an
        output that cancels (z = w^T x + b near 0) moves by a few units in the last place
        of its terms, and such quantised values can look perfectly smooth, with an error
        estimate far below their true error. The coarser estimate, when it was usable, is
        the check on that.
        """
        old_aside = self.aside[:, selected]
        old_value, old_error = self.value[:, selected], self.error[:, selected]
        usable = np.abs(self.value[self.depends & ~self.aside])
        scale = float(np.max(usable)) if usable.size else 0.0
        with np.errstate(invalid="ignore"):
            agree = np.abs(finer.value - old_value) <= old_error + finer.error
            # Replacing an entry set aside takes a sharp estimate: at steps so small that
            # rounding hides the kink, a blurred value with a vast error is no better.
            blurred = np.where(np.isfinite(old_value), np.abs(old_value), 0.0)
            sharp = finer.error <= SHARP * (np.abs(finer.value) + blurred + scale)
            kept = ~old_aside & (finer.error < old_error) & agree
            better = ~finer.aside & ((old_aside & sharp) | kept)
        for mine, theirs in (
            (self.value, finer.value),
            (self.error, finer.error),
            (self.truncating, finer.truncating),
        ):
            mine[:, selected] = np.where(better, theirs, mine[:, selected])
        self.aside[:, selected] = old_aside & ~better
        self.check[:, selected] = False
        self.done[:, selected] |= ~finer.aside & ~finer.truncating
        # Two usable estimates that disagree beyond both their errors: one of them is
        # wrong by more than it claims (a step that aliases an oscillation, sin of 1e8
        # sampled a whole number of periods apart, looks smooth and converged). The kept
        # estimate's error then covers the disagreement, so the entry is not trusted. So
        # does the error of one set aside that a usable finer one, too blurred to replace
        # it, contradicts: where the function has no kink, the grader uses it after all.
        # An entry still set aside is not trusted beyond what a usable finer estimate
        # allows, agreeing or not: its error spans that estimate's whole band (logdet of
        # a matrix whose determinant a step moves across 0 looks merely kinked).
        with np.errstate(invalid="ignore"):
            usable_finer = ~finer.aside & ~better & np.isfinite(finer.value)
            clash = usable_finer & ~agree
            gap = np.abs(finer.value - old_value)
            spans = usable_finer & old_aside
        current = self.error[:, selected]
        widened = np.where(clash, np.maximum(current, gap), current)
        widened = np.where(spans, np.maximum(widened, gap + finer.error), widened)
        self.error[:, selected] = widened

    def needs_confirming(self, outer_aside: BoolArray, rows: BoolArray) -> BoolArray:
        """Directions whose kept estimates an off-grid step must confirm: those of the
        ``rows`` (outputs whose intermediates dwarf them, where a step may span whole
        periods) and those of the entries the outer stencil set aside, whether a finer
        level replaced them or not (where the function has no kinked site the grader uses
        an entry set aside after all)."""
        wanted = self.depends & (outer_aside | rows[:, None])
        columns: BoolArray = np.any(wanted, axis=0)
        return columns

    def confirm(self, off: Estimate, selected: npt.NDArray[np.intp], rows: BoolArray) -> None:
        """Distrust the kept estimates that the off-grid step (:func:`off_grid_steps`)
        contradicts: set aside there, or apart from them by more than both errors. Where
        the function is smooth over the finest stencil the smaller off-grid one agrees;
        where the levels aliased an oscillation it does not, and then neither estimate
        bounds the slope (each may be off by any multiple of the period over its step):
        the entry's error is unbounded, so it neither verifies nor fails an answer.
        ``rows`` are the outputs whose intermediates dwarf them (see
        :meth:`needs_confirming`)."""
        value, error = self.value[:, selected], self.error[:, selected]
        live = self.depends[:, selected]
        with np.errstate(invalid="ignore", over="ignore"):
            gap = np.abs(off.value - value)
            gap = np.where(np.isfinite(gap), gap, np.inf)
            # Off-grid set aside contradicts a usable estimate, and any estimate of the
            # ``rows``; elsewhere one still set aside (x^3 at 0, where a vanishing slope
            # looks kinked) is judged by its value.
            kinked = off.aside & (~self.aside[:, selected] | rows[:, None])
            clash = live & (kinked | ~(gap <= error + off.error))
        self.error[:, selected] = np.where(clash, UNBOUNDED, error)


def off_grid_steps(steps: Array, stacked: Array) -> Array:
    """Steps about OFF_RATIO times ``steps`` that are no power of two times them.

    The levels h, h/16, h/256, ... all stand in power-of-two ratios, so an oscillation
    they alias is aliased by every one of them at once: sin of a^T y with y ~ 1e8 moved by
    h/2 through 336 whole periods and a small part of one is moved by h/32 through 21 and
    the same part divided by 16, and both levels read the same, wrong, slope. A step whose
    ratio to h has a long odd part (here about 2^-40 against h) samples such a function
    elsewhere in its period. It is a multiple of four units in the last place of the
    largest value reached, so x +- h' and x +- h'/2 are exact as a rule (the condition
    floor of the error covers the rest).
    """
    with np.errstate(invalid="ignore", over="ignore"):
        quantum = 4.0 * np.spacing(np.abs(stacked) + steps)
        scaled = np.maximum(np.round(OFF_RATIO * steps / quantum), 1.0) * quantum
    off: Array = np.where(np.isfinite(scaled) & (scaled > 0), scaled, steps)
    return off


def row_noise(fourth: Array, depends: BoolArray) -> Array:
    """Rounding noise of each output measured from the data, (M, 1).

    ``|f|`` underestimates the rounding of f when f cancels (y_i = sum_k W_ik x_k near 0
    carries the rounding of its terms). The fourth difference |a - 4b + 6c - 4d + e| of a
    smooth stencil is almost pure noise (about 8.4 times one value's noise); its upper
    median over an output's directions (those not set aside), robust to a kinked
    direction the test let through, measures that output's noise, and half of it is a
    generous noise level.
    """
    fourth = np.where(depends & np.isfinite(fourth), fourth, np.inf)
    count = np.sum(np.isfinite(fourth), axis=1)
    ordered = np.sort(fourth, axis=1)
    pick = np.minimum(count // 2, np.maximum(count - 1, 0))[:, None]
    middle = np.take_along_axis(ordered, pick, axis=1)
    return np.where(count[:, None] > 0, middle, 0.0) / 2.0
