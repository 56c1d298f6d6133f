"""The canonical derivative tensor and its matrix forms (DESIGN §4).

The derivative of an output Y with respect to an input X is first of all a tensor,

    D[out..., in...] = dY[out] / dX[in],

whose axes follow the **axis rule** ``axes(dY/dX) = axes(Y) + axes(X)``, where a scalar
has no axis and a column or row vector has one (its singleton axis is dropped): the
derivative of y (m) with respect to W (p x q) has the three axes [m, p, q]
(Learned-Miller §3; MIT 6.390 A.9.2). This is the *canonical* tensor the
finite-difference engine returns.

Textbooks write the one- and two-axis cases as matrices, in one of two arrangements
(MIT 6.390 A.2–A.8; Parr & Howard §4):

| output \\ input | scalar x    | vector x (n)   | matrix X (p x q)         |
|-----------------|-------------|----------------|--------------------------|
| scalar f        | 1x1         | num 1xn, den nx1 | num qxp, den pxq       |
| vector y (m)    | num mx1, den 1xm | num mxn, den nxm | num [m,p,q], den [p,q,m] |
| matrix Y (r x s)| num rxs, den sxr | num [r,s,n], den [n,r,s] | num [r,s,p,q], den [p,q,r,s] |

*Numerator* layout puts the output's axes first (Parr & Howard, Wu); *denominator*
layout puts the input's first (MIT 6.390: ``dw/dv`` is m x n for v in R^m;
Learned-Miller's ``dy/dx = W`` for ``y = xW``). In matrix form the two are transposes
of each other; with three or more axes the numerator form is the canonical order and
the denominator form moves the input axes to the front. The one exception to
"numerator = canonical" is scalar/matrix, whose numerator form is q x p (the transpose
of X) while the denominator form has the shape of X.

The **other layout** of an answer is what a learner writes when they mix the two
conventions up; the grader compares an incorrect answer with it to diagnose
``transposed``.

Several ``wrt`` variables are stacked into one input vector (Parr & Howard §4's
f(x, y) = [3x^2 y, 2x + y^8] with respect to x, y is a 2 x 2 Jacobian): the entries of
each variable, row-major, one variable after another, in the order ``wrt`` lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

Layout = Literal["numerator", "denominator"]
LAYOUTS: tuple[Layout, ...] = ("numerator", "denominator")
Shape = tuple[int, ...]
Array = npt.NDArray[np.float64]


def value_axes(shape: Sequence[int]) -> Shape:
    """The axes a value contributes to a derivative: singleton axes of 2-D values dropped.

    ``(1, 1)`` -> ``()``; ``(m, 1)`` and ``(1, m)`` -> ``(m,)``; ``(r, s)`` -> ``(r, s)``.
    Shapes that are not 2-D (index-form tensors) keep all their axes.
    """
    dims = tuple(int(d) for d in shape)
    if len(dims) != 2:
        return dims
    return tuple(d for d in dims if d != 1)


def input_axes(in_shapes: Sequence[Sequence[int]]) -> Shape:
    """Axes of the input: one variable's own axes, or one stacked vector for several."""
    if not in_shapes:
        raise ValueError("a derivative needs at least one input variable")
    if len(in_shapes) == 1:
        return value_axes(in_shapes[0])
    return (sum(int(np.prod(s)) for s in in_shapes),)


def canonical_shape(out_shape: Sequence[int], in_shapes: Sequence[Sequence[int]]) -> Shape:
    """Shape of the canonical tensor: ``axes(Y) + axes(X)``."""
    return value_axes(out_shape) + input_axes(in_shapes)


def other_layout(layout: Layout) -> Layout:
    return "denominator" if layout == "numerator" else "numerator"


def matrix_order(n_out: int, n_in: int, layout: Layout) -> tuple[tuple[int, ...], bool]:
    """How a matrix form is laid out: axis order of the canonical tensor, and whether the
    result is padded to 2-D (one- and zero-axis cases are written as matrices)."""
    total = n_out + n_in
    canonical = tuple(range(total))
    inputs_first = tuple(range(n_out, total)) + tuple(range(n_out))
    if total >= 3:
        return (canonical if layout == "numerator" else inputs_first), False
    if n_out == 0 and n_in == 2:  # scalar / matrix: the one exception (num q x p)
        return (inputs_first[::-1] if layout == "numerator" else canonical), False
    if total == 2:  # vector/vector, matrix/scalar
        return (canonical if layout == "numerator" else canonical[::-1]), False
    return canonical, True


