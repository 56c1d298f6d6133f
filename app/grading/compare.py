"""Entry-wise comparison of an answer with a finite-difference derivative.

The tolerance of an entry (DESIGN §5) is

    |answer - fd| <= rtol * |fd| + atol_rel * max|fd| + c * error_estimate

The relative part accepts the rounding of a correct closed form; the absolute part is
relative to the derivative's *own* scale (never a fixed 1e-5), so a function scaled by
1e-12 still rejects an all-zero answer; the error-estimate part widens the band exactly
where finite differences are unreliable (ill-conditioned functions such as ``inv(A)``
near singularity, ``log(x)`` near 0), which is how gradient checkers such as SciPy's
``approx_derivative`` and PyTorch's ``gradcheck`` avoid false alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

RTOL = 1e-6
ATOL_REL = 1e-8
ERROR_FACTOR = 10.0
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
    magnitude = np.abs(fd)
    if scale is None:
        scale_from = magnitude if checked is None else magnitude[checked]
        scale = np.asarray(float(scale_from.max()) if scale_from.size else 0.0)
    band: Array = RTOL * magnitude + ATOL_REL * scale + ERROR_FACTOR * np.abs(error)
    return np.maximum(band, _TINY)


@dataclass(frozen=True)
class Comparison:
    """An answer against the expected derivative at one instance, both in the same form.

    ``checked`` is False for entries set aside by the kink test: they neither pass nor
    fail at this instance."""

    answer: Array
    expected: Array
    error: Array
    checked: Mask
    scale: Array | None = None

    @property
    def tol(self) -> Array:
        return tolerance(self.expected, self.error, self.checked, self.scale)

    def ratios(self) -> Array:
        """|answer - expected| / tol, 0 where the entry is set aside."""
        diff = np.abs(self.answer - self.expected)
        with np.errstate(invalid="ignore", over="ignore"):
            ratio = np.where(self.checked, diff / self.tol, 0.0)
        return np.where(np.isfinite(ratio), ratio, np.inf)

    def wrong(self) -> Mask:
        return self.ratios() > 1.0

    @property
    def passed(self) -> bool:
        return not bool(self.wrong().any())

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
