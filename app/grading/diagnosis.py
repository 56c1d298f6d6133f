"""Naming the mistake in an answer that does not match the derivative.

Works on plain tensors (one :class:`~app.grading.compare.Comparison` per instance), in
the order of DESIGN §5 after the shape test: ``transposed`` (the other layout, DESIGN
§4), ``sign``, ``scaled`` (one constant factor on every instance, reported as a
rational-looking number or a size of the problem such as N), and finally ``entries``
with the wrong positions and a short description a learner can act on (only the
off-diagonal entries; only where a ReLU unit is inactive, Parr & Howard §5; one row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from app.grading.compare import Comparison, Mask, heatmap
from app.grading.result import Diagnosis as Kind

MAX_WRONG_ENTRIES = 20


@dataclass(frozen=True)
class Diagnosis:
    kind: Kind  # transposed, sign, scaled or entries
    factor: float | None = None
    factor_text: str | None = None
    wrong_entries: list[list[int]] = field(default_factory=list)
    description: str = ""
    heatmap: list[list[float]] = field(default_factory=list)


def diagnose(
    comparisons: list[Comparison],
    *,
    other_forms: list[Comparison] | None = None,
    sizes: dict[str, int] | None = None,
    piecewise: bool = False,
    axis_names: list[str] | None = None,
) -> Diagnosis:
    """The diagnosis of an answer that failed on at least one of ``comparisons``.

    ``other_forms`` compares the same answer with the other layout's form of the
    derivative (same instances); ``sizes`` names the problem's dimensions so that a
    factor such as 5 = N can be spoken of as N; ``piecewise`` says the function has
    relu/step/max/min/abs, so a mistake confined to zero entries is a missing mask.
    """
    failing = [c for c in comparisons if not c.passed] or comparisons
    first = failing[0]
    hmap = heatmap(first.answer, first.expected)
    if other_forms and all(o.passed for o in other_forms):
        return Diagnosis("transposed", heatmap=hmap)
    if all(c.matches(c.answer, -1.0) for c in comparisons) and _has_signal(comparisons):
        return Diagnosis("sign", factor=-1.0, factor_text="-1", heatmap=hmap)
    factor = _common_factor(comparisons, sizes or {})
    if factor is not None:
        return Diagnosis("scaled", factor=factor[0], factor_text=factor[1], heatmap=hmap)
    wrong = np.zeros(first.expected.shape, dtype=bool)
    zero_expected = True
    for comp in failing:
        mask = comp.wrong()
        wrong |= mask
        zero_expected &= bool(np.all(np.abs(comp.expected[mask]) <= comp.tol[mask]))
    positions = [[int(i) + 1 for i in idx] for idx in zip(*np.nonzero(wrong), strict=True)]
    description = describe_entries(
        wrong, piecewise=piecewise, zero_expected=zero_expected, axis_names=axis_names
    )
    if any(not np.all(np.isfinite(c.answer)) for c in failing):
        description += " (your answer is not finite there: a division by zero or an overflow?)"
    return Diagnosis(
        "entries",
        wrong_entries=positions[:MAX_WRONG_ENTRIES],
        description=description,
        heatmap=hmap,
    )


def _has_signal(comparisons: list[Comparison]) -> bool:
    """At least one checked expected entry is clearly non-zero (else -E == E)."""
    return any(bool(np.any(np.abs(c.expected[c.checked]) > c.tol[c.checked])) for c in comparisons)


def _enough_decided(comparisons: list[Comparison]) -> bool:
    """A factor is only claimed from two decided non-zero entries (one, when the derivative
    has only one): with the others set aside (near a kink, say), one wrong entry alone
    would fit "your answer is c times the derivative" however right the rest is."""
    decided = np.zeros(comparisons[0].expected.shape, dtype=bool)
    nonzero = np.zeros(comparisons[0].expected.shape, dtype=bool)
    for comp in comparisons:
        clear = np.isfinite(comp.expected) & (np.abs(comp.expected) > comp.tol)
        nonzero |= clear
        decided |= clear & comp.checked
    return int(decided.sum()) >= min(2, int(nonzero.sum()))


def _common_factor(
    comparisons: list[Comparison], sizes: dict[str, int]
) -> tuple[float, str] | None:
    """One constant c with answer = c * expected on every instance, c not 0, 1 or -1."""
    num = 0.0
    den = 0.0
    for comp in comparisons:
        a = comp.answer[comp.checked]
        e = comp.expected[comp.checked]
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
            return None  # no single factor relates an answer with infinite entries
        num += float(np.dot(a.ravel(), e.ravel()))
        den += float(np.dot(e.ravel(), e.ravel()))
    if den == 0.0 or not np.isfinite(num / den):
        return None
    raw = num / den
    if abs(raw) < 1e-9 or abs(raw - 1.0) < 1e-6 or abs(raw + 1.0) < 1e-6:
        return None
    if not _has_signal(comparisons) or not _enough_decided(comparisons):
        return None
    if not all(c.matches(c.answer, raw) for c in comparisons):
        return None
    frac = _simple(raw)
    if frac is not None and abs(float(frac) - raw) <= 1e-6 * abs(raw):
        raw = float(frac)
    return raw, factor_text(raw, sizes)


def factor_text(value: float, sizes: dict[str, int] | None = None) -> str:
    """A readable rendering of a factor: ``2``, ``1/2``, ``N = 5``, ``1/N`` or the float.

    A size of the problem (larger than 2) is named, since a missing mean's 1/N shows up
    as a factor N."""
    for name, size in (sizes or {}).items():
        if size > 2 and abs(abs(value) - size) <= 1e-6 * size:
            return f"{'-' if value < 0 else ''}{name} = {size}"
        if size > 2 and abs(abs(value) - 1.0 / size) <= 1e-6 / size:
            return f"{'-' if value < 0 else ''}1/{name} = 1/{size}"
    frac = _simple(value)
    if frac is not None and abs(float(frac) - value) <= 1e-6 * abs(value):
        if frac.denominator == 1:
            return str(frac.numerator)
        return f"{frac.numerator}/{frac.denominator}"
    # Four digits, more where four would show a simple number the factor is not: 1.00001
    # is not "1" (an answer 1 times the derivative would be right), 12345.678 not 12350.
    for digits in range(4, 17):
        text = f"{value:.{digits}g}"
        shown = float(text)
        simple = _simple(shown)
        if shown == value or simple is None or float(simple) != shown:
            return text
    return repr(value)


def _simple(value: float) -> Fraction | None:
    """The fraction of small terms (denominator up to 64) nearest ``value``, if any."""
    frac = Fraction(value).limit_denominator(64)
    return frac if frac != 0 and abs(frac.numerator) <= 1000 else None


def describe_entries(
    wrong: Mask,
    *,
    piecewise: bool = False,
    zero_expected: bool = False,
    axis_names: list[str] | None = None,
) -> str:
    """A short phrase saying which entries are wrong (1-based positions).

    For tensors, a mistake confined to the entries off a "diagonal" of two axes of equal
    length is named by the axes (``only where i != j``): that is the sparsity of dy/dW
    (Learned-Miller §3), whose entries vanish unless the output index equals the row."""
    total = int(wrong.size)
    count = int(wrong.sum())
    if count == 0:
        return "no single entry is clearly wrong, but the answer fails as a whole"
    if piecewise and zero_expected:
        return (
            "only where the unit is inactive (pre-activation <= 0): there the derivative "
            "is 0, so the answer needs the mask step(...)"
        )
    if count == 1:
        (idx,) = [tuple(int(i) + 1 for i in pos) for pos in zip(*np.nonzero(wrong), strict=True)]
        return f"only the entry {_position(idx)}"
    if wrong.ndim == 2 and wrong.shape[0] == wrong.shape[1] and wrong.shape[0] > 1:
        diagonal = np.eye(wrong.shape[0], dtype=bool)
        if not np.any(wrong & diagonal):
            return "only the off-diagonal entries"
        if not np.any(wrong & ~diagonal):
            return "only the diagonal entries"
    if wrong.ndim >= 3:
        pair = _axis_pair(wrong, axis_names)
        if pair is not None:
            zero = " (where the derivative is 0)" if zero_expected else ""
            return f"only where {pair}{zero}"
    if wrong.ndim == 2 and wrong.shape[0] > 1 and wrong.shape[1] > 1:
        rows = np.nonzero(wrong.any(axis=1))[0]
        cols = np.nonzero(wrong.any(axis=0))[0]
        if len(rows) == 1:
            return f"only row {int(rows[0]) + 1}"
        if len(cols) == 1:
            return f"only column {int(cols[0]) + 1}"
    if count == total:
        return "every entry"
    return f"{count} of {total} entries"


def _axis_pair(wrong: Mask, axis_names: list[str] | None) -> str | None:
    """``i != j`` when every wrong entry lies off the diagonal of axes (i, j)."""
    grid = np.indices(wrong.shape)
    names = axis_names if axis_names and len(axis_names) == wrong.ndim else None
    for a in range(wrong.ndim):
        for b in range(a + 1, wrong.ndim):
            if wrong.shape[a] != wrong.shape[b] or wrong.shape[a] < 2:
                continue
            if not np.any(wrong & (grid[a] == grid[b])):
                first = names[a] if names else f"axis {a + 1}"
                second = names[b] if names else f"axis {b + 1}"
                return f"{first} != {second}"
    return None


def _position(idx: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ")"
