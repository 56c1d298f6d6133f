"""The layout forms of a derivative tensor the grader compares answers with (DESIGN §4).

The canonical derivative is ``D[out..., in...] = dY[out]/dX[in]`` with the singleton axis
of a column or row vector dropped (MIT 6.390 A.8's axis rule). Its forms:

* up to two axes in all, a matrix: numerator layout puts the outputs along the rows
  (Parr & Howard §4.1: the Jacobian of y = Wx is W, m x n), denominator layout is the
  transpose (MIT 6.390 A.2: dw/dv is m x n for v in R^m). A scalar by a p x q matrix is
  q x p in numerator layout and p x q (the shape of X) in denominator layout.
* three or more axes: numerator ``[out..., in...]``, denominator ``[in..., out...]``.

``in_axes`` is the input's axes: ``()`` for a scalar, ``(n,)`` for a vector or for several
``wrt`` variables stacked into one vector, ``(p, q)`` for a matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def vector_axes(shape: tuple[int, int]) -> tuple[int, ...]:
    """The axes of a value of 2-D ``shape`` once a vector's singleton axis is dropped."""
    rows, cols = shape
    if rows == 1 and cols == 1:
        return ()
    if cols == 1:
        return (rows,)
    if rows == 1:
        return (cols,)
    return (rows, cols)


def input_axes(wrt_shapes: list[tuple[int, int]]) -> tuple[int, ...]:
    """The input's axes; several ``wrt`` variables form one stacked vector (DESIGN §4)."""
    if len(wrt_shapes) == 1:
        return vector_axes(wrt_shapes[0])
    return (sum(r * c for r, c in wrt_shapes),)


def form_shape(out_axes: tuple[int, ...], in_axes: tuple[int, ...], layout: str) -> tuple[int, ...]:
    canonical = out_axes + in_axes
    dummy = np.zeros(canonical)
    return to_form(dummy, out_axes, in_axes, layout).shape


def to_form(
    tensor: Array, out_axes: tuple[int, ...], in_axes: tuple[int, ...], layout: str
) -> Array:
    """The ``layout`` form (``numerator`` or ``denominator``) of the canonical ``tensor``."""
    n_out, n_in = len(out_axes), len(in_axes)
    if n_out + n_in <= 2:
        numerator: Array
        if n_out + n_in == 0:
            numerator = tensor.reshape(1, 1)
        elif n_in == 0:
            numerator = tensor.reshape(out_axes) if n_out == 2 else tensor.reshape(-1, 1)
        elif n_out == 0:
            numerator = tensor.reshape(1, -1) if n_in == 1 else tensor.reshape(in_axes).T
        else:
            numerator = tensor.reshape(out_axes[0], in_axes[0])
        result: Array = numerator if layout == "numerator" else numerator.T
        return np.ascontiguousarray(result)
    if layout == "numerator":
        return tensor
    order = tuple(range(n_out, n_out + n_in)) + tuple(range(n_out))
    return np.ascontiguousarray(np.transpose(tensor, order))


def index_form(
    tensor: Array, out_axes: tuple[int, ...], in_axes: tuple[int, ...], layout: str, count: int
) -> Array | None:
    """The tensor an index-form answer with ``count`` indices is compared with.

    When ``count`` matches the matrix form's axes that form is used; otherwise, when it
    matches the canonical axes, ``D[out..., in...]`` (numerator) or ``D[in..., out...]``
    (denominator); ``None`` when neither fits."""
    form = to_form(tensor, out_axes, in_axes, layout)
    if form.ndim == count:
        return form
    n_out, n_in = len(out_axes), len(in_axes)
    if n_out + n_in == count:
        if layout == "numerator":
            return tensor
        order = tuple(range(n_out, n_out + n_in)) + tuple(range(n_out))
        return np.ascontiguousarray(np.transpose(tensor, order))
    return None
