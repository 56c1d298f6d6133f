"""The derivation engine: the acceptance problems, layouts, views and error cases.

Every problem is derived, every step must be numerically verified, and the result must be
graded ``correct`` by the grader for the same problem and layout (DESIGN §6, §11).
"""

from __future__ import annotations

import pytest

from app.calculus.derivation import derive
from app.grading import Problem, grade
from app.mathlang import MathError

NEURON = {"w": "4", "x": "4", "b": "scalar"}
LOSS = {"X": "5x3", "w": "3", "b": "scalar", "y": "5"}

ACCEPTANCE = [
    ("W x", {"W": "3x4", "x": "4"}, "x"),
    ("x W", {"W": "4x3", "x": "1x4"}, "x"),
    ("W x", {"W": "3x4", "x": "4"}, "W"),
    ("relu(w^T x + b)", NEURON, "w"),
    ("relu(w^T x + b)", NEURON, "b"),
    ("mean((y - relu(X w + b)).^2)", LOSS, "w"),
    ("V W x", {"V": "2x3", "W": "3x4", "x": "4"}, "x"),
    ("sum(w .* x)", {"w": "4", "x": "4"}, "w"),
]

MORE = [
    ("[3 x^2 y, 2 x + y^8]", {"x": "scalar", "y": "scalar"}, "x,y"),
    ("x W", {"W": "4x3", "x": "1x4"}, "W"),
    ("X W", {"X": "3x4", "W": "4x2"}, "W"),
    ("V W x", {"V": "2x3", "W": "3x4", "x": "4"}, "W"),
    ("sum((W x + b - y).^2)", {"W": "3x4", "x": "4", "b": "3", "y": "3"}, "W"),
    ("sigmoid(W x + b)", {"W": "3x4", "x": "4", "b": "3"}, "x"),
    ("trace(A B)", {"A": "3x4", "B": "4x3"}, "A"),
    ("sum(X .* X)", {"X": "2x3"}, "X"),
    ("mean((y - relu(X w + b)).^2)", LOSS, "b"),
    ("tanh(x) ./ (1 + x .* x)", {"x": "3"}, "x"),
    ("norm(A x - c)", {"A": "3x2", "x": "2", "c": "3"}, "x"),
    ("exp(a^T x) * x", {"a": "3", "x": "3"}, "x"),
    ("t^2 A + sin(t) B C", {"t": "scalar", "A": "2x3", "B": "2x2", "C": "2x3"}, "t"),
    ("(t A)^T (t A)", {"t": "scalar", "A": "2x3"}, "t"),
]

ELEMENTWISE_OF_LINEAR = [
    ("tanh(W x + b)", {"W": "3x4", "x": "4", "b": "3"}, "W"),
    ("relu(W x)", {"W": "3x4", "x": "4"}, "W"),
    ("sigmoid(X W)", {"X": "2x3", "W": "3x2"}, "X"),
    ("exp(X W)", {"X": "2x3", "W": "3x2"}, "W"),
    ("tanh(x^T W)", {"W": "3x4", "x": "3"}, "W"),
    ("inv(X)", {"X": "3x3"}, "X"),
    ("X^-1", {"X": "2x2"}, "X"),
]

MATRIX_FUNCTIONS = [
    ("softmax(x)", {"x": "4"}, "x"),
    ("softmax(W x)", {"W": "3x4", "x": "4"}, "x"),
    ("log(sum(exp(x)))", {"x": "4"}, "x"),
    ("y^T log(softmax(W x))", {"W": "3x4", "x": "4", "y": "3"}, "W"),
    ("det(X)", {"X": "3x3"}, "X"),
    ("det(A B)", {"A": "3x3", "B": "3x3"}, "B"),
    ("logdet(X)", {"X": "3x3:spd"}, "X"),
    ("sum(inv(X))", {"X": "3x3"}, "X"),
    ("trace(inv(X) A)", {"X": "3x3", "A": "3x3"}, "X"),
    ("trace(X^3)", {"X": "3x3"}, "X"),
    ("sum(X^2)", {"X": "3x3"}, "X"),
    ("y^T A^2 x", {"A": "3x3", "x": "3", "y": "3"}, "A"),
]


def _graded(function: str, variables: dict[str, str], wrt: str, layout: str) -> None:
    d = derive(function, variables, wrt, layout, seed=2)
    assert len(d.steps) >= 3
    for step in d.steps:
        assert step.verified, step.title
        assert step.latex and step.title and step.source
    problem = Problem(
        variables=variables,
        function=function,
        wrt=wrt.split(","),
        layout=layout,
        indices=d.indices,
    )
    result = grade(problem, d.expression, seed=11)
    assert result["verdict"] == "correct", (d.expression, result["message"])


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("function", "variables", "wrt"), ACCEPTANCE)
def test_acceptance_problems(
    function: str, variables: dict[str, str], wrt: str, layout: str
) -> None:
    _graded(function, variables, wrt, layout)


@pytest.mark.parametrize(("function", "variables", "wrt"), MORE)
def test_more_problems(function: str, variables: dict[str, str], wrt: str) -> None:
    _graded(function, variables, wrt, "numerator")


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("function", "variables", "wrt"), MATRIX_FUNCTIONS)
def test_softmax_determinant_and_inverse(
    function: str, variables: dict[str, str], wrt: str, layout: str
) -> None:
    _graded(function, variables, wrt, layout)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize(("function", "variables", "wrt"), ELEMENTWISE_OF_LINEAR)
