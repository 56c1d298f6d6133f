"""Entry-wise comparison of an answer with a finite-difference derivative.

The tolerance of an entry (DESIGN §5) is

    |answer - fd| <= rtol * |fd| + atol_rel * max|fd| + c * error_estimate

The relative part accepts the rounding of a correct closed form; the absolute part is
relative to the derivative's *own* scale (never a fixed 1e-5), so a function scaled by
1e-12 still rejects an all-zero answer; the error-estimate part keeps a correct answer
from failing where finite differences lose digits, as gradient checkers such as
SciPy's ``approx_derivative`` and PyTorch's ``gradcheck`` do.

That last part is capped. An entry is *resolved* only when its error-estimate term is
small against the rest of the band (``ERROR_FACTOR * error <= RESOLVE * base``): then
the whole band is at most a few times ``rtol |fd| + atol``, and an answer inside it is
right to that accuracy. Where the estimate swamps the signal (tanh saturated so that the
derivative is 1e-11 next to |f| = 1, a nearly singular matrix, a step that cannot shrink
enough near a pole) any answer would fit the band, so such an entry may still *fail*
(outside even the wide band) but never counts as verified: the grader draws another
instance, or answers ``undecided`` when the values are pinned.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

RTOL = 1e-6
ATOL_REL = 1e-8
ERROR_FACTOR = 10.0
RESOLVE = 1.0
"""An entry is resolved when ERROR_FACTOR * error <= RESOLVE * (rtol |fd| + atol): its band
is then at most (1 + RESOLVE) times the base band."""
_TINY = 1e-300
MARGINAL = 30.0
"""A failing instance whose worst ratio |a - fd| / tol stays below this, while the error
estimate dominates the tolerance, is 'marginal': the numbers may be to blame."""


def tolerance(
    fd: Array, error: Array, checked: Mask | None = None, scale: Array | None = None
) -> Array:
    """The per-entry tolerance band around the finite-difference values ``fd``.

    ``scale`` gives each entry the scale of its own part of the derivative (the grader
    passes the largest |fd| over the entries of the same ``wrt`` variable, so that with
    variables at 1e-8 and 1e+8 in one problem the small block is not drowned by the
    large one); without it the whole derivative's largest |fd| is used."""
    scale = _scale_of(fd, checked, scale)
    band: Array = base_band(fd, scale) + ERROR_FACTOR * np.abs(error)
    return np.maximum(band, _TINY)


def _scale_of(fd: Array, checked: Mask | None, scale: Array | None) -> Array:
    if scale is not None:
        return scale
    magnitude = np.abs(fd)
    scale_from = magnitude if checked is None else magnitude[checked]
    return np.asarray(float(scale_from.max()) if scale_from.size else 0.0)


def base_band(fd: Array, scale: Array) -> Array:
    """The band without the error-estimate term: what a correct closed form may differ by."""
    band: Array = RTOL * np.abs(fd) + ATOL_REL * scale
    return band


def resolved(
    fd: Array, error: Array, checked: Mask | None = None, scale: Array | None = None
) -> Mask:
    """Entries whose error estimate is small against the base band (see the module
    docstring): only these can verify an answer."""
    base = base_band(fd, _scale_of(fd, checked, scale))
    with np.errstate(invalid="ignore"):
        ok: Mask = ERROR_FACTOR * np.abs(error) <= RESOLVE * base
    return ok


