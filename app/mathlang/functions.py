"""The built-in functions of the expression language: one table that every pass reads.

Each entry says how many arguments a function takes, which shape rule the checker
applies, how to compute it with numpy on *batched* operands (arrays ``(*batch, r, c)``),
how to spell it in LaTeX, and whether it is piecewise (has kinks where a finite
difference straddles a non-differentiable point: ``relu``, ``step``, ``abs``, ``max``,
``min``), which the grader needs to set such entries aside (DESIGN §5).

Every implementation treats the last two axes as the matrix and broadcasts over the
rest, so the finite-difference engine can evaluate all perturbations in one call.
Reductions keep the two matrix axes (a scalar is ``(*batch, 1, 1)``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

ShapeRule = Literal[
    "elementwise",  # one argument, the result has its shape
    "elementwise2",  # two arguments of equal shapes, or one of them scalar (expanded)
    "reduce",  # any shape -> scalar
    "dot",  # two vectors of equal length -> scalar
    "outer",  # vectors of lengths m and n -> m x n
    "kron",  # a x b and c x d -> ac x bd
    "diag",  # vector n -> n x n; square n x n -> n x 1
    "square_scalar",  # square matrix -> scalar
    "square",  # square matrix -> same shape
    "vector",  # vector -> same shape
    "transpose",  # r x c -> c x r
    "constructor",  # ones(n), ones(m, n), zeros(..), eye(n): sizes from literal arguments
    "delta",  # two scalars -> scalar (1 where equal)
]


@dataclass(frozen=True)
class Builtin:
    """One built-in function.

    ``latex`` is the operator's LaTeX name (``\\sin``, ``\\operatorname{relu}``); the
    LaTeX printer special-cases the few functions that are not written ``name(args)``
    (``sqrt``, ``abs``, ``norm``, ``inv``, ``kron``, ``delta``, the constructors).
    ``domain_hint`` completes the message when the result is not finite.
    """

    name: str
    min_args: int
    max_args: int
    rule: ShapeRule
    latex: str
    kinked: bool = False
    impl: Callable[[Sequence[Array]], Array] | None = None
    domain_hint: str = ""


def _f(value: object) -> Array:
    """The value as a float64 array (numpy's reductions are typed loosely)."""
    return np.asarray(value, dtype=np.float64)


def _unary(fn: Callable[[Array], Array]) -> Callable[[Sequence[Array]], Array]:
    return lambda args: fn(args[0])


def _sigmoid(z: Array) -> Array:
    """Logistic function without overflow: exp is only taken of -|z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _step(z: Array) -> Array:
    return (z > 0).astype(np.float64)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _sum(a: Array) -> Array:
    return _f(np.sum(a, axis=(-2, -1), keepdims=True))


def _mean(a: Array) -> Array:
    return _f(np.mean(a, axis=(-2, -1), keepdims=True))


def _norm(a: Array) -> Array:
    """Frobenius norm of a matrix, which is the 2-norm of a vector."""
    return _f(np.sqrt(np.sum(a * a, axis=(-2, -1), keepdims=True)))


def _flat_vector(a: Array) -> Array:
    """A column or row vector ``(*batch, n, 1)`` / ``(*batch, 1, n)`` as ``(*batch, n)``."""
    return a.reshape(*a.shape[:-2], a.shape[-2] * a.shape[-1])


def _dot(args: Sequence[Array]) -> Array:
    product = _flat_vector(args[0]) * _flat_vector(args[1])
    return _f(np.sum(product, axis=-1)[..., None, None])


def _outer(args: Sequence[Array]) -> Array:
    return _flat_vector(args[0])[..., :, None] * _flat_vector(args[1])[..., None, :]


def kron(a: Array, b: Array) -> Array:
    """Batched Kronecker product: block (i, j) of the result is ``a[i, j] * b``."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    (p, q), (r, s) = a.shape[-2:], b.shape[-2:]
    blocks = a[..., :, None, :, None] * b[..., None, :, None, :]
    return np.broadcast_to(blocks, (*batch, p, r, q, s)).reshape(*batch, p * r, q * s)


def diag(a: Array) -> Array:
    """A vector to the diagonal matrix it spans; a square matrix to its diagonal (column)."""
    rows, cols = a.shape[-2:]
    if rows == 1 or cols == 1:
        v = _flat_vector(a)
        result: Array = v[..., :, None] * np.eye(v.shape[-1])
        return result
    return np.diagonal(a, axis1=-2, axis2=-1)[..., :, None].copy()


def _trace(a: Array) -> Array:
    return _f(np.trace(a, axis1=-2, axis2=-1)[..., None, None])


def _det(a: Array) -> Array:
    return np.asarray(np.linalg.det(a), dtype=np.float64)[..., None, None]


def _logdet(a: Array) -> Array:
    """log det A through slogdet (no overflow); NaN where det A <= 0, reported as domain."""
    sign, logabs = np.linalg.slogdet(a)
    return _f(np.where(sign > 0, logabs, np.nan)[..., None, None])


def inverse(a: Array) -> Array:
    """Batched inverse; a singular matrix of the batch gets NaN entries (a domain error)."""
    try:
        return np.asarray(np.linalg.inv(a), dtype=np.float64)
    except np.linalg.LinAlgError:
        flat = a.reshape(-1, *a.shape[-2:])
        out = np.full_like(flat, np.nan)
        for k, m in enumerate(flat):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[k] = np.linalg.inv(m)
        return out.reshape(a.shape)


def matrix_power(a: Array, k: int) -> Array:
    """``A^k`` for a batched square matrix and an integer ``k`` (negative through inv)."""
    base = inverse(a) if k < 0 else a
    return np.asarray(np.linalg.matrix_power(base, abs(k)), dtype=np.float64)


def _softmax(a: Array) -> Array:
    """Softmax of a vector, shifted by its largest entry so exp never overflows."""
    shifted = a - np.max(a, axis=(-2, -1), keepdims=True)
    e = np.exp(shifted)
    return _f(e / np.sum(e, axis=(-2, -1), keepdims=True))


def _transpose(a: Array) -> Array:
    return _f(np.swapaxes(a, -1, -2))


def _delta(args: Sequence[Array]) -> Array:
    return _f(args[0] == args[1])


def _elementwise(name: str, fn: Callable[[Array], Array], latex: str, **kw: object) -> Builtin:
    return Builtin(name, 1, 1, "elementwise", latex, impl=_unary(fn), **kw)  # type: ignore[arg-type]


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        _elementwise("exp", np.exp, r"\exp"),
        _elementwise("log", np.log, r"\log", domain_hint="log needs positive numbers"),
        _elementwise("ln", np.log, r"\ln", domain_hint="ln needs positive numbers"),
        _elementwise("sqrt", np.sqrt, r"\sqrt", domain_hint="sqrt needs non-negative numbers"),
        _elementwise("abs", np.abs, r"\operatorname{abs}", kinked=True),
        _elementwise("sin", np.sin, r"\sin"),
        _elementwise("cos", np.cos, r"\cos"),
        _elementwise("tan", np.tan, r"\tan"),
        _elementwise("tanh", np.tanh, r"\tanh"),
        _elementwise("sigmoid", _sigmoid, r"\sigma"),
        _elementwise("relu", _relu, r"\operatorname{relu}", kinked=True),
        _elementwise("step", _step, r"\operatorname{step}", kinked=True),
        _elementwise("sign", np.sign, r"\operatorname{sign}", kinked=True),
        Builtin("max", 2, 2, "elementwise2", r"\max", True, lambda a: np.maximum(a[0], a[1])),
        Builtin("min", 2, 2, "elementwise2", r"\min", True, lambda a: np.minimum(a[0], a[1])),
        Builtin("sum", 1, 1, "reduce", r"\operatorname{sum}", impl=_unary(_sum)),
        Builtin("mean", 1, 1, "reduce", r"\operatorname{mean}", impl=_unary(_mean)),
        Builtin("norm", 1, 1, "reduce", r"\operatorname{norm}", impl=_unary(_norm)),
        Builtin("dot", 2, 2, "dot", r"\operatorname{dot}", impl=_dot),
        Builtin("outer", 2, 2, "outer", r"\operatorname{outer}", impl=_outer),
        Builtin("kron", 2, 2, "kron", r"\otimes", impl=lambda a: kron(a[0], a[1])),
        Builtin("diag", 1, 1, "diag", r"\operatorname{diag}", impl=_unary(diag)),
        Builtin("trace", 1, 1, "square_scalar", r"\operatorname{tr}", impl=_unary(_trace)),
        Builtin("tr", 1, 1, "square_scalar", r"\operatorname{tr}", impl=_unary(_trace)),
        Builtin("det", 1, 1, "square_scalar", r"\det", impl=_unary(_det)),
        Builtin(
            "logdet",
            1,
            1,
            "square_scalar",
            r"\log\det",
            impl=_unary(_logdet),
            domain_hint="logdet needs a positive determinant",
        ),
        Builtin(
            "inv",
            1,
            1,
            "square",
            r"\operatorname{inv}",
            impl=_unary(inverse),
            domain_hint="the matrix is singular",
        ),
        Builtin("softmax", 1, 1, "vector", r"\operatorname{softmax}", impl=_unary(_softmax)),
        Builtin("transpose", 1, 1, "transpose", r"\top", impl=_unary(_transpose)),
        Builtin("ones", 1, 2, "constructor", r"\mathbf{1}"),
        Builtin("zeros", 1, 2, "constructor", r"\mathbf{0}"),
        Builtin("eye", 1, 1, "constructor", "I"),
        Builtin("delta", 2, 2, "delta", r"\delta", impl=_delta),
    )
}
"""Every built-in function by name (``tr`` is ``trace``; ``ln`` is ``log``)."""

KINKED: frozenset[str] = frozenset(name for name, b in BUILTINS.items() if b.kinked)
"""Piecewise functions whose finite differences can straddle a kink."""