def expected_shape(
    out_shape: Sequence[int], in_shapes: Sequence[Sequence[int]], layout: Layout
) -> Shape:
    """Shape of the answer an exercise expects in ``layout``.

    >>> expected_shape((3, 1), [(3, 4)], "numerator")
    (3, 3, 4)
    >>> expected_shape((1, 1), [(3, 4)], "numerator")
    (4, 3)
    >>> expected_shape((1, 1), [(4, 1)], "denominator")
    (4, 1)
    """
    out_axes = value_axes(out_shape)
    in_axes = input_axes(in_shapes)
    dims = out_axes + in_axes
    order, padded = matrix_order(len(out_axes), len(in_axes), layout)
    shape = tuple(dims[a] for a in order)
    if padded:
        return _pad(shape, len(out_axes), layout)
    return shape


def _pad(shape: Shape, n_out: int, layout: Layout) -> Shape:
    """Zero- and one-axis derivatives written as matrices.

    scalar/scalar is 1x1; scalar/vector is a row (numerator) or a column (denominator);
    vector/scalar is a column (numerator) or a row (denominator).
    """
    if not shape:
        return (1, 1)
    (n,) = shape
    as_column = (n_out == 1) == (layout == "numerator")
    return (n, 1) if as_column else (1, n)


def to_layout(
    tensor: Array, out_shape: Sequence[int], in_shapes: Sequence[Sequence[int]], layout: Layout
) -> Array:
    """The matrix form in ``layout`` of a canonical tensor (leading batch axes allowed)."""
    out_axes = value_axes(out_shape)
    in_axes = input_axes(in_shapes)
    core = len(out_axes) + len(in_axes)
    batch = tensor.ndim - core
    if batch < 0 or tuple(tensor.shape[batch:]) != out_axes + in_axes:
        raise ValueError(f"tensor of shape {tensor.shape} is not canonical {out_axes + in_axes}")
    order, _ = matrix_order(len(out_axes), len(in_axes), layout)
    moved = np.transpose(tensor, tuple(range(batch)) + tuple(batch + a for a in order))
    target = expected_shape(out_shape, in_shapes, layout)
    return np.reshape(moved, tensor.shape[:batch] + target)


def from_layout(
    matrix: Array, out_shape: Sequence[int], in_shapes: Sequence[Sequence[int]], layout: Layout
) -> Array:
    """The canonical tensor of an answer written in ``layout`` (inverse of :func:`to_layout`)."""
    out_axes = value_axes(out_shape)
    in_axes = input_axes(in_shapes)
    dims = out_axes + in_axes
    target = expected_shape(out_shape, in_shapes, layout)
    batch = matrix.ndim - len(target)
    if batch < 0 or tuple(matrix.shape[batch:]) != target:
        raise ValueError(f"matrix of shape {matrix.shape} is not the {layout} form {target}")
    order, _ = matrix_order(len(out_axes), len(in_axes), layout)
    ordered_dims = tuple(dims[a] for a in order)
    unpadded = np.reshape(matrix, matrix.shape[:batch] + ordered_dims)
    inverse = tuple(int(i) for i in np.argsort(order))
    return np.transpose(unpadded, tuple(range(batch)) + tuple(batch + a for a in inverse))


def stack_inputs(values: Sequence[Array]) -> Array:
    """Several input variables as one stacked vector (row-major entries, in order)."""
    return np.concatenate([np.reshape(v, (-1,)) for v in values])


def index_layout(
    tensor: Array,
    out_shape: Sequence[int],
    in_shapes: Sequence[Sequence[int]],
    layout: Layout,
    count: int,
) -> Array | None:
    """The tensor an answer written with ``count`` free indices is compared with (leading
    batch axes allowed).

    The matrix form when it has ``count`` axes (two indices for a Jacobian or a scalar by
    matrix derivative); otherwise, when ``count`` is the number of canonical axes, the
    tensor with the output axes first (numerator) or the input axes first (denominator),
    as for a scalar by vector derivative written ``g[j]``; ``None`` when neither fits.
    """
    form = to_layout(tensor, out_shape, in_shapes, layout)
    n_out, n_in = len(value_axes(out_shape)), len(input_axes(in_shapes))
    batch = tensor.ndim - n_out - n_in
    if form.ndim - batch == count:
        return form
    if n_out + n_in != count:
        return None
    if layout == "numerator":
        return tensor
    order = tuple(range(batch + n_out, batch + n_out + n_in)) + tuple(range(batch, batch + n_out))
    return np.transpose(tensor, tuple(range(batch)) + order)