@dataclass(frozen=True)
class Comparison:
    """An answer against the expected derivative at one instance, both in the same form.

    ``checked`` is False for entries set aside by the kink test: they neither pass nor
    fail at this instance. ``verified`` are the checked entries the numbers resolve: an
    answer that passes is right there.

    A comparison is never changed once made, so its tolerance, ratios and verdicts are
    worked out once, when first asked for (the grader asks for each several times)."""

    answer: Array
    expected: Array
    error: Array
    checked: Mask
    scale: Array | None = None

    @cached_property
    def tol(self) -> Array:
        return tolerance(self.expected, self.error, self.checked, self.scale)

    @cached_property
    def verified(self) -> Mask:
        ok: Mask = self.checked & resolved(self.expected, self.error, self.checked, self.scale)
        return ok

    def with_answer(self, answer: Array) -> Comparison:
        """The same instance and tolerance rules against another candidate (a layout form,
        a known mistake): the comparison machinery is shared, not copied."""
        return Comparison(
            answer.reshape(self.expected.shape), self.expected, self.error, self.checked, self.scale
        )

    def ratios(self) -> Array:
        """|answer - expected| / tol, 0 where the entry is set aside."""
        return self._ratios

    @cached_property
    def _ratios(self) -> Array:
        diff = np.abs(self.answer - self.expected)
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.where(self.checked, diff / self.tol, 0.0)
        return np.where(np.isfinite(ratio), ratio, np.inf)

    def wrong(self) -> Mask:
        return self._wrong

    @cached_property
    def _wrong(self) -> Mask:
        wrong: Mask = self._ratios > 1.0
        return wrong

    @cached_property
    def passed(self) -> bool:
        return not bool(self._wrong.any())

    def marginal(self) -> bool:
        """A failure small enough, where FD error dominates, to blame the numbers."""
        ratios = self.ratios()
        worst = float(ratios.max()) if ratios.size else 0.0
        if worst > MARGINAL:
            return False
        wrong = self.wrong()
        noise = ERROR_FACTOR * np.abs(self.error)
        return bool(np.all(noise[wrong] >= 0.5 * self.tol[wrong]))

    def matches(self, candidate: Array, factor: float = 1.0) -> bool:
        """Whether ``candidate`` equals ``factor`` times the expected values here."""
        if candidate.shape != self.expected.shape:
            return False
        tol = self.tol * max(abs(factor), 1.0)
        diff = np.abs(candidate - factor * self.expected)
        return bool(np.all(~self.checked | (diff <= tol)))


def compare_many(
    answers: Array, expected: Array, error: Array, checked: Mask, scale: Array
) -> list[Comparison]:
    """One :class:`Comparison` per instance of stacked arrays (instances on the first
    axis): the tolerances, ratios and verdicts of all of them are worked out in one pass,
    entry by entry exactly as each comparison would on its own."""
    base = base_band(expected, scale)  # tolerance() and resolved() share these terms
    spread = ERROR_FACTOR * np.abs(error)
    tol = np.maximum(base + spread, _TINY)
    with np.errstate(invalid="ignore"):
        verified: Mask = checked & (spread <= RESOLVE * base)
    with np.errstate(invalid="ignore", over="ignore"):
        ratio = np.where(checked, np.abs(answers - expected) / tol, 0.0)
    ratios: Array = np.where(np.isfinite(ratio), ratio, np.inf)
    wrong: Mask = ratios > 1.0
    failed: Mask = np.asarray(wrong.reshape(len(wrong), -1).any(axis=1))
    out = []
    for k in range(len(answers)):
        comp = Comparison(answers[k], expected[k], error[k], checked[k], scale[k])
        known = comp.__dict__  # what the cached properties would work out
        known.update(tol=tol[k], verified=verified[k], _ratios=ratios[k], _wrong=wrong[k])
        known["passed"] = not bool(failed[k])
        out.append(comp)
    return out


def heatmap(answer: Array, expected: Array) -> list[list[float]]:
    """|answer - expected| unfolded to 2-D (first axis by the rest) for the web page."""
    diff = np.abs(answer - expected)
    if diff.ndim == 0:
        grid = diff.reshape(1, 1)
    elif diff.ndim == 1:
        grid = diff.reshape(1, -1)
    else:
        grid = diff.reshape(diff.shape[0], -1)
    grid = np.where(np.isfinite(grid), grid, np.finfo(np.float64).max)
    return [[float(v) for v in row] for row in grid]
