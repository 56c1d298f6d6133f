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
  result, only the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.calculus import column_groups, kinks, richardson
from app.calculus.layouts import canonical_shape
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
Moves = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], Array]
"""Sparse displacements of a chunk of points: (point, stacked entry, amount)."""


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
    """
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    point = _Point(instance, names, max_entries)
    steps = point.steps()
    n_in = steps.size
    codes = column_groups.entry_codes(point.shapes)
    group_probe = grouping and n_in >= max(2, min_grouped) and codes.n_bits > 0
    if group_probe:  # the instance itself, then the probes; then the stencil
        first = np.vstack([np.zeros((1, n_in)), column_groups.probe_displacements(codes, steps)])
        first_out = point.evaluate(f, first)
        center = first_out[0]
        evaluations = first_out.shape[0]
        if center.size > 1:
            changed = ~(first_out[1:] == center[None, :])
            groups = column_groups.group_columns(codes, changed)
        else:
            groups = column_groups.ungrouped(center.size, n_in)
        stencil, _ = _stencil_values(
            f, point, steps, groups.group_of, center, np.arange(groups.count)
        )
    else:  # the instance and every entry alone, in one call
        alone = np.arange(n_in, dtype=np.int64)
        stencil, center = _stencil_values(f, point, steps, alone, None, alone)
        groups = column_groups.ungrouped(center.size, n_in)
        evaluations = 1
    evaluations += len(STENCIL) * groups.count
    floor = _condition_noise(stencil, steps, groups.column, point.stacked())
    drowned = np.zeros(stencil.shape[0], dtype=bool)
    amplified = np.zeros(stencil.shape[0], dtype=bool)
    flat = np.zeros(stencil.shape[:2], dtype=bool)
    if rounding is not None:
        given = np.asarray(rounding, dtype=np.float64).reshape(-1, 1)
        given = np.where(np.isfinite(given), given, 0.0)
        floor = np.maximum(floor, given)
        drowned = _drowned(stencil, given[:, 0])
        amplified = _amplified(stencil, given[:, 0]) & ~drowned
        flat = _drowned_entries(stencil, given[:, 0], amplified)
    best = richardson.Estimate.from_stencil(stencil, steps, groups.column, floor)
    best.done[drowned] = True
    best.done |= flat
    if rounding is not None:  # a second level checks every direction of these outputs
        best.check[amplified] = best.depends[amplified]
    outer_jumps = best.jumps.copy()  # the outer stencil covers every finer one
    outer_aside = best.aside.copy()
    finest = np.zeros(groups.count, dtype=np.int64)  # the finest level of each direction
    for level in range(1, LEVELS):
        todo = np.flatnonzero(np.any(best.unsettled(), axis=0))
        if todo.size == 0:
            break
        finest[todo] = level
        finer_steps = steps * REFINE_FACTOR ** (-level)
        stencil, _ = _stencil_values(f, point, finer_steps, groups.group_of, center, todo)
        # The outer stencil may not see the slope at all (cos of 1e8 moved by 5e3 wraps
        # around many periods): each level's slopes raise the floor for it and every finer
        # level, where values may be so quantised that their slopes read exactly 0.
        floor = np.maximum(
            floor, _condition_noise(stencil, finer_steps, groups.column[:, todo], point.stacked())
        )
        finer = richardson.Estimate.from_stencil(
            stencil, finer_steps, groups.column[:, todo], floor
        )
        best.improve(finer, todo)
        evaluations += len(STENCIL) * todo.size
    todo = np.flatnonzero(best.needs_confirming(outer_aside, amplified))
    if todo.size:  # one off-grid stencil along them (see richardson.off_grid_steps)
        level_of = finest[groups.group_of]
        off_steps = richardson.off_grid_steps(
            steps * REFINE_FACTOR ** (-level_of.astype(np.float64)), point.stacked()
        )
        stencil, _ = _stencil_values(f, point, off_steps, groups.group_of, center, todo)
        off = richardson.Estimate.from_stencil(stencil, off_steps, groups.column[:, todo], floor)
        best.confirm(off, todo, amplified)
        evaluations += len(STENCIL) * todo.size
    best.error[flat & (best.value != 0.0)] = UNKNOWN
    value, error, aside, jumps = _scatter(best, outer_jumps, groups, steps.size)
    error[drowned] = np.where(value[drowned] == 0.0, error[drowned], UNKNOWN)
    shape = canonical_shape(point.out_shape, point.shapes)
    return Derivative(
        value=value.reshape(shape),
        error=error.reshape(shape),
        set_aside=aside.reshape(shape),
        jumps=jumps.reshape(shape),
        output=center.reshape(point.out_shape),
        out_shape=point.out_shape,
        in_shapes=tuple(point.shapes),
        evaluations=evaluations,
        groups=groups.count,
    )


class _Point:
    """The instance, the stacked input vector and batched evaluation around it."""

    def __init__(self, instance: Mapping[str, npt.ArrayLike], wrt: list[str], max_entries: int):
        self.values = {k: np.asarray(v, dtype=np.float64) for k, v in instance.items()}
        for name, value in self.values.items():
            if value.ndim != 2:
                raise ValueError(f"{name} must be 2-D (rows, cols), not {value.shape}")
        missing = [n for n in wrt if n not in self.values]
        if missing or not wrt or len(set(wrt)) != len(wrt):
            raise ValueError(f"wrt {wrt} must name distinct variables of the instance")
        self.wrt = wrt
        self.shapes = [(int(self.values[n].shape[0]), int(self.values[n].shape[1])) for n in wrt]
        sizes = [r * c for r, c in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.max_entries = max_entries
        self.out_shape: tuple[int, ...] = ()
        self._per_point = sum(v.size for v in self.values.values())

    def stacked(self) -> Array:
        """The differentiated entries as one vector (row-major, variable by variable)."""
        return np.concatenate([self.values[name].ravel() for name in self.wrt])

    def steps(self) -> Array:
        """Outer step per stacked entry: a power of two near STEP * magnitude."""
        parts = []
        for name in self.wrt:
            entries = np.abs(self.values[name]).ravel()
            scale = float(np.max(entries)) if entries.size else 0.0
            scale = scale if np.isfinite(scale) and scale > 0 else 1.0
            magnitude = np.maximum(np.where(np.isfinite(entries), entries, scale), FLOOR * scale)
            parts.append(np.exp2(np.round(np.log2(STEP * magnitude))))
        return np.concatenate(parts)

    def evaluate(self, f: BatchedFunction, displacements: Array) -> Array:
        """f at the instance moved by each row of ``displacements``, as (batch, M)."""

        return self.evaluate_generated(
            f, displacements.shape[0], lambda lo, hi: displacements[lo:hi]
        )

    def evaluate_generated(
        self, f: BatchedFunction, count: int, moves: Callable[[int, int], Moves | Array]
    ) -> Array:
        """f at ``count`` moved points, the moves of points lo..hi built by ``moves(lo, hi)``
        one chunk at a time, as (count, M)."""
        out_size = max(1, int(np.prod(self.out_shape))) if self.out_shape else 1
        chunk = max(1, self.max_entries // (self._per_point + out_size))
        results = []
        for lo in range(0, count, chunk):
            hi = min(count, lo + chunk)
            results.append(self._call(f, hi - lo, moves(lo, hi)))
        return np.concatenate(results, axis=0)

    def _call(self, f: BatchedFunction, batch: int, moves: Moves | Array) -> Array:
        # Values not differentiated keep a batch axis of one: f broadcasts it.
        values: dict[str, Array] = {name: value[None] for name, value in self.values.items()}
        for index, name in enumerate(self.wrt):
            lo, hi = self.offsets[index], self.offsets[index + 1]
            base = self.values[name][None]
            if isinstance(moves, np.ndarray):  # dense (the probes move half the entries)
                values[name] = moves[:, lo:hi].reshape(batch, *base.shape[1:]) + base
                continue
            row, col, amount = moves  # sparse (a stencil point moves one group)
            moved = np.repeat(base, batch, axis=0)
            if len(self.wrt) > 1:
                mine = (col >= lo) & (col < hi)
                row, col, amount = row[mine], col[mine] - lo, amount[mine]
            # (point, entry) pairs are unique, so a buffered += adds each move once.
            moved.reshape(batch, -1)[row, col] += amount
            values[name] = moved
        with np.errstate(all="ignore"):  # non-finite values are handled, not warned about
            result = np.asarray(f(values), dtype=np.float64)
        if result.ndim < 1 or result.shape[0] != batch:
            raise ValueError(f"f returned shape {result.shape} for a batch of {batch}")
        if not self.out_shape:
            self.out_shape = tuple(int(d) for d in result.shape[1:]) or (1, 1)
        return result.reshape(batch, -1)


def _stencil_values(
    f: BatchedFunction,
    point: _Point,
    steps: Array,
    group_of: npt.NDArray[np.int64],
    center: Array | None,
    selected: npt.NDArray[np.intp],
) -> tuple[Array, Array]:
    """g(t) at t = -1, -1/2, 0, 1/2, 1 along the ``selected`` group directions, (M, S, 5),
    and f at the instance (evaluated in the same call when ``center`` is None)."""
    count = int(group_of.max()) + 1 if group_of.size else 0
    ts = np.asarray(STENCIL)
    group_index = np.repeat(selected, ts.size)
    t = np.tile(ts, selected.size)
    if center is None:  # one more point, moved by nothing: group `count` is empty
        group_index = np.concatenate([[count], group_index])
        t = np.concatenate([[0.0], t])
    order = np.argsort(group_of, kind="stable")
    sizes = np.bincount(group_of, minlength=count + 1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def moves(lo: int, hi: int) -> Moves:
        chunk_groups = group_index[lo:hi]
        counts = sizes[chunk_groups]
        row = np.repeat(np.arange(hi - lo), counts)
        first = np.repeat(starts[chunk_groups] - (np.cumsum(counts) - counts), counts)
        col = order[first + np.arange(row.size)]
        return row, col, t[lo:hi][row] * steps[col]

    moved = point.evaluate_generated(f, group_index.size, moves)  # ([1 +] S*4, M)
    if center is None:
        center, moved = moved[0], moved[1:]
    moved = moved.reshape(selected.size, ts.size, -1).transpose(2, 0, 1)  # (M, S, 4)
    values = np.empty((*moved.shape[:2], 5))
    values[..., :2] = moved[..., :2]
    values[..., 2] = center[:, None]
    values[..., 3:] = moved[..., 2:]
    return values, center


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
    depends = column >= 0
    entry = np.where(depends, column, 0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        slope = np.abs(stencil[..., 4] - stencil[..., 0]) / 2.0
        ratio = np.abs(stacked)[entry] / steps[entry]
        terms = np.where(depends, slope * ratio, 0.0)
        total = np.sum(np.where(np.isfinite(terms), terms, 0.0), axis=1, keepdims=True)
    floor: Array = richardson.ROUNDING_SAFETY * EPS * total
    return floor


def _amplified(stencil: Array, rounding: Array) -> BoolArray:
    """Outputs whose rounding noise is far above a few eps of their values, (M,): some
    intermediate is far larger than the output (cos of a^T y with y ~ 1e8), so a step
    relative to the inputs may span many periods of what the output does with it, and
    a stencil that samples whole periods apart looks smooth and converged. Their
    estimates are checked against the next finer level (see ``Estimate.improve``)."""
    with np.errstate(invalid="ignore"):
        size = np.max(np.where(np.isfinite(stencil), np.abs(stencil), 0.0), axis=(1, 2))
    amplified: BoolArray = rounding > AMPLIFIED * richardson.ROUNDING_SAFETY * EPS * size
    return amplified


def _drowned_entries(stencil: Array, rounding: Array, amplified: BoolArray) -> BoolArray:
    """Entries of amplified outputs that the outer stencil moves by no more than the kink
    test can tell from their rounding noise, (M, S). Such an output's intermediates dwarf
    it, so a term too small to show above that noise may still oscillate fast: 1e-8
    sin(a^T y) with y ~ 1e8 next to a term of size 1 has a slope of about 1 along a, yet
    its whole swing is within a few times the noise of the large term, and samples of it
    at scattered phases pass for a smooth, nearly flat stencil at every step that spans
    a period. Such a stencil bounds nothing; the entry's error is unknown, like that of a
    drowned output."""
    with np.errstate(invalid="ignore"):
        moved = np.abs(stencil - stencil[..., 2:3])
        variation = np.max(np.where(np.isfinite(moved), moved, 0.0), axis=2)
    flat: BoolArray = amplified[:, None] & (variation <= kinks.NOISE_FACTOR * rounding[:, None])
    return flat


def _drowned(stencil: Array, rounding: Array) -> BoolArray:
    """Outputs whose rounding noise is not small against all they move over the outer
    stencils, (M,): their values there are mostly rounding, so nothing can say how well
    the differences approximate the slope. (logdet of N N^T with N of condition 1e8
    carries a noise of several units; its sine then differs from step to step by noise
    alone, and a derivative of 1e7 reads as 1e3 with an error estimate of 1e6.)"""
    with np.errstate(invalid="ignore"):
        moved = np.abs(stencil - stencil[..., 2:3])
        variation = np.max(np.where(np.isfinite(moved), moved, 0.0), axis=(1, 2))
    drowned: BoolArray = (rounding > 0.0) & (rounding >= DROWNED * variation)
    return drowned


def _scatter(
    best: richardson.Estimate, jumps: BoolArray, groups: column_groups.Grouping, n_in: int
) -> tuple[Array, Array, BoolArray, BoolArray]:
    """Put each (output, group) result at (output, entry)."""
    n_out, count = groups.column.shape
    if count == n_in:  # ungrouped: group g is entry g
        return best.value, best.error, best.aside, jumps
    value = np.zeros((n_out, n_in))
    error = np.zeros((n_out, n_in))
    aside = np.zeros((n_out, n_in), dtype=bool)
    jumped = np.zeros((n_out, n_in), dtype=bool)
    rows, cols = np.nonzero(best.depends)
    entries = groups.column[rows, cols]
    value[rows, entries] = best.value[rows, cols]
    error[rows, entries] = best.error[rows, cols]
    aside[rows, entries] = best.aside[rows, cols]
    jumped[rows, entries] = jumps[rows, cols]
    return value, error, aside, jumped


def expression_function(typed: Typed) -> BatchedFunction:
    """A batched function evaluating a checked expression of the language.

    Non-finite values are returned rather than raised: the kink test sets such entries
    aside instead of failing the whole derivative.
    """

    def run(values: Mapping[str, Array]) -> Array:
        return evaluate(typed, values, finite=False)

    return run


__all__ = ["BatchedFunction", "Derivative", "expression_function", "jacobian"]
