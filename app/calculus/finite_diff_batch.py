"""Finite-difference derivatives at several instances in one batched evaluation (DESIGN §5).

The grader differentiates its function at K >= 3 instances. Done one instance at a time,
each derivative pays the fixed cost of a call of f, of building the stencils and of the
error estimates; for the small problems a class works on, that fixed cost is most of the
time. :func:`jacobians` does the same work as :func:`app.calculus.finite_diff.jacobian`
for all K instances at once: one call of f evaluates every stencil point of every
instance (point p moves instance ``owner[p]``), and the estimates treat output i of
instance k as row ``k * M + i`` of one table, whose steps are those of its own instance.
Each result agrees with what ``jacobian`` gives for that instance alone within the error
estimates (tested): a finer level is evaluated for every instance along the directions
that any instance still needs, which moves an estimate only within its error.

Column grouping (for large inputs) is left to ``jacobian``, which :func:`jacobians` then
calls once per instance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.calculus import finite_diff as fd
from app.calculus import richardson
from app.calculus.layouts import canonical_shape

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def jacobians(
    f: fd.BatchedFunction,
    instances: Sequence[Mapping[str, npt.ArrayLike]],
    wrt: str | Sequence[str],
    *,
    rounding: Sequence[npt.ArrayLike | None] | None = None,
    min_grouped: int = fd.MIN_GROUPED,
    max_entries: int = fd.MAX_ENTRIES,
) -> list[fd.Derivative]:
    """``[jacobian(f, instance, wrt, rounding=r) for instance, r in ...]``, batched."""
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    noise = list(rounding) if rounding is not None else [None] * len(instances)
    points = _Points(instances, names, max_entries)
    mixed = any(r is None for r in noise) and not all(r is None for r in noise)
    if len(instances) <= 1 or points.n_in >= max(2, min_grouped) or mixed:
        return [
            fd.jacobian(f, instance, names, rounding=r, min_grouped=min_grouped)
            for instance, r in zip(instances, noise, strict=True)
        ]
    k, n_in = points.count, points.n_in
    steps = points.steps()  # (K * n_in,)
    directions = np.arange(n_in, dtype=np.intp)
    stencil, center = _stencil(f, points, steps, directions, None)
    n_out = center.shape[1]
    column = (np.arange(k)[:, None, None] * n_in + directions[None, None, :]).repeat(n_out, 1)
    column = column.reshape(k * n_out, n_in)  # row k*M + i reads entry k*n_in + s
    stacked = points.stacked()
    floor = fd._condition_noise(stencil, steps, column, stacked)
    drowned = np.zeros(k * n_out, dtype=bool)
    amplified = np.zeros(k * n_out, dtype=bool)
    flat = np.zeros(stencil.shape[:2], dtype=bool)
    if rounding is not None and noise[0] is not None:
        given = np.concatenate(
            [np.asarray(r, dtype=np.float64).reshape(-1) for r in noise if r is not None]
        )[:, None]
        given = np.where(np.isfinite(given), given, 0.0)
        floor = np.maximum(floor, given)
        drowned = fd._drowned(stencil, given[:, 0])
        amplified = fd._amplified(stencil, given[:, 0]) & ~drowned
        flat = fd._drowned_entries(stencil, given[:, 0], amplified)
    best = richardson.Estimate.from_stencil(stencil, steps, column, floor)
    best.done[drowned] = True
    best.done |= flat
    best.check[amplified] = best.depends[amplified]
    outer_jumps = best.jumps.copy()
    outer_aside = best.aside.copy()
    finest = np.zeros(n_in, dtype=np.int64)  # the finest level of each direction
    evaluations = k * (1 + len(fd.STENCIL) * n_in)
    for level in range(1, fd.LEVELS):
        todo = np.flatnonzero(np.any(best.unsettled(), axis=0))
        if todo.size == 0:
            break
        finest[todo] = level
        finer_steps = steps * fd.REFINE_FACTOR ** (-level)
        stencil, _ = _stencil(f, points, finer_steps, todo, center)
        floor = np.maximum(
            floor, fd._condition_noise(stencil, finer_steps, column[:, todo], stacked)
        )
        finer = richardson.Estimate.from_stencil(stencil, finer_steps, column[:, todo], floor)
        best.improve(finer, todo)
        evaluations += k * len(fd.STENCIL) * todo.size
    todo = np.flatnonzero(best.needs_confirming(outer_aside, amplified))
    if todo.size:  # one off-grid stencil along them, as jacobian does
        level_of = np.tile(finest, k).astype(np.float64)
        off_steps = richardson.off_grid_steps(steps * fd.REFINE_FACTOR ** (-level_of), stacked)
        stencil, _ = _stencil(f, points, off_steps, todo, center)
        off = richardson.Estimate.from_stencil(stencil, off_steps, column[:, todo], floor)
        best.confirm(off, todo, amplified)
        evaluations += k * len(fd.STENCIL) * todo.size
    best.error[flat & (best.value != 0.0)] = fd.UNKNOWN
    error = np.where(
        drowned[:, None] & (best.value != 0.0), fd.UNKNOWN, best.error
    )  # as jacobian does
    shape = canonical_shape(points.out_shape, points.shapes)
    out: list[fd.Derivative] = []
    for index in range(k):
        rows = slice(index * n_out, (index + 1) * n_out)
        out.append(
            fd.Derivative(
                value=best.value[rows].reshape(shape),
                error=error[rows].reshape(shape),
                set_aside=best.aside[rows].reshape(shape),
                jumps=outer_jumps[rows].reshape(shape),
                output=center[index].reshape(points.out_shape),
                out_shape=points.out_shape,
                in_shapes=tuple(points.shapes),
                evaluations=evaluations // k,
                groups=n_in,
            )
        )
    return out


class _Points:
    """Several instances of the same shapes, their stacked inputs, and batched evaluation
    of f at points that each move one instance."""

    def __init__(
        self, instances: Sequence[Mapping[str, npt.ArrayLike]], wrt: list[str], max_entries: int
    ) -> None:
        first = fd._Point(instances[0], wrt, max_entries)  # validates names and shapes
        self.wrt, self.shapes, self.offsets = wrt, first.shapes, first.offsets
        self.count = len(instances)
        self.n_in = int(self.offsets[-1])
        self.values = {
            name: np.stack([np.asarray(i[name], dtype=np.float64) for i in instances])
            for name in first.values
        }  # (K, rows, cols)
        if any(v.shape[1:] != first.values[n].shape for n, v in self.values.items()):
            raise ValueError("the instances must have the same shapes")
        self.max_entries = max_entries
        self.out_shape: tuple[int, ...] = ()
        self._per_point = sum(v[0].size for v in self.values.values())

    def steps(self) -> Array:
        """``_Point.steps`` of every instance, (K * n_in,), instance by instance."""
        parts = []
        for name in self.wrt:
            entries = np.abs(self.values[name]).reshape(self.count, -1)
            scale = np.max(entries, axis=1, keepdims=True, initial=0.0)
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            finite = np.where(np.isfinite(entries), entries, scale)
            magnitude = np.maximum(finite, fd.FLOOR * scale)
            parts.append(np.exp2(np.round(np.log2(fd.STEP * magnitude))))
        steps: Array = np.concatenate(parts, axis=1).reshape(-1)
        return steps

    def stacked(self) -> Array:
        """The differentiated entries of every instance, (K * n_in,)."""
        parts = [self.values[name].reshape(self.count, -1) for name in self.wrt]
        stacked: Array = np.concatenate(parts, axis=1).reshape(-1)
        return stacked

    def evaluate(self, f: fd.BatchedFunction, owner: IntArray, moves: fd.Moves) -> Array:
        """f at points ``owner[p]`` moved by the sparse ``moves`` (point, flat entry,
        amount), in chunks of at most ``max_entries`` numbers, as (points, M)."""
        out_size = max(1, int(np.prod(self.out_shape))) if self.out_shape else 1
        chunk = max(1, self.max_entries // (self._per_point + out_size))
        row, col, amount = moves
        results = []
        for lo in range(0, owner.size, chunk):
            hi = min(owner.size, lo + chunk)
            mine = (row >= lo) & (row < hi)
            part = (row[mine] - lo, col[mine], amount[mine])
            results.append(self._call(f, owner[lo:hi], part))
        return np.concatenate(results, axis=0)

    def _call(self, f: fd.BatchedFunction, owner: IntArray, moves: fd.Moves) -> Array:
        batch = owner.size
        values = {name: value[owner] for name, value in self.values.items()}
        row, col, amount = moves
        local = col % self.n_in
        for index, name in enumerate(self.wrt):
            lo, hi = self.offsets[index], self.offsets[index + 1]
            mine = (local >= lo) & (local < hi)
            flat = values[name].reshape(batch, -1)
            flat[row[mine], local[mine] - lo] += amount[mine]
        with np.errstate(all="ignore"):
            result = np.asarray(f(values), dtype=np.float64)
        if result.ndim < 1 or result.shape[0] != batch:
            raise ValueError(f"f returned shape {result.shape} for a batch of {batch}")
        if not self.out_shape:
            self.out_shape = tuple(int(d) for d in result.shape[1:]) or (1, 1)
        return result.reshape(batch, -1)


def _stencil(
    f: fd.BatchedFunction,
    points: _Points,
    steps: Array,
    selected: IntArray,
    center: Array | None,
) -> tuple[Array, Array]:
    """Stencil values (K*M, S, 5) along the ``selected`` entries of every instance, and f at
    each instance (K, M), evaluated in the same call when ``center`` is None."""
    k, n_in = points.count, points.n_in
    ts = np.asarray(fd.STENCIL)
    per = selected.size * ts.size  # moved points per instance
    instance = np.repeat(np.arange(k), per)
    entry = np.tile(np.repeat(selected, ts.size), k)
    t = np.tile(ts, k * selected.size)
    offset = 0 if center is not None else k
    row = np.arange(instance.size) + offset
    col = instance * n_in + entry
    owner = instance if center is not None else np.concatenate([np.arange(k), instance])
    moved = points.evaluate(f, owner.astype(np.intp), (row, col, t * steps[col]))
    if center is None:
        center, moved = moved[:k], moved[k:]
    n_out = center.shape[1]
    moved = moved.reshape(k, selected.size, ts.size, n_out).transpose(0, 3, 1, 2)
    values = np.empty((k, n_out, selected.size, 5))
    values[..., :2] = moved[..., :2]
    values[..., 2] = center[:, :, None]
    values[..., 3:] = moved[..., 2:]
    return values.reshape(k * n_out, selected.size, 5), center


__all__ = ["jacobians"]
