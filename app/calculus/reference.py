"""The reference derivative an answer is graded against (DESIGN §5).

The finite-difference engine (:func:`app.calculus.finite_diff.jacobian`: Richardson
extrapolation, finer steps where needed, per-entry error estimates, the 5-point kink
test) gives the canonical tensor; on top of it the structural kink test
(:func:`app.calculus.kinks.structural_set_aside`) sets aside every input whose stencil
changes the side of a kinked sub-expression, which the 5-point test misses when the two
slopes differ little. The result is flattened to (outputs, inputs), the form in which the
grader scales its tolerance per input variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.calculus.finite_diff import Derivative, jacobian
from app.calculus.finite_diff_batch import jacobians
from app.calculus.kinks import SiteFunction, structural_set_aside, structural_set_aside_many

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Reference:
    """The canonical derivative as (outputs, inputs), its error estimate, the entries set
    aside by either kink test, and whether everything kept is finite."""

    values: Array
    error: Array
    set_aside: npt.NDArray[np.bool_]
    finite: bool


def reference_derivative(
    func: Callable[[Mapping[str, Array]], Array],
    sites: Sequence[SiteFunction],
    instance: Mapping[str, Array],
    wrt: Sequence[str],
    rounding: Callable[[Mapping[str, Array]], Array] | None = None,
) -> Reference:
    """The derivative of the batched ``func`` at ``instance`` with respect to the stacked
    ``wrt`` variables, with the entries near a kink of any of ``sites`` set aside.
    ``rounding(instance)`` bounds func's rounding error per output entry (see
    :func:`app.calculus.finite_diff.jacobian`)."""
    with np.errstate(all="ignore"):
        noise = None if rounding is None else rounding(instance)
        deriv = jacobian(func, instance, list(wrt), rounding=noise)
    return _reference(deriv, sites, instance, wrt)


def reference_derivatives(
    func: Callable[[Mapping[str, Array]], Array],
    sites: Sequence[SiteFunction],
    instances: Sequence[Mapping[str, Array]],
    wrt: Sequence[str],
    rounding: Callable[[Sequence[Mapping[str, Array]]], list[Array]] | None = None,
) -> list[Reference]:
    """:func:`reference_derivative` at each of ``instances``, their finite differences
    evaluated together (:func:`app.calculus.finite_diff_batch.jacobians`);
    ``rounding(instances)`` gives each one's noise bound."""
    stack = reference_stack(func, sites, instances, wrt, rounding)
    return [stack.one(k) for k in range(len(instances))]


@dataclass(frozen=True)
class References:
    """The references at K instances of one problem, stacked: (K, outputs, inputs) each,
    and ``finite`` per instance."""

    values: Array
    error: Array
    set_aside: npt.NDArray[np.bool_]
    finite: npt.NDArray[np.bool_]

    def one(self, k: int) -> Reference:
        return Reference(self.values[k], self.error[k], self.set_aside[k], bool(self.finite[k]))

    @classmethod
    def of(cls, references: Sequence[Reference]) -> References:
        return cls(
            np.stack([r.values for r in references]),
            np.stack([r.error for r in references]),
            np.stack([r.set_aside for r in references]),
            np.array([r.finite for r in references], dtype=bool),
        )


def reference_stack(
    func: Callable[[Mapping[str, Array]], Array],
    sites: Sequence[SiteFunction],
    instances: Sequence[Mapping[str, Array]],
    wrt: Sequence[str],
    rounding: Callable[[Sequence[Mapping[str, Array]]], list[Array]] | None = None,
) -> References:
    """:func:`reference_derivatives` as one stack, the kink rules applied to all the
    instances at once."""
    with np.errstate(all="ignore"):
        noise = None if rounding is None else rounding(instances)
        derivs = jacobians(func, instances, list(wrt), rounding=noise)
    count = len(instances)
    n_in = sum(int(np.size(instances[0][name])) for name in wrt)
    values = np.array([d.value for d in derivs], dtype=np.float64).reshape(count, -1, n_in)
    error = np.array([d.error for d in derivs], dtype=np.float64).reshape(count, -1, n_in)
    aside = np.array([d.set_aside for d in derivs], dtype=bool).reshape(count, -1, n_in)
    usable = np.isfinite(values) & np.isfinite(error)
    if sites:  # as in _reference, for every instance
        columns = structural_set_aside_many(sites, instances, wrt)
        jumps = np.array([d.jumps for d in derivs], dtype=bool).reshape(count, -1, n_in)
        aside = aside | (columns[:, None, :] & jumps)
    else:
        aside = aside & ~usable
    finite = np.all(usable | aside, axis=(1, 2))
    return References(values, error, aside, finite)


def _reference(
    deriv: Derivative,
    sites: Sequence[SiteFunction],
    instance: Mapping[str, Array],
    wrt: Sequence[str],
) -> Reference:
    n_in = sum(int(np.size(instance[name])) for name in wrt)
    values = np.asarray(deriv.value, dtype=np.float64).reshape(-1, n_in)
    error = np.asarray(deriv.error, dtype=np.float64).reshape(-1, n_in)
    aside = np.asarray(deriv.set_aside, dtype=bool).reshape(-1, n_in)
    if sites:
        # In a column whose stencil changes the side of a kinked site, only the outputs
        # that feel a slope jump there are set aside, not the whole column.
        columns = structural_set_aside(sites, instance, wrt)[None, :]
        assert deriv.jumps is not None
        jumps = np.asarray(deriv.jumps, dtype=bool).reshape(-1, n_in)
        aside = aside | (columns & jumps)
    else:
        # With no piecewise site the function is smooth wherever it is finite: a stencil
        # the 5-point test flags there sits where the slope itself vanishes (x^3 at 0),
        # which is no kink; only entries that are not finite stay set aside.
        aside = aside & ~(np.isfinite(values) & np.isfinite(error))
    finite = bool(np.all((np.isfinite(values) & np.isfinite(error)) | aside))
    return Reference(values, error, aside, finite)
