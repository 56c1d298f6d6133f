"""How much rounding an evaluation carries, intermediates included, measured by perturbation.

Evaluating in float64 rounds every intermediate value by up to eps relative, and each such
error reaches the output scaled by the output's sensitivity to that intermediate. So the
noise of the output is not eps |f| when an intermediate is far larger than the result:
``log(exp(z))`` with z = 1e-8 returns 1e-8 with an error of about eps * exp(z) = 2e-16
(relative 2e-8); ``cos(a^T y)`` with y ~ 1e8 inherits the rounding of a^T y (eps * 1e8);
``det`` of a nearly singular matrix the rounding of its entries times the cofactors. A
finite-difference reference whose steps move such an output by a few of those units would
otherwise claim an accuracy it does not have.

Bounding this by propagating absolute values through the tree (running error analysis)
is far too pessimistic where a computation cancels by structure (the large entries of the
inverse of a nearly singular matrix cancel in most functions of it). Instead,
:func:`rounding_noise` *measures* it, in the spirit of Monte Carlo arithmetic (Parker;
the CESTAC method): the tree is evaluated a few more times in one batched call with every
intermediate value multiplied by ``1 + delta``, |delta| between eps and 2 eps with a random
sign per entry, which is the rounding each operation may commit (and, for the operation
that consumes it, the backward error of a factorisation such as ``inv``). The largest
change of each output entry, times a safety factor, is the noise. The draws are seeded,
so a grading is repeatable.

Example: ``log(exp(x))`` at x = 1e-8 measures a noise of a few eps, not eps * 1e-8.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.mathlang.ast import Name
from app.mathlang.evaluate import Plan, _Run, plan_of
from app.mathlang.functions import Array
from app.mathlang.shapes import Typed

EPS = float(np.finfo(np.float64).eps)
SAMPLES = 4
"""Perturbed evaluations (each a random rounding of every intermediate)."""
SAFETY = 4.0
"""The noise is this many times the largest change seen: a few random draws see a typical
rounding, and the worst one can be several times larger."""
SEED = 20_240_611


def rounding_noise(
    typed: Typed, values: Mapping[str, npt.ArrayLike], varying: Collection[str] | None = None
) -> Array:
    """The rounding noise of ``evaluate(typed, values)``, entry by entry (the value's shape).

    With ``varying``, only intermediates that depend on those variables are perturbed: a
    sub-expression of the other variables alone (``inv(A)`` when only b moves) is computed
    once and rounded the same way at every point of a finite-difference stencil, which
    shifts the derivative by no more than it shifts the function, not by noise over a step.
    """
    samples = {
        name: np.repeat(np.asarray(value, dtype=np.float64)[None], SAMPLES + 1, axis=0)
        for name, value in values.items()
    }
    plan = plan_of(typed)
    run = _Run(typed, samples, plan)  # the samples are a batch axis of the evaluation
    key = _key(typed, varying, samples)
    known = _ROUNDINGS.get(key)
    results: list[Array] = []
    with np.errstate(all="ignore"):
        if known is not None and known[0] is typed:
            for (step, kids), factor in zip(plan.steps, known[1], strict=True):
                value = step(run, [results[k] for k in kids])
                results.append(value if factor is None else value * factor)
        else:
            used = _perturbed(plan, run, varying, results)
            if len(_ROUNDINGS) >= _MAX_ROUNDINGS:
                _ROUNDINGS.clear()
            _ROUNDINGS[key] = (typed, used)
    out = results[-1]
    if typed.indices is not None:
        out = out[..., 0, 0]
    target = (*run.batch, *typed.shape)
    if out.shape != target:
        out = np.broadcast_to(out, target)
    with np.errstate(all="ignore"):  # inf - inf where the value is not finite
        change = np.abs(out[1:] - out[:1])
        noise = SAFETY * np.max(np.where(np.isfinite(change), change, 0.0), axis=0)
    return np.asarray(noise, dtype=np.float64)


def rounding_noise_each(
    typed: Typed,
    instances: Sequence[Mapping[str, npt.ArrayLike]],
    varying: Collection[str] | None = None,
) -> list[Array]:
    """:func:`rounding_noise` at each of ``instances`` (values of the same shapes), the
    instances after the first evaluated together: each one's intermediates are rounded by
    exactly the factors it takes alone, so each result is the one it gets alone."""
    first = rounding_noise(typed, instances[0], varying)
    rest = instances[1:]
    if not rest or typed.indices is not None:
        return [first] + [rounding_noise(typed, instance, varying) for instance in rest]
    one = {
        name: np.repeat(np.asarray(value, dtype=np.float64)[None], SAMPLES + 1, axis=0)
        for name, value in instances[0].items()
    }
    known = _ROUNDINGS.get(_key(typed, varying, one))
    if known is None or known[0] is not typed:  # not kept: one at a time
        return [first] + [rounding_noise(typed, instance, varying) for instance in rest]
    samples = {
        name: np.repeat(
            np.array([np.asarray(i[name], dtype=np.float64) for i in rest])[None],
            SAMPLES + 1,
            axis=0,
        )
        for name in instances[0]
    }  # (samples, instances, rows, cols)
    plan = plan_of(typed)
    run = _Run(typed, samples, plan)
    results: list[Array] = []
    with np.errstate(all="ignore"):
        for (step, kids), factor in zip(plan.steps, known[1], strict=True):
            value = step(run, [results[k] for k in kids])
            # Without index names only what reads a variable is rounded, and that carries
            # both batch axes: the instance's own factors broadcast over the instances.
            results.append(value if factor is None else value * factor[:, None])
    out = results[-1]
    target = (*run.batch, *typed.shape)
    if out.shape != target:
        out = np.broadcast_to(out, target)
    with np.errstate(all="ignore"):
        change = np.abs(out[1:] - out[:1])
        noise = SAFETY * np.max(np.where(np.isfinite(change), change, 0.0), axis=0)
    return [first] + [np.asarray(noise[k], dtype=np.float64) for k in range(len(rest))]


def _key(
    typed: Typed, varying: Collection[str] | None, samples: Mapping[str, Array]
) -> tuple[int, tuple[str, ...] | None, tuple[tuple[str, tuple[int, ...]], ...]]:
    return (
        id(typed),
        None if varying is None else tuple(sorted(varying)),
        tuple((name, value.shape) for name, value in samples.items()),
    )


def _perturbed(
    plan: Plan, run: _Run, varying: Collection[str] | None, results: list[Array]
) -> list[Array | None]:
    """Run ``plan`` with every intermediate that moves with ``varying`` multiplied by its
    rounding factors (appended to ``results``); the factors used, per step."""
    factors = _Factors()
    used: list[Array | None] = []
    moved: list[bool] = []
    for (step, kids), node in zip(plan.steps, plan.order, strict=True):
        value = step(run, [results[k] for k in kids])
        source = isinstance(node, Name) and (varying is None or node.name in varying)
        sampled = value.ndim > 2 and value.shape[0] == SAMPLES + 1
        moves = sampled and (source or any(moved[k] for k in kids))
        factor = factors.take(value.shape) if moves else None
        if factor is not None:
            factor.flags.writeable = False
            value = value * factor
        results.append(value)
        moved.append(moves)
        used.append(factor)
    return used


_ROUNDINGS: dict[
    tuple[int, tuple[str, ...] | None, tuple[tuple[str, tuple[int, ...]], ...]],
    tuple[Typed, list[Array | None]],
] = {}
"""The factors each step of a tree was rounded by, per tree, varying variables and value
shapes: which intermediates move and the factors they take depend on nothing else, and a
grader measures the same tree at the same shapes for every answer. (The entry holds the
tree, so its ``id`` is not reused while it is kept.)"""
_MAX_ROUNDINGS = 512

_TABLE_SIZE = 1 << 16
_rng = np.random.default_rng(SEED)
_TABLE: Array = 1.0 + EPS * (1.0 + _rng.random(_TABLE_SIZE)) * _rng.choice([-1.0, 1.0], _TABLE_SIZE)
"""Rounding factors 1 + delta, eps <= |delta| <= 2 eps with random signs, drawn once: each
evaluation reads them in order from the start, so it is repeatable and costs no draws."""


class _Factors:
    """Hands out consecutive runs of the table (wrapping around), sample 0 left exact."""

    def __init__(self) -> None:
        self.offset = 0

    def take(self, shape: tuple[int, ...]) -> Array:
        size = math.prod(shape)
        if size > _TABLE_SIZE:
            picks = np.arange(self.offset, self.offset + size) % _TABLE_SIZE
            flat = _TABLE[picks]
        elif self.offset + size <= _TABLE_SIZE:
            flat = _TABLE[self.offset : self.offset + size]
        else:
            flat = np.concatenate(
                [_TABLE[self.offset :], _TABLE[: size - (_TABLE_SIZE - self.offset)]]
            )
        self.offset = (self.offset + size) % _TABLE_SIZE
        factors = flat.reshape(shape).copy()
        factors[0] = 1.0
        return factors


__all__ = ["rounding_noise", "rounding_noise_each"]