def test_elementwise_functions_of_linear_forms_by_a_matrix(
    function: str, variables: dict[str, str], wrt: str, layout: str
) -> None:
    _graded(function, variables, wrt, layout)


def test_an_elementwise_function_indexes_its_argument() -> None:
    d = derive("tanh(W x + b)", {"W": "3x4", "x": "4", "b": "3"}, "W")
    assert d.expression == "(1 - tanh((W x + b)[i])^2) delta(i, j) x[k]"
    assert d.steps[-2].title == "Carry the derivative through tanh, entry by entry"


def test_inverse_by_its_matrix_is_read_from_x_inv_x_equals_i() -> None:
    d = derive("inv(X)", {"X": "3x3"}, "X")
    assert d.expression == "-inv(X)[i, k] inv(X)[l, j]"
    assert d.steps[0].title == "Start from the identity that defines the inverse"


def test_results_of_softmax_and_det_read_as_written_by_hand() -> None:
    soft = derive("softmax(x)", {"x": "4"}, "x")
    assert soft.expression == "diag(softmax(x)) - softmax(x) softmax(x)^T"
    assert derive("det(X)", {"X": "3x3"}, "X", "denominator").expression == "det(X) inv(X)^T"
    assert derive("det(X)", {"X": "3x3"}, "X", "numerator").expression == "det(X) inv(X)"


def test_wx_reads_w_and_its_component_view_comes_first() -> None:
    d = derive("W x", {"W": "3x4", "x": "4"}, "x")
    assert d.expression == "W"
    assert d.steps[0].view == "component"
    assert "\\sum" in d.steps[0].latex
    assert any(s.view == "chain" for s in d.steps)


def test_xw_is_w_transposed_in_numerator_and_w_in_denominator() -> None:
    variables = {"W": "4x3", "x": "1x4"}
    assert derive("x W", variables, "x", "numerator").expression == "W^T"
    assert derive("x W", variables, "x", "denominator").expression == "W"


def test_dydw_is_index_form_with_a_compact_slice() -> None:
    d = derive("W x", {"W": "3x4", "x": "4"}, "W")
    assert d.indices == ["i", "j", "k"]
    assert d.shape == [3, 3, 4]
    assert d.compact is not None
    assert d.compact["indices"] == ["i", "k"]
    assert d.compact["expression"] == "x[k]"
    assert any("compact" in s.title for s in d.steps)


def test_denominator_index_form_puts_the_variable_axes_first() -> None:
    d = derive("W x", {"W": "3x4", "x": "4"}, "W", "denominator")
    assert d.indices == ["j", "k", "i"]
    assert d.shape == [3, 4, 3]


def test_neuron_result_carries_the_relu_mask() -> None:
    d = derive("relu(w^T x + b)", NEURON, "w")
    assert "step(" in d.expression
    assert any("Maximum" in s.title or "ReLU" in s.title for s in d.steps)


def test_simplification_rules_fire() -> None:
    assert derive("sum(w .* x)", {"w": "4", "x": "4"}, "w").expression == "x^T"
    assert derive("trace(A B)", {"A": "3x4", "B": "4x3"}, "A", "denominator").expression == "B^T"


def test_stacked_scalars_give_the_parr_howard_jacobian() -> None:
    d = derive("[3 x^2 y, 2 x + y^8]", {"x": "scalar", "y": "scalar"}, "x,y")
    assert d.shape == [2, 2]
    assert d.expression.startswith("[[")


def test_to_dict_follows_the_contract() -> None:
    data = derive("W x", {"W": "3x4", "x": "4"}, "x").to_dict()
    assert set(data) >= {"steps", "result"}
    assert set(data["result"]) >= {"expression", "latex", "indices"}
    assert all({"title", "latex", "verified"} <= set(s) for s in data["steps"])


def test_a_wrong_step_is_not_marked_verified() -> None:
    from app.calculus.derivation import verify
    from app.mathlang import parse

    shapes = {"W": (3, 4), "x": (4, 1)}
    values = verify.instance(parse("W x"), {}, {}, 1) or {}
    import numpy as np

    rng = np.random.default_rng(0)
    values = {"W": rng.standard_normal((3, 4)), "x": rng.standard_normal((4, 1))}
    assert verify.derivative_holds(parse("W x"), shapes, values, ["x"], parse("W"))
    assert not verify.derivative_holds(parse("W x"), shapes, values, ["x"], parse("2 W"))
    assert not verify.derivative_holds(parse("W x"), shapes, values, ["x"], parse("W^T"))


@pytest.mark.parametrize(
    ("function", "variables", "wrt", "error"),
    [
        ("W x +", {"W": "3x4", "x": "4"}, "x", MathError),
        ("W x", {"W": "3x4", "x": "4"}, "z", MathError),
        ("W y", {"W": "3x4", "x": "4"}, "x", MathError),
    ],
)
def test_errors(function: str, variables: dict[str, str], wrt: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        derive(function, variables, wrt)


def test_kron_by_its_vector_moves_one_entry_at_a_time() -> None:
    d = derive("kron(W, x)", {"W": "2x3", "x": "3"}, "x")
    assert d.verified and d.indices == ["i", "j", "k"] and d.shape == [6, 3, 3]
    assert d.expression == "kron(W, [delta(k, 1), delta(k, 2), delta(k, 3)])[i, j]"
    assert "e_{k}" in d.latex and r"\delta" not in d.latex  # shown as the unit vector
    assert [s.view for s in d.steps] == ["differential", "differential", "result"]
