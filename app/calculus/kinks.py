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

The grader adds a second, *structural* test (:func:`structural_set_aside`) that looks at
the kinked sub-expressions themselves, for kinks whose slopes differ too little for the
5-point test to see (Parr & Howard §5: an answer right only where a unit is active must
not pass or fail on a blurred entry).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

RELATIVE_JUMP = 1e-3
"""A slope jump above this fraction of the entry's slopes sets the entry aside."""

FAINT_JUMP = 1e-7
"""A slope jump above this fraction says the entry's output feels a kink at all. Smooth
curvature gives about (h / x)^2 ~ 1e-9 here; a jump this small blurs the derivative by
less than a tenth of the grader's relative tolerance."""

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


def flag(
    indicator: Array, slope_scale: Array, noise: Array, relative: float = RELATIVE_JUMP
) -> npt.NDArray[np.bool_]:
    """The set-aside rule, from the indicator, the largest |slope| and the value noise."""
    with np.errstate(invalid="ignore"):
        kinked = indicator > relative * slope_scale + NOISE_FACTOR * noise
    flagged: npt.NDArray[np.bool_] = kinked | ~np.isfinite(indicator)
    return flagged


# --- The structural kink test -------------------------------------------------------

REACH = 16.0 * float(np.finfo(np.float64).eps) ** (1.0 / 3.0)
"""How far (relative) the structural test looks: twice the engine's outermost step
(``finite_diff.STEP``), so that no stencil of the engine reaches past it."""

REACH_FLOOR = 0.3
"""An entry's reach is floored at this fraction of its variable's largest magnitude, as
the engine's steps are (with a floor lower than the engine's, so the reach stays wider)."""

SiteFunction = Callable[[Mapping[str, Array]], Array]
"""A kinked site's argument (``z`` of relu(z), ``a - b`` of max(a, b)) evaluated on a
batch of values ``(*batch, rows, cols)`` (values broadcast over the batch axes):
``(batch[0], ...)`` or ``(*batch, ...)``, negative on one side."""


def structural_set_aside(
    sites: Sequence[SiteFunction], instance: Mapping[str, Array], wrt: Sequence[str]
) -> npt.NDArray[np.bool_]:
    """Stacked ``wrt`` entries whose finite-difference stencil would change the side of a
    kinked site: one flag per input entry. The reference sets aside, in such a column,
    only the outputs whose own stencil shows a slope jump (``FAINT_JUMP``): an output
    that does not involve the kinked unit is graded as usual.

    The 5-point test above judges a stencil by its values, so a kink whose two slopes
    differ little (relu(z) scaled by 1e-4 next to a large smooth term) can pass it and
    leave a blurred derivative. This test looks at the function's own sub-expressions
    instead: every input entry is moved by +-REACH times its magnitude (floored as the
    engine's steps are), all in one batch, and the entry is set aside when any site
    argument changes sign or sits at 0 there. It cannot be fooled by small slope jumps.
    """
    flags: npt.NDArray[np.bool_] = structural_set_aside_many(sites, [instance], wrt)[0]
    return flags


def structural_set_aside_many(
    sites: Sequence[SiteFunction], instances: Sequence[Mapping[str, Array]], wrt: Sequence[str]
) -> npt.NDArray[np.bool_]:
    """:func:`structural_set_aside` at each of ``instances`` (of the same shapes), (K, n_in):
    the moved points of every instance are evaluated in one call per site, on values with
    two batch axes (instance, point): ``(K, 2 n_in + 1, rows, cols)`` for the moved
    variables and ``(K, 1, rows, cols)`` for the others, which the site broadcasts."""
    count = len(instances)
    blocks = []
    reaches = []
    for name in wrt:
        entries = np.array([i[name] for i in instances], dtype=np.float64).reshape(count, -1)
        blocks.append(entries)
        magnitude = np.abs(entries)
        top = np.max(magnitude, axis=1, keepdims=True, initial=0.0)
        top = np.where(np.isfinite(top), top, 0.0)
        reaches.append(REACH * np.maximum(magnitude, REACH_FLOOR * np.where(top == 0.0, 1.0, top)))
    flat = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    h = reaches[0] if len(reaches) == 1 else np.concatenate(reaches, axis=1)
    n_in = flat.shape[1]
    batch = 2 * n_in + 1
    perturbed = np.repeat(flat[:, None, :], batch, axis=1)  # (K, batch, n_in)
    index = np.arange(n_in)
    perturbed[:, index, index] += h
    perturbed[:, n_in + index, index] -= h
    values: dict[str, Array] = {}
    start = 0
    for name in wrt:
        shape = np.shape(instances[0][name])
        size = int(np.prod(shape))
        values[name] = perturbed[:, :, start : start + size].reshape(count, batch, *shape)
        start += size
    for name in instances[0]:
        if name not in values:  # the same at every moved point: broadcast, not copied
            values[name] = np.array([i[name] for i in instances], dtype=np.float64)[:, None]
    set_aside = np.zeros((count, n_in), dtype=bool)
    for site in sites:
        with np.errstate(all="ignore"):
            z = np.asarray(site(values), dtype=np.float64)
        if z.ndim > 2 and z.shape[1] != batch:  # a site that no moved entry reaches
            z = np.broadcast_to(z, (count, batch, *z.shape[2:]))
        z = z.reshape(count, batch, -1)
        base = z[:, -1] > 0
        moved = z[:, :-1]
        flips = ((moved > 0) != base[:, None, :]) | (moved == 0) | (z[:, -1] == 0)[:, None, :]
        set_aside |= flips.reshape(count, 2, n_in, -1).any(axis=(1, 3))
    return set_aside
