"""Finite-difference derivatives at several instances in one batched evaluation (DESIGN §5).

This is the engine behind :func:`app.calculus.finite_diff.jacobian` (one instance) and
the grader's K >= 3 instances alike. Done one instance at a time, each derivative pays
the fixed cost of the calls of f, of building the stencils and of the error estimates;
for the small problems a class works on, that fixed cost is most of the time.
:func:`jacobians` pays it once: every probe and stencil point of every instance is
evaluated in one call of f, and the estimates treat output i of instance k as row
``k * M + i`` of one table, whose steps are those of its own instance.

f sees two batch axes, ``(K, P, rows, cols)``: instance k's value moved to its P points
for a differentiated variable, ``(K, 1, rows, cols)`` for one that is not, which f
broadcasts (as numpy operations and ``mathlang.evaluate`` do). A matrix the instances do
not differentiate (the data X of a loss) is never copied per point.

Column grouping (:mod:`app.calculus.column_groups`) probes every instance in one call
and groups the columns by the union of what the instances depend on: a superset of each
one's pattern, which never puts two columns an output depends on in one group. A finer
level is evaluated for every instance along the directions that any instance still
needs, which moves an estimate only within its error (tested against one at a time).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from app.calculus import column_groups, richardson
from app.calculus import finite_diff as fd
from app.calculus.layouts import canonical_shape

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def jacobians(
    f: fd.BatchedFunction,
    instances: Sequence[Mapping[str, npt.ArrayLike]],
    wrt: str | Sequence[str],
    *,
    rounding: Sequence[npt.ArrayLike | None] | None = None,
    grouping: bool = True,
    min_grouped: int = fd.MIN_GROUPED,
    max_entries: int = fd.MAX_ENTRIES,
) -> list[fd.Derivative]:
    """``[jacobian(f, instance, wrt, rounding=r) for instance, r in ...]``, batched, with f
    called on values ``(K, P, rows, cols)`` (see the module docstring) and returning
    ``(K, P, *out_shape)``. The instances share their shapes."""
    names = [wrt] if isinstance(wrt, str) else list(wrt)
    noise = list(rounding) if rounding is not None else [None] * len(instances)
    if any(r is None for r in noise) and not all(r is None for r in noise):
        return [
            jacobians(
                f,
                [instance],
                names,
                rounding=[r],
                grouping=grouping,
                min_grouped=min_grouped,
                max_entries=max_entries,
            )[0]
            for instance, r in zip(instances, noise, strict=True)
        ]
    points = _Points(instances, names, max_entries)
    k, n_in = points.count, points.n_in
    steps = points.steps()  # (K, n_in)
    shapes = tuple(points.shapes)
    codes = column_groups.entry_codes(shapes)
    if grouping and n_in >= max(2, min_grouped) and codes.n_bits > 0:
        # The instances themselves, then the probes: which outputs each input moves.
        pattern = _probe_pattern(shapes)
        moves = np.zeros((k, 1 + pattern.shape[0], n_in))
        np.multiply(pattern, steps[:, None, :], out=moves[:, 1:])
        first = points.evaluate_dense(f, moves)
        center = first[:, 0]
        first_calls = first.shape[1]
        changed = np.any(~(first[:, 1:] == center[:, None]), axis=0)
        plan = _grouped_plan(shapes, np.packbits(changed).tobytes(), changed.shape, k)
        stencil, _ = _stencil(f, points, steps, plan.groups.group_of, center, plan.groups.count)
    else:  # every instance and every entry alone, in one call
        alone = np.arange(n_in, dtype=np.int64)
        stencil, center = _stencil(f, points, steps, alone, None, n_in)
        plan = _ungrouped_plan(center.shape[1], n_in, k)
        first_calls = 1
    groups, column = plan.groups, plan.column
    evaluations = np.full(k, first_calls + len(fd.STENCIL) * groups.count)
    n_out = center.shape[1]
    flat_steps, stacked = steps.reshape(-1), points.stacked()
    floor = fd._condition_noise(stencil, flat_steps, column, stacked)
    drowned = np.zeros(k * n_out, dtype=bool)
    amplified = np.zeros(k * n_out, dtype=bool)
    flat = np.zeros(stencil.shape[:2], dtype=bool)
    if noise[0] is not None:
        given = np.concatenate([np.asarray(r, dtype=np.float64).reshape(-1) for r in noise])
        given = np.where(np.isfinite(given), given, 0.0)
        floor = np.maximum(floor, given[:, None])
        drowned, amplified, flat = fd.rounding_flags(stencil, given)
    best = richardson.Estimate.from_stencil(stencil, flat_steps, column, floor)
    best.done |= drowned[:, None] | flat
    best.check |= best.depends & amplified[:, None]  # a second level checks these outputs
    outer_jumps = best.jumps.copy()  # the outer stencil covers every finer one
    outer_aside = best.aside.copy()
    finest = np.zeros((k, groups.count))  # each instance's finest level of each direction
    for level in range(1, fd.LEVELS):
        unsettled = best.unsettled()
        todo = np.flatnonzero(np.any(unsettled, axis=0))
        if todo.size == 0:
            break
        # Only the instances that still need some of these directions are evaluated there.
        need = np.flatnonzero(np.any(unsettled[:, todo].reshape(k, -1), axis=1))
        finest[np.ix_(need, todo)] = level
        finer_steps = steps * fd.REFINE_FACTOR ** (-level)
        selected = _select(groups.group_of, todo)
        stencil = _stencil_of(f, points, need, finer_steps, selected, center, todo.size)
        # The outer stencil may not see the slope at all (cos of 1e8 moved by 5e3 wraps
        # around many periods): each level's slopes raise the floor for it and every finer
        # level, where values may be so quantised that their slopes read exactly 0.
        flat_finer = finer_steps.reshape(-1)
        floor = np.maximum(
            floor, fd._condition_noise(stencil, flat_finer, column[:, todo], stacked)
        )
        finer = richardson.Estimate.from_stencil(stencil, flat_finer, column[:, todo], floor)
        best.improve(finer, todo)
        evaluations[need] += len(fd.STENCIL) * todo.size
    todo = np.flatnonzero(best.needs_confirming(outer_aside, amplified))
    if todo.size:  # one off-grid stencil along them (see richardson.off_grid_steps)
        level_of = finest[:, groups.group_of]
        off_steps = richardson.off_grid_steps(
            (steps * fd.REFINE_FACTOR ** (-level_of)).reshape(-1), stacked
        ).reshape(k, n_in)
        selected = _select(groups.group_of, todo)
        stencil, _ = _stencil(f, points, off_steps, selected, center, todo.size)
        off = richardson.Estimate.from_stencil(
            stencil, off_steps.reshape(-1), column[:, todo], floor
        )
        best.confirm(off, todo, amplified)
        evaluations += len(fd.STENCIL) * todo.size
    best.error[flat & (best.value != 0.0)] = fd.UNKNOWN
    error = np.where(drowned[:, None] & (best.value != 0.0), fd.UNKNOWN, best.error)
    shape = (k, *_canonical_shape(points.out_shape, tuple(points.shapes)))
    parts = plan.scatter(best.value, error, best.aside, outer_jumps)
    value, error, aside, jumps = (part.reshape(shape) for part in parts)
    return [
        fd.Derivative(
            value=value[index],
            error=error[index],
            set_aside=aside[index],
            jumps=jumps[index],
            output=center[index].reshape(points.out_shape),
            out_shape=points.out_shape,
            in_shapes=tuple(points.shapes),
            evaluations=int(evaluations[index]),
            groups=groups.count,
        )
        for index in range(k)
    ]


class _Points:
    """Several instances of the same shapes, their stacked inputs, and batched evaluation
    of f at points that move each instance."""

    def __init__(
        self, instances: Sequence[Mapping[str, npt.ArrayLike]], wrt: list[str], max_entries: int
    ) -> None:
        if not instances:
            raise ValueError("no instance to differentiate at")
        first = {k: np.asarray(v, dtype=np.float64) for k, v in instances[0].items()}
        for name, value in first.items():
            if value.ndim != 2:
                raise ValueError(f"{name} must be 2-D (rows, cols), not {value.shape}")
        missing = [n for n in wrt if n not in first]
        if missing or not wrt or len(set(wrt)) != len(wrt):
            raise ValueError(f"wrt {wrt} must name distinct variables of the instance")
        self.wrt = wrt
        self.shapes = [(int(first[n].shape[0]), int(first[n].shape[1])) for n in wrt]
        sizes = [r * c for r, c in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.count = len(instances)
        self.n_in = int(self.offsets[-1])
        if self.count == 1:
            self.values = {name: value[None] for name, value in first.items()}
        else:
            try:  # np.array builds (K, rows, cols) in one step, where np.stack takes several
                self.values = {
                    name: np.array([i[name] for i in instances], dtype=np.float64) for name in first
                }
            except ValueError as exc:
                raise ValueError("the instances must have the same shapes") from exc
            if any(v.shape[1:] != first[n].shape for n, v in self.values.items()):
                raise ValueError("the instances must have the same shapes")
        self.max_entries = max_entries
        self.out_shape: tuple[int, ...] = ()
        self._per_point = sum(self.values[name][0].size for name in wrt)
        self._fixed = {n: v[:, None] for n, v in self.values.items() if n not in wrt}

    def subset(self, chosen: IntArray) -> _Points:
        """The same points at the ``chosen`` instances only."""
        sub = copy.copy(self)
        sub.values = {name: value[chosen] for name, value in self.values.items()}
        sub.count = int(chosen.size)
        sub._fixed = {n: v[:, None] for n, v in sub.values.items() if n not in self.wrt}
        return sub

    def steps(self) -> Array:
        """Outer step per instance and stacked entry, (K, n_in): a power of two near
        STEP * magnitude, the magnitude floored at FLOOR times its variable's largest."""
        parts = []
        for name in self.wrt:
            entries = np.abs(self.values[name]).reshape(self.count, -1)
            scale = np.max(entries, axis=1, keepdims=True, initial=0.0)
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            finite = np.where(np.isfinite(entries), entries, scale)
            parts.append(np.maximum(finite, fd.FLOOR * scale))
        magnitude = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        steps: Array = np.exp2(np.round(np.log2(fd.STEP * magnitude)))
        return steps

    def stacked(self) -> Array:
        """The differentiated entries of every instance, (K * n_in,)."""
        parts = [self.values[name].reshape(self.count, -1) for name in self.wrt]
        stacked: Array = np.concatenate(parts, axis=1).reshape(-1)
        return stacked

    def _chunk(self) -> int:
        """Points per instance and call, so that no call builds more than max_entries."""
        out_size = max(1, int(np.prod(self.out_shape))) if self.out_shape else 1
        return max(1, int(self.max_entries // (self.count * (self._per_point + out_size))))

    def evaluate_dense(self, f: fd.BatchedFunction, moves: Array) -> Array:
        """f at every instance moved by each row of its ``moves`` (K, P, n_in): (K, P, M)."""
        count, chunk = moves.shape[1], self._chunk()
        results = []
        for lo in range(0, count, chunk):
            part = moves[:, lo : lo + chunk]
            values = dict(self._fixed)
            for index, name in enumerate(self.wrt):
                lo_in, hi_in = self.offsets[index], self.offsets[index + 1]
                base = self.values[name][:, None]
                shape = (*part.shape[:2], *base.shape[2:])
                values[name] = part[..., lo_in:hi_in].reshape(shape) + base
            results.append(self._call(f, values, part.shape[1]))
        return results[0] if len(results) == 1 else np.concatenate(results, axis=1)

    def evaluate_sparse(
        self, f: fd.BatchedFunction, count: int, row: IntArray, col: IntArray, amount: Array
    ) -> Array:
        """f at ``count`` points per instance, point ``row[n]`` of instance k moved by
        ``amount[k, n]`` along entry ``col[n]`` (rows sorted): (K, count, M)."""
        chunk = self._chunk()
        results = []
        for lo in range(0, count, chunk):
            hi = min(count, lo + chunk)
            start, stop = np.searchsorted(row, [lo, hi])
            r, c, a = row[start:stop] - lo, col[start:stop], amount[:, start:stop]
            values = dict(self._fixed)
            for index, name in enumerate(self.wrt):
                lo_in, hi_in = self.offsets[index], self.offsets[index + 1]
                base = self.values[name]
                moved = np.repeat(base[:, None], hi - lo, axis=1)
                if len(self.wrt) > 1:
                    mine = (c >= lo_in) & (c < hi_in)
                    moved.reshape(self.count, hi - lo, -1)[:, r[mine], c[mine] - lo_in] += a[
                        :, mine
                    ]
                else:  # (point, entry) pairs are unique: a buffered += adds each move once
                    moved.reshape(self.count, hi - lo, -1)[:, r, c] += a
                values[name] = moved
            results.append(self._call(f, values, hi - lo))
        return results[0] if len(results) == 1 else np.concatenate(results, axis=1)

    def _call(self, f: fd.BatchedFunction, values: dict[str, Array], count: int) -> Array:
        with np.errstate(all="ignore"):  # non-finite values are handled, not warned about
            result = np.asarray(f(values), dtype=np.float64)
        if result.ndim < 2 or result.shape[:2] != (self.count, count):
            raise ValueError(f"f returned shape {result.shape} for {self.count} x {count} points")
        if not self.out_shape:
            self.out_shape = tuple(int(d) for d in result.shape[2:]) or (1, 1)
        return result.reshape(self.count, count, -1)


def _stencil_of(
    f: fd.BatchedFunction,
    points: _Points,
    need: IntArray,
    steps: Array,
    group_of: npt.NDArray[np.int64],
    center: Array,
    count: int,
) -> Array:
    """:func:`_stencil` at the instances ``need`` only, (K*M, S, 5); the rows of the other
    instances are NaN, which every estimate reads as set aside and ignores."""
    k = points.count
    if need.size == k:
        return _stencil(f, points, steps, group_of, center, count)[0]
    part, _ = _stencil(f, points.subset(need), steps[need], group_of, center[need], count)
    n_out = center.shape[1]
    values = np.full((k, n_out, count, 5), np.nan)
    values[need] = part.reshape(need.size, n_out, count, 5)
    return values.reshape(k * n_out, count, 5)


def _select(group_of: npt.NDArray[np.int64], todo: IntArray) -> npt.NDArray[np.int64]:
    """The grouping restricted to the ``todo`` groups, renumbered 0..len(todo)-1 (-1: not
    moved)."""
    renumber = np.full(int(group_of.max()) + 1, -1, dtype=np.int64)
    renumber[todo] = np.arange(todo.size)
    selected: npt.NDArray[np.int64] = renumber[group_of]
    return selected


@functools.lru_cache(maxsize=256)
def _stencil_moves(
    group_key: bytes, count: int, with_center: bool
) -> tuple[IntArray, IntArray, Array]:
    """(row, col, t) of the stencil points along ``count`` group directions: point
    ``offset + 4 s + q`` moves every entry j of group s by STENCIL[q] times its step, the
    points of one direction in stencil order (row sorted). Depends on the grouping only,
    so it is kept for the next call with the same one."""
    group_of = np.frombuffer(group_key, dtype=np.int64)
    ts = np.asarray(fd.STENCIL)
    entries = np.flatnonzero(group_of >= 0)
    entries = entries[np.argsort(group_of[entries], kind="stable")]  # by group, then index
    sizes = np.bincount(group_of[entries], minlength=count)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # For direction s and stencil point q: its size[s] entries, in order.
    per_point = np.repeat(sizes, ts.size)  # (count * 4,)
    point = np.repeat(np.arange(count * ts.size), per_point)
    start = np.repeat(np.repeat(first, ts.size), per_point)
    within = np.arange(point.size) - np.repeat(np.cumsum(per_point) - per_point, per_point)
    col = entries[start + within]
    t = ts[point % ts.size]
    row = point + int(with_center)
    for array in (row, col, t):
        array.flags.writeable = False
    return row, col, t


def _stencil(
    f: fd.BatchedFunction,
    points: _Points,
    steps: Array,
    group_of: npt.NDArray[np.int64],
    center: Array | None,
    count: int,
) -> tuple[Array, Array]:
    """Stencil values (K*M, S, 5) along the ``count`` directions of ``group_of`` (entries
    at -1 stay put) at every instance, and f at each instance (K, M), evaluated in the same
    call when ``center`` is None."""
    k = points.count
    ts = len(fd.STENCIL)
    key = np.ascontiguousarray(group_of, dtype=np.int64).tobytes()
    row, col, t = _stencil_moves(key, count, center is None)
    points_per = count * ts + int(center is None)
    moved = points.evaluate_sparse(f, points_per, row, col, t * steps[:, col])
    if center is None:
        center, moved = moved[:, 0], moved[:, 1:]
    n_out = center.shape[1]
    moved = moved.reshape(k, count, ts, n_out).transpose(0, 3, 1, 2)  # (K, M, S, 4)
    values = np.empty((k, n_out, count, 5))
    values[..., :2] = moved[..., :2]
    values[..., 2] = center[:, :, None]
    values[..., 3:] = moved[..., 2:]
    return values.reshape(k * n_out, count, 5), center


class _Plan:
    """What a grouping means for K instances, built once per grouping and kept: the
    entry each (instance and output) row reads from each group (-1: none), and where
    each (row, group) result goes in the (instance, output, entry) tensor."""

    def __init__(self, groups: column_groups.Grouping, k: int) -> None:
        self.groups = groups
        n_out, count = groups.column.shape
        self.n_in = int(groups.group_of.size)
        offsets = (np.arange(k) * self.n_in)[:, None, None]
        column = np.where(groups.column >= 0, groups.column[None] + offsets, -1)
        self.column = column.reshape(k * n_out, count)  # row k*M + i reads entry k*n_in + j
        self.column.flags.writeable = False
        self.shape = (k, n_out, count)
        self.grouped = count != self.n_in
        rows, cols = np.nonzero(groups.column >= 0)
        self.source = rows * count + cols  # flat (output, group) within an instance
        self.target = rows * self.n_in + groups.column[rows, cols]  # flat (output, entry)

    def scatter(self, *tables: npt.NDArray[Any]) -> list[npt.NDArray[Any]]:
        """Each (row, group) table as (instance, output, entry)."""
        if not self.grouped:  # ungrouped: group g is entry g
            return [table.reshape(self.shape) for table in tables]
        k, n_out, count = self.shape
        out = []
        for table in tables:
            full = np.zeros((k, n_out * self.n_in), dtype=table.dtype)
            full[:, self.target] = table.reshape(k, n_out * count)[:, self.source]
            out.append(full)
        return out


@functools.lru_cache(maxsize=256)
def _grouped_plan(
    shapes: tuple[tuple[int, int], ...], changed: bytes, size: tuple[int, int], k: int
) -> _Plan:
    """The plan for the grouping that the probes' results ``changed`` (packed bits of a
    ``size`` array: which outputs each probe moved) give: the same exercise gives the
    same pattern at every grading, so the groups are worked out once."""
    bits = np.unpackbits(np.frombuffer(changed, dtype=np.uint8), count=size[0] * size[1])
    moved: npt.NDArray[np.bool_] = bits.reshape(size).astype(bool)
    codes = column_groups.entry_codes(shapes)
    if size[1] > 1:
        return _Plan(column_groups.group_columns(codes, moved), k)
    return _Plan(column_groups.ungrouped(size[1], codes.codes.size), k)


@functools.lru_cache(maxsize=256)
def _ungrouped_plan(n_out: int, n_in: int, k: int) -> _Plan:
    return _Plan(column_groups.ungrouped(n_out, n_in), k)


@functools.lru_cache(maxsize=256)
def _canonical_shape(
    out_shape: tuple[int, ...], shapes: tuple[tuple[int, int], ...]
) -> tuple[int, ...]:
    return tuple(canonical_shape(out_shape, shapes))


@functools.lru_cache(maxsize=64)
def _probe_pattern(shapes: tuple[tuple[int, int], ...]) -> Array:
    """The probes' displacements in units of each entry's step (see
    :func:`app.calculus.column_groups.probe_displacements`)."""
    codes = column_groups.entry_codes(shapes)
    pattern = column_groups.probe_displacements(codes, np.ones(codes.codes.size))
    pattern.flags.writeable = False
    return pattern


__all__ = ["jacobians"]
