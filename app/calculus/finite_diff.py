"""Finite-difference derivatives: the reference every answer is graded against (DESIGN §5).

``jacobian(f, instance, wrt)`` differentiates a *batched* function
``f(values) -> (batch, *out_shape)``, where each value is ``(batch, rows, cols)``, at one
instance, with respect to one or several variables, and returns the canonical tensor
``D[out..., in...]`` of DESIGN §4 (see :mod:`app.calculus.layouts`) with a per-entry
error estimate and the entries the kink test sets aside.

The recipe follows the best gradient checkers (SciPy's ``approx_derivative``, PyTorch's
gradcheck, Chainer's kink test):

* **Step.** Central differences in float64 with a relative step of a few eps^(1/3) times
  the entry's magnitude, floored at a fraction of its variable's largest magnitude so
  that an entry at 0 still moves and variables at 1e-8 and 1e+8 in one problem each get
  steps of their own size. Steps are powers of two, so x + t h is exact for every t used.
* **Richardson and error estimates.** Steps h and h/2, extrapolated, with a per-entry
  error estimate (:mod:`app.calculus.richardson`).
* **Kinks.** Entries whose 5-point stencil straddles a non-differentiable point are set
  aside (:mod:`app.calculus.kinks`).
* **Finer steps.** Where an entry is set aside or its truncation error matters, the
  directions involved are evaluated again at h/16, h/256, ... (up to h/16^9): a kink a
  little farther than the finer step is no longer straddled, and a badly conditioned f
  (an inverse with condition number 1e6) gets the small step it needs.
* **Cost.** One vectorised call of f over the batch axis for the sparsity probes, one
  for all the stencil points (and one per finer level, only when needed), chunked so
  that no call builds more than ``max_entries`` numbers; structurally orthogonal columns
  are perturbed together (:mod:`app.calculus.column_groups`), which never changes the
  result, only the cost. The engine itself (:mod:`app.calculus.finite_diff_batch`)
  differentiates several instances in the same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from app.calculus import kinks, richardson
from app.mathlang import Typed, evaluate

Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
BatchedFunction = Callable[[Mapping[str, Array]], npt.ArrayLike]
"""``f(values) -> (batch, *out_shape)``: each value is ``(batch, rows, cols)``, or
``(1, rows, cols)`` for a variable that is not differentiated, which f broadcasts (as
numpy operations and ``mathlang.evaluate`` do)."""

EPS = float(np.finfo(np.float64).eps)
STEP = 8.0 * EPS ** (1.0 / 3.0)
"""Outer step h relative to an entry's magnitude (about 5e-5; inner h/2 = 4 eps^(1/3)).
Richardson extrapolation leaves an O(h^4) truncation error, so a step a few times eps^(1/3)
buys less rounding at no visible cost; the finer levels take over where it is too large."""
FLOOR = 0.5
"""An entry's magnitude for the step is at least this fraction of its variable's largest."""
LEVELS = 10
"""Step levels tried: h, h/16, ..., h/16^9 (only where a smaller step can help): an entry
at 1e-9 next to one at 2 in the same variable needs the last of them near a pole."""
REFINE_FACTOR = 16.0
MIN_GROUPED = 48
"""Fewer input entries than this are not grouped (see :func:`jacobian`)."""
MAX_ENTRIES = 2_000_000
"""At most this many numbers (inputs plus outputs) are built per call of f."""
STENCIL = (-1.0, -0.5, 0.5, 1.0)
DROWNED = 0.25
"""An output whose rounding noise is at least this fraction of the most its values move
over the outer stencils is *drowned* in noise: its entries get an unknown error."""
AMPLIFIED = 1e3
"""Rounding noise this many times a few eps of an output's values marks it amplified."""
UNKNOWN = 1e300
"""The error estimate of an entry nothing can bound: it neither verifies nor fails."""


@dataclass(frozen=True)
class Derivative:
    """A finite-difference derivative at one instance.

    ``value``, ``error`` and ``set_aside`` have the canonical shape
    ``axes(output) + axes(input)``; ``error`` bounds |value - exact| per entry (except
    where ``set_aside``); ``output`` is f at the instance; ``evaluations`` counts the
    points at which f was evaluated and ``groups`` the perturbation directions used.
    """

    value: Array
    error: Array
    set_aside: BoolArray
    output: Array
    out_shape: tuple[int, ...]
    in_shapes: tuple[tuple[int, int], ...]
    evaluations: int
    groups: int
    jumps: BoolArray | None = None
    """Entries whose outermost stencil shows any slope jump above rounding noise (canonical
    shape): which outputs feel a kink found along their direction."""


