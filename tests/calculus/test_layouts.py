"""Layouts: every row of the DESIGN §4 table, round trips, and stacked inputs."""

from __future__ import annotations

import numpy as np
import pytest

from app.calculus import layouts
from app.calculus.layouts import (
    canonical_shape,
    expected_shape,
    from_layout,
    other_layout,
    stack_inputs,
    to_layout,
    value_axes,
)

# (output shape, input shapes, numerator form, denominator form): DESIGN §4, cell by cell.
TABLE = [
    ((1, 1), [(1, 1)], (1, 1), (1, 1)),  # scalar / scalar
    ((1, 1), [(5, 1)], (1, 5), (5, 1)),  # scalar / vector
    ((1, 1), [(1, 5)], (1, 5), (5, 1)),  # scalar / row vector
    ((1, 1), [(3, 4)], (4, 3), (3, 4)),  # scalar / matrix
    ((3, 1), [(1, 1)], (3, 1), (1, 3)),  # vector / scalar
    ((3, 1), [(5, 1)], (3, 5), (5, 3)),  # vector / vector
    ((1, 3), [(5, 1)], (3, 5), (5, 3)),  # row vector / vector
    ((3, 1), [(4, 5)], (3, 4, 5), (4, 5, 3)),  # vector / matrix
    ((2, 3), [(1, 1)], (2, 3), (3, 2)),  # matrix / scalar
    ((2, 3), [(5, 1)], (2, 3, 5), (5, 2, 3)),  # matrix / vector
    ((2, 3), [(4, 5)], (2, 3, 4, 5), (4, 5, 2, 3)),  # matrix / matrix
]


@pytest.mark.parametrize(("out", "ins", "num", "den"), TABLE)
def test_expected_shape_follows_the_design_table(out, ins, num, den):
    assert expected_shape(out, ins, "numerator") == num
    assert expected_shape(out, ins, "denominator") == den


@pytest.mark.parametrize(("out", "ins", "num", "den"), TABLE)
def test_round_trip_and_axis_rule(out, ins, num, den):
    shape = canonical_shape(out, ins)
    assert shape == value_axes(out) + value_axes(ins[0])
    tensor = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    for layout, form in (("numerator", num), ("denominator", den)):
        matrix = to_layout(tensor, out, ins, layout)
        assert matrix.shape == form
        np.testing.assert_array_equal(from_layout(matrix, out, ins, layout), tensor)


def test_vector_by_vector_numerator_is_the_jacobian_and_denominator_its_transpose():
    jac = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # dy_i/dx_j, y in R^2, x in R^3
    np.testing.assert_array_equal(to_layout(jac, (2, 1), [(3, 1)], "numerator"), jac)
    np.testing.assert_array_equal(to_layout(jac, (2, 1), [(3, 1)], "denominator"), jac.T)


def test_scalar_by_matrix_denominator_has_the_shape_of_x_and_numerator_its_transpose():
    grad = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # df/dX_{pq}, X is 2x3
    np.testing.assert_array_equal(to_layout(grad, (1, 1), [(2, 3)], "denominator"), grad)
    np.testing.assert_array_equal(to_layout(grad, (1, 1), [(2, 3)], "numerator"), grad.T)


def test_three_axes_denominator_moves_the_input_axes_first():
    tensor = np.random.default_rng(1).normal(size=(3, 4, 5))
    den = to_layout(tensor, (3, 1), [(4, 5)], "denominator")
    assert den[2, 1, 0] == tensor[0, 2, 1]


def test_batch_axes_are_kept():
    tensor = np.random.default_rng(2).normal(size=(7, 3, 5))
    matrix = to_layout(tensor, (3, 1), [(5, 1)], "denominator")
    assert matrix.shape == (7, 5, 3)
    np.testing.assert_array_equal(matrix[4], tensor[4].T)
    np.testing.assert_array_equal(from_layout(matrix, (3, 1), [(5, 1)], "denominator"), tensor)


def test_several_wrt_variables_stack_into_one_input_vector():
    # Parr & Howard §4: f(x, y) = [3x^2 y, 2x + y^8] with respect to x, y (both scalars).
    assert canonical_shape((2, 1), [(1, 1), (1, 1)]) == (2, 2)
    assert expected_shape((1, 1), [(1, 1), (1, 1)], "numerator") == (1, 2)
    assert expected_shape((3, 1), [(2, 1), (2, 3)], "denominator") == (8, 3)
    np.testing.assert_array_equal(
        stack_inputs([np.array([[1.0]]), np.array([[2.0, 3.0], [4.0, 5.0]])]),
        [1.0, 2.0, 3.0, 4.0, 5.0],
    )


def test_other_layout_swaps_and_wrong_shapes_are_refused():
    assert other_layout("numerator") == "denominator"
    assert other_layout("denominator") == "numerator"
    assert set(layouts.LAYOUTS) == {"numerator", "denominator"}
    with pytest.raises(ValueError):
        to_layout(np.zeros((3, 4)), (3, 1), [(5, 1)], "numerator")
    with pytest.raises(ValueError):
        from_layout(np.zeros((3, 5)), (3, 1), [(5, 1)], "denominator")


def test_index_forms_follow_the_matrix_form_or_the_canonical_axes():
    rng = np.random.default_rng(0)
    grad = rng.normal(size=(5,))  # scalar / vector: g[j] has one index, the matrix form two
    for layout in layouts.LAYOUTS:
        np.testing.assert_array_equal(layouts.index_layout(grad, (1, 1), [(5, 1)], layout, 1), grad)
        np.testing.assert_array_equal(
            layouts.index_layout(grad, (1, 1), [(5, 1)], layout, 2),
            to_layout(grad, (1, 1), [(5, 1)], layout),
        )
    cube = rng.normal(size=(3, 2, 4))  # vector / matrix: three indices, both layouts
    num = layouts.index_layout(cube, (3, 1), [(2, 4)], "numerator", 3)
    den = layouts.index_layout(cube, (3, 1), [(2, 4)], "denominator", 3)
    np.testing.assert_array_equal(num, cube)
    assert den is not None and den.shape == (2, 4, 3)
    assert den[1, 3, 2] == cube[2, 1, 3]
    jac = rng.normal(size=(3, 4))  # vector / vector written J[i, j]: the matrix form
    den2 = layouts.index_layout(jac, (3, 1), [(4, 1)], "denominator", 2)
    np.testing.assert_array_equal(den2, jac.T)
    assert layouts.index_layout(cube, (3, 1), [(2, 4)], "numerator", 2) is None


def test_index_forms_keep_leading_batch_axes():
    stack = np.random.default_rng(1).normal(size=(2, 3, 2, 4))
    den = layouts.index_layout(stack, (3, 1), [(2, 4)], "denominator", 3)
    assert den is not None and den.shape == (2, 2, 4, 3)
    for b in range(2):
        np.testing.assert_array_equal(
            den[b], layouts.index_layout(stack[b], (3, 1), [(2, 4)], "denominator", 3)
        )
    grads = stack[:, 0, 0, :]  # scalar / vector, batch of two, one index
    np.testing.assert_array_equal(
        layouts.index_layout(grads, (1, 1), [(4, 1)], "numerator", 1), grads
    )
