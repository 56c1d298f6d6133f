"""Column grouping (Curtis, Powell & Reid 1974) for finite differences of sparse Jacobians.

Two input entries ("columns" of the Jacobian) are *structurally orthogonal* when no
output depends on both; perturbing them together in one direction gives each output's
derivative with respect to whichever of them it depends on. The derivative of y = W x
with respect to W (Learned-Miller §3) is the textbook case: y_i depends on row i of W
only, so all the entries of a column of W can move together and q perturbations do the
work of p q.

Finding the pattern cheaply (no per-column probe). Each input entry j gets a binary
*code* built from the bits of (variable, row, column). For every bit b we perturb, once,
all entries whose bit b is 1, and once all whose bit b is 0, by random steps a little
larger than the finite-difference step (each way), and see which outputs change (exact
comparison, in the same batched call as the unperturbed point). Output i then knows, for
each bit, which values of it occur among the entries it depends on; its dependency set
lies inside the "box" of codes with allowed values on every bit. The box is exact for
the row, column and diagonal structures of matrix calculus (Wx, xW, element-wise maps)
and a superset otherwise, which only costs extra groups: a superset never makes two
dependent columns share a group. The cost is 4 evaluations per bit (both signs; 48 for a
64 x 64 matrix), against one per column for a classic probe.

Groups: a bit is *free* if some output's box allows both of its values. Entries that
agree on all free bits differ on some bit that every output fixes, so no output sees two
of them: the group of an entry is its code restricted to the free bits. Then for output
i and group g the only candidate entry is the code made of g's free bits and i's fixed
bits, which the engine uses to put each grouped difference back in its place.

Random steps make an exact cancellation between two perturbed entries an event of
probability zero; an output too insensitive for a step of this size to change it is
also invisible to the finite differences themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_PROBE_SEED = 0x5EED


def _bits_for(count: int) -> int:
    return max(0, int(count - 1).bit_length())


@dataclass(frozen=True, eq=False)
class Codes:
    """Binary codes of the input entries (variable, row, column)."""

    codes: IntArray  # (N,)
    n_bits: int

    @property
    def bit_table(self) -> BoolArray:
        """(N, n_bits): bit b of each entry's code."""
        return ((self.codes[:, None] >> np.arange(self.n_bits)) & 1).astype(bool)


def entry_codes(shapes: Sequence[tuple[int, int]]) -> Codes:
    """Codes of every entry of the stacked input, row-major within each variable."""
    return _entry_codes(tuple((int(r), int(c)) for r, c in shapes))


@functools.lru_cache(maxsize=64)
def _entry_codes(shapes: tuple[tuple[int, int], ...]) -> Codes:
    row_bits = _bits_for(max(r for r, _ in shapes))
    col_bits = _bits_for(max(c for _, c in shapes))
    parts = []
    for index, (rows, cols) in enumerate(shapes):
        r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        parts.append((index << (row_bits + col_bits)) | (r.ravel() << col_bits) | c.ravel())
    n_bits = row_bits + col_bits + _bits_for(len(shapes))
    codes = np.concatenate(parts).astype(np.int64)
    codes.flags.writeable = False  # shared by every call with these shapes
    return Codes(codes, n_bits)


def probe_displacements(codes: Codes, steps: Array) -> Array:
    """(4 * n_bits, N) displacements: for each bit, the entries with bit 1, then bit 0,
    moved by random steps of one to one and a half finite-difference steps (reaching past
    the stencil); then the same moves with the opposite sign, because an input sitting
    on a kink (relu at 0) is seen to matter from one side only."""
    pattern = _probe_pattern(codes)  # (4 * n_bits, N): 0, or a random factor with a sign
    moves: Array = pattern * steps[None, :]
    return moves


@functools.lru_cache(maxsize=64)
def _probe_pattern(codes: Codes) -> Array:
    rng = np.random.default_rng(_PROBE_SEED)
    n = codes.codes.size
    factors = rng.uniform(1.0, 1.5, size=n) * rng.choice((-1.0, 1.0), size=n)
    table = codes.bit_table  # (N, B)
    members = np.empty((2 * codes.n_bits, n), dtype=bool)
    members[0::2] = table.T
    members[1::2] = ~table.T
    once = np.where(members, factors[None, :], 0.0)
    pattern = np.vstack([once, -once])
    pattern.flags.writeable = False
    return pattern


@dataclass(frozen=True)
class Grouping:
    """Groups of structurally orthogonal input entries and where their differences go.

    ``group_of[j]`` is the group of entry j; ``column[i, g]`` is the entry whose
    derivative output i reads from group g's difference, or -1 when it depends on none.
    """

    group_of: IntArray  # (N,)
    column: IntArray  # (M, G)

    @property
    def count(self) -> int:
        return int(self.column.shape[1])


def ungrouped(n_out: int, n_in: int) -> Grouping:
    """Every entry alone: output i reads entry g from group g."""
    return Grouping(
        np.arange(n_in, dtype=np.int64),
        np.broadcast_to(np.arange(n_in, dtype=np.int64), (n_out, n_in)),
    )


def group_columns(codes: Codes, changed: BoolArray) -> Grouping:
    """Groups from the probe results ``changed`` ((4 * n_bits, M): which outputs moved)."""
    half = changed.shape[0] // 2
    changed = changed[:half] | changed[half:]
    n_out = changed.shape[1]
    n_in = codes.codes.size
    if codes.n_bits == 0:
        return ungrouped(n_out, n_in)
    allow_one = changed[0::2].T  # (M, B): some dependency has bit b = 1
    allow_zero = changed[1::2].T
    free = np.any(allow_one & allow_zero, axis=0)  # (B,)
    weights = np.int64(1) << np.arange(codes.n_bits, dtype=np.int64)
    free_bits = np.flatnonzero(free)
    if 2**free_bits.size >= n_in:  # no fewer groups than entries: nothing to gain
        return ungrouped(n_out, n_in)
    # The group of an entry: its free bits, packed, then renumbered over occupied groups.
    packed = ((codes.codes[:, None] >> free_bits) & 1) @ (np.int64(1) << np.arange(free_bits.size))
    occupied = np.bincount(packed, minlength=2**free_bits.size) > 0
    group_of = (np.cumsum(occupied) - 1)[packed].astype(np.int64)
    group_codes = np.zeros(int(occupied.sum()), dtype=np.int64)
    group_codes[group_of] = codes.codes & int(np.sum(weights[free]))
    if group_codes.size >= n_in:
        return ungrouped(n_out, n_in)
    # Output i's fixed bits (the one value its box allows on each non-free bit).
    fixed = ~free
    row_code = (allow_one[:, fixed].astype(np.int64) * weights[fixed]).sum(axis=1)
    row_nonempty = np.all(allow_one[:, fixed] | allow_zero[:, fixed], axis=1)
    candidate = group_codes[None, :] | row_code[:, None]  # (M, G)
    # Inside output i's box on every free bit: the group's value of the bit is allowed.
    inside = np.repeat(row_nonempty[:, None], group_codes.size, axis=1)  # (M, G)
    for bit in free_bits:  # a loop of elementwise ands beats a reduction over a short axis
        has_one = ((group_codes >> bit) & 1).astype(bool)
        inside &= np.where(has_one[None, :], allow_one[:, bit, None], allow_zero[:, bit, None])
    # Codes increase with the entry index (row-major, variable by variable).
    position = np.minimum(np.searchsorted(codes.codes, candidate), n_in - 1)
    exists = codes.codes[position] == candidate
    column = np.where(inside & exists, position, -1).astype(np.int64)
    return Grouping(group_of, column)