def jacobian(
    f: BatchedFunction,
    instance: Mapping[str, npt.ArrayLike],
    wrt: str | Sequence[str],
    *,
    grouping: bool = True,
    min_grouped: int = MIN_GROUPED,
    max_entries: int = MAX_ENTRIES,
    rounding: npt.ArrayLike | None = None,
) -> Derivative:
    """The derivative of ``f`` at ``instance`` with respect to ``wrt`` (one name or several,
    stacked in order). Every value of ``instance`` is a 2-D array (a scalar is 1x1).

    Column grouping is tried (``grouping``) when there are at least ``min_grouped`` input
    entries; below that, one call with every entry perturbed alone costs less than the
    probes that find the groups.

    ``rounding`` (one number per output entry, optional) bounds the rounding error of f
    at the instance, intermediates included (:func:`app.mathlang.rounding.rounding_noise`):
    a floor under the noise the error estimates assume, which neither |f| nor the terms
    of f's condition see when an intermediate is far larger than the output.

    The work is done by :func:`app.calculus.finite_diff_batch.jacobians` with one
    instance, the same engine that differentiates the grader's K instances together.
    """
    # Imported here: the batched engine builds on this module's definitions.
    from app.calculus.finite_diff_batch import jacobians

    def one(values: Mapping[str, Array]) -> Array:
        # The engine's values carry an instance axis of length 1 in front of f's batch.
        return np.asarray(f({name: value[0] for name, value in values.items()}))[None]

    (derivative,) = jacobians(
        one,
        [instance],
        wrt,
        rounding=None if rounding is None else [rounding],
        grouping=grouping,
        min_grouped=min_grouped,
        max_entries=max_entries,
    )
    return derivative


def _condition_noise(
    stencil: Array, steps: Array, column: npt.NDArray[np.int64], stacked: Array
) -> Array:
    """A floor under each output's rounding noise from the size of its terms, (M, 1).

    Evaluating f rounds its inputs and intermediates by about eps relative, which moves
    output i by about eps * sum_j |df_i/dx_j| |x_j| (the condition of f at x). For
    z = w^T x + b near 0 that is eps times the size of the terms w_j x_j, far more than
    eps |z|: without this floor, values at tiny steps, which move by a few units in the
    last place of those terms, can look smooth and claim an accuracy they do not have.
    Along a direction, |df_i/dx_j| |x_j| is about the slope of the stencil times
    |x_j| / h_j, and h_j is a fixed fraction of |x_j| (or of its floor).
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # One ratio per entry and a 0 at the end, which column -1 (no entry) reads.
        ratios = np.append(np.abs(stacked) / steps, 0.0)
        slope = np.abs(stencil[..., 4] - stencil[..., 0])
        terms = slope * ratios[column]
        total = np.sum(np.where(np.isfinite(terms), terms, 0.0), axis=1, keepdims=True)
    floor: Array = (richardson.ROUNDING_SAFETY * EPS / 2.0) * total
    return floor


class RoundingFlags(NamedTuple):
    """What an output's measured rounding noise says about its outer stencils.

    ``drowned`` (M,): the noise is not small against all the output moves over the outer
    stencils, so its values there are mostly rounding and nothing can say how well the
    differences approximate the slope. (logdet of N N^T with N of condition 1e8 carries a
    noise of several units; its sine then differs from step to step by noise alone, and a
    derivative of 1e7 reads as 1e3 with an error estimate of 1e6.)

    ``amplified`` (M,), not drowned: the noise is far above a few eps of the values, so
    some intermediate is far larger than the output (cos of a^T y with y ~ 1e8), a step
    relative to the inputs may span many periods of what the output does with it, and a
    stencil that samples whole periods apart looks smooth and converged. Their estimates
    are checked against the next finer level (see ``Estimate.improve``).

    ``flat`` (M, S): entries of amplified outputs that the outer stencil moves by no more
    than the kink test can tell from their noise. A term too small to show above that
    noise may still oscillate fast: 1e-8 sin(a^T y) with y ~ 1e8 next to a term of size 1
    has a slope of about 1 along a, yet its whole swing is within a few times the noise
    of the large term, and samples of it at scattered phases pass for a smooth, nearly
    flat stencil at every step that spans a period. Such a stencil bounds nothing; the
    entry's error is unknown, like that of a drowned output.
    """

    drowned: BoolArray
    amplified: BoolArray
    flat: BoolArray


def rounding_flags(stencil: Array, rounding: Array) -> RoundingFlags:
    """The :class:`RoundingFlags` of outer stencils (M, S, 5) whose outputs carry the
    rounding noise ``rounding`` (M,), worked out from one pass over the stencils."""
    with np.errstate(invalid="ignore"):
        moved = np.abs(stencil - stencil[..., 2:3])
        moved = np.where(np.isfinite(moved), moved, 0.0)
        per_entry = np.max(moved, axis=2)  # (M, S)
        variation = np.max(per_entry, axis=1)
        size = np.max(np.where(np.isfinite(stencil), np.abs(stencil), 0.0), axis=(1, 2))
    drowned: BoolArray = (rounding > 0.0) & (rounding >= DROWNED * variation)
    amplified: BoolArray = (rounding > AMPLIFIED * richardson.ROUNDING_SAFETY * EPS * size) & (
        ~drowned
    )
    flat: BoolArray = amplified[:, None] & (per_entry <= kinks.NOISE_FACTOR * rounding[:, None])
    return RoundingFlags(drowned, amplified, flat)


def expression_function(typed: Typed) -> BatchedFunction:
    """A batched function evaluating a checked expression of the language.

    Non-finite values are returned rather than raised: the kink test sets such entries
    aside instead of failing the whole derivative.
    """

    def run(values: Mapping[str, Array]) -> Array:
        return evaluate(typed, values, finite=False)

    return run


__all__ = ["BatchedFunction", "Derivative", "expression_function", "jacobian"]
