"""Checking each step of a derivation with numbers, at one concrete instance.

A step is shown as verified only when what it claims holds numerically: its
derivative expression, evaluated by :func:`app.mathlang.evaluate`, matches the
finite-difference derivative of the function it differentiates, arranged in the step's
layout (:mod:`app.calculus.layouts`); or, for the component view's sums, the explicit
sum reproduces the function's value. The instance avoids the kinks of ``relu``,
``step``, ``abs``, ``max`` and ``min`` so that a central difference is meaningful
(DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus import layouts
from app.calculus.finite_diff import expression_function, jacobian
from app.calculus.sampling import kinked_sites
from app.mathlang.ast import Binary, Node
from app.mathlang.declarations import Declaration

Array = npt.NDArray[np.float64]
Shape = tuple[int, int]


def kink_arguments(tree: Node) -> list[Node]:
    """The sub-expressions whose sign picks a branch (``z`` in relu(z), ``a - b`` in max(a, b))."""
    return [
        site.argument if site.right is None else Binary("-", site.argument, site.right)
        for site in kinked_sites(tree)
    ]


def _draw(rng: np.random.Generator, shape: Shape, domain: str) -> Array:
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "spd":
        a = rng.standard_normal(shape)
        return a @ a.T + shape[0] * np.eye(shape[0])
    if domain == "invertible":
        return rng.standard_normal(shape) + 2.0 * shape[0] * np.eye(shape[0])
    signs = rng.choice([-1.0, 1.0], size=shape)
    return signs * rng.uniform(0.3, 1.7, shape)


def instance(
    tree: Node, declarations: Mapping[str, Declaration], shapes: Mapping[str, Shape], seed: int
) -> dict[str, Array]:
    """Seeded values for every variable, with every kink argument clear of zero."""
    sites = [mathlang.check(site, shapes) for site in kink_arguments(tree)]
    rng = np.random.default_rng(seed)
    best: dict[str, Array] = {}
    best_margin = -1.0
    for _ in range(40):
        values = {n: _draw(rng, shapes[n], d.domain) for n, d in declarations.items()}
        margin = min(
            (float(np.min(np.abs(mathlang.evaluate(s, values, finite=False)))) for s in sites),
            default=1.0,
        )
        if margin > best_margin:
            best, best_margin = values, margin
        if margin > 0.05:
            break
    return best


def finite_differences(
    function: mathlang.Typed, values: Mapping[str, Array], wrt: Sequence[str]
) -> tuple[Array, Array]:
    """Canonical finite-difference tensor and its error estimate (entries the kink test
    sets aside get an infinite error: they can neither pass nor fail a step)."""
    d = jacobian(expression_function(function), values, list(wrt))
    error = np.where(d.set_aside, np.inf, d.error)
    return np.asarray(d.value, dtype=np.float64), np.asarray(error, dtype=np.float64)


def _close(answer: Array, fd: Array, error: Array) -> bool:
    if answer.shape != fd.shape or not np.all(np.isfinite(answer)):
        return False
    finite = np.isfinite(error)
    if not np.any(finite):
        return False
    scale = float(np.max(np.abs(fd[finite]))) if fd.size else 0.0
    tol = 1e-6 * np.abs(fd) + 1e-7 * scale + 10.0 * np.where(finite, error, 0.0) + 1e-12
    answer = np.where(finite, answer, fd)
    return bool(np.all(np.abs(answer - fd) <= tol))


def derivative_holds(
    function: Node,
    variables: Mapping[str, Shape],
    values: Mapping[str, Array],
    wrt: Sequence[str],
    derivative: Node,
    layout: layouts.Layout = "numerator",
    indices: Mapping[str, int] | None = None,
    *,
    canonical: bool = False,
) -> bool:
    """Does ``derivative`` equal d function / d wrt?

    ``derivative`` is a matrix in ``layout``, or (with ``indices``) an index form read as
    the grader reads one (:func:`app.calculus.layouts.index_layout`): the matrix form when
    it has as many axes as there are indices, otherwise the canonical axes
    ``D[out..., in...]``, moved to ``D[in..., out...]`` in denominator layout. With
    ``canonical`` the indices run over the canonical axes whatever the layout (the
    component view's pattern of one entry, before it is arranged).
    """
    try:
        typed = mathlang.check(function, variables)
        fd, err = finite_differences(typed, values, wrt)
        out_shape = typed.shape
        in_shapes = [variables[w] for w in wrt]
        axes = layouts.canonical_shape(out_shape, in_shapes)
        fd_t = fd.reshape(axes)
        err_t = err.reshape(axes)
        answer_t = mathlang.check(derivative, variables, indices=indices)
        answer = np.asarray(mathlang.evaluate(answer_t, values), dtype=np.float64)
        if indices is not None and canonical:
            return answer.size == fd_t.size and _close(answer.reshape(fd_t.shape), fd_t, err_t)
        if indices is not None:  # arranged exactly as the grader reads an index form
            expected_t = layouts.index_layout(fd_t, out_shape, in_shapes, layout, len(indices))
            error_t = layouts.index_layout(err_t, out_shape, in_shapes, layout, len(indices))
            if expected_t is None or error_t is None or answer.size != expected_t.size:
                return False
            return _close(answer.reshape(expected_t.shape), expected_t, error_t)
        expected = layouts.to_layout(fd_t, out_shape, in_shapes, layout)
        error = layouts.to_layout(err_t, out_shape, in_shapes, layout)
        return _close(answer, expected, error)
    except (mathlang.MathError, ValueError):
        return False


def tensor_holds(
    function: Node,
    variables: Mapping[str, Shape],
    values: Mapping[str, Array],
    wrt: Sequence[str],
    tensor: Callable[[], Array],
) -> bool:
    """Does a tensor computed from the step's sums equal the canonical finite-difference tensor?"""
    try:
        typed = mathlang.check(function, variables)
        fd, err = finite_differences(typed, values, wrt)
        canonical = layouts.canonical_shape(typed.shape, [variables[w] for w in wrt])
        return _close(
            np.asarray(tensor(), dtype=np.float64).reshape(canonical),
            fd.reshape(canonical),
            err.reshape(canonical),
        )
    except (mathlang.MathError, ValueError):
        return False


def value_holds(
    function: Node,
    variables: Mapping[str, Shape],
    values: Mapping[str, Array],
    tensor: Callable[[], Array],
) -> bool:
    """Does the explicit sum of a step reproduce the function's value?"""
    try:
        value = np.asarray(
            mathlang.evaluate(mathlang.check(function, variables), values), dtype=np.float64
        )
        got = np.asarray(tensor(), dtype=np.float64).reshape(-1)
        return bool(
            np.allclose(
                got, value.reshape(-1), rtol=1e-10, atol=1e-12 * (1 + float(np.max(np.abs(value))))
            )
        )
    except (mathlang.MathError, ValueError):
        return False


def evaluate(node: Node, variables: Mapping[str, Shape], values: Mapping[str, Array]) -> Array:
    return np.asarray(mathlang.evaluate(mathlang.check(node, variables), values), dtype=np.float64)
