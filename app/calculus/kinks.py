"""The 5-point kink test: finite differences that straddle a non-differentiable point.

A central difference across a kink (``relu``, ``abs``, ``max`` at a tie, ``step`` at its
jump) averages the two one-sided slopes and can look perfectly converged: at the kink
itself the steps h and h/2 give the same wrong number, so comparing them (the error
estimate of Richardson extrapolation) does not notice. Chainer's gradient check adds a
test for this, and so do we.

Along one direction the engine evaluates g(t) = f(x + t d) at t = -1, -1/2, 0, 1/2, 1.
Their four successive slopes s1..s4 (over intervals of width 1/2) change smoothly for a
smooth g: the second differences of the slopes, ``s1 - 2 s2 + s3`` and
``s2 - 2 s3 + s4``, are about g'''/4, tiny compared with the slopes because the step is
a small fraction of the input (DESIGN §5). A kink anywhere in [-1, 1] puts a jump J of
the slope into one interval and both second differences pick up a share of J of the
order of J itself. An entry whose indicator is large against its slopes (and against
the rounding noise of the values) is *set aside*: the grader neither passes nor fails an
answer on it, and resamples the instance when too many entries are set aside.

Small indicators (a jump too small to set aside) are added to the entry's error
estimate by the engine, so a barely kinked entry widens its own tolerance instead of
rejecting a correct answer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

RELATIVE_JUMP = 1e-3
"""A slope jump above this fraction of the entry's slopes sets the entry aside."""

NOISE_FACTOR = 32.0
"""Second differences of slopes amplify the noise of each value by 2 * (1 + 2 + 1) * 2 = 16;
twice that is still noise."""


SECOND = np.array([[1.0, 0.0], [-2.0, 1.0], [1.0, -2.0], [0.0, 1.0]])
"""``slopes @ SECOND``: s1 - 2 s2 + s3 and s2 - 2 s3 + s4."""


def last_axis_max(values: Array) -> Array:
    """``max(values, axis=-1)`` for a short last axis, as elementwise maxima: numpy's
    reduction over a trailing axis of 2 to 5 entries is many times slower. NaN propagates."""
    result = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        np.maximum(result, values[..., k], out=result)
    return result


def slopes(values: Array) -> Array:
    """The four slopes of a 5-point stencil ``values[..., 0:5]`` at t = -1, -1/2, 0, 1/2, 1.

    Differences first: equal values give slopes that are exactly zero.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        return np.diff(values, axis=-1) * 2.0


def kink_indicator(values: Array) -> Array:
    """Largest second difference of the slopes: a quarter of the third derivative of g
    when smooth, about the slope jump when the stencil straddles a kink."""
    with np.errstate(invalid="ignore", over="ignore"):
        indicator: Array = last_axis_max(np.abs(slopes(values) @ SECOND))
    return indicator


def straddles_kink(values: Array, noise: Array) -> npt.NDArray[np.bool_]:
    """True where the stencil crosses a non-differentiable point.

    ``noise`` is the rounding noise of one value (same shape as ``values[..., 0]``).
    Non-finite stencils are set aside too: a value that cannot be trusted is not used.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        slope_scale = last_axis_max(np.abs(slopes(values)))
    return flag(kink_indicator(values), slope_scale, noise)


def flag(indicator: Array, slope_scale: Array, noise: Array) -> npt.NDArray[np.bool_]:
    """The set-aside rule, from the indicator, the largest |slope| and the value noise."""
    with np.errstate(invalid="ignore"):
        kinked = indicator > RELATIVE_JUMP * slope_scale + NOISE_FACTOR * noise
    flagged: npt.NDArray[np.bool_] = kinked | ~np.isfinite(indicator)
    return flagged
