"""Evaluation: every built-in against numpy, batched evaluation against a loop of
unbatched ones, domain errors naming the operation, and value validation."""

from __future__ import annotations

import builtins
import re

import numpy as np
import pytest

from app import mathlang
from app.mathlang.ast import Call, Name
from app.mathlang.errors import MathError
from app.mathlang.evaluate import plan_of
from app.mathlang.functions import BUILTINS, KINKED

RNG = np.random.default_rng(20261123)
SHAPES = {"x": (4, 1), "y": (4, 1), "r": (1, 4), "A": (3, 3), "B": (2, 2), "W": (3, 4), "z": (1, 1)}


def _value(shape: tuple[int, ...]) -> np.ndarray:
    value = RNG.uniform(0.2, 2.0, size=shape) * RNG.choice([-1.0, 1.0], size=shape)
    if shape[-1] == shape[-2] and shape[-1] > 1:
        value = value + 4.0 * np.eye(shape[-1])  # invertible, positive determinant
    return value


def run(text: str, values: dict[str, np.ndarray], **kw) -> np.ndarray:
    shapes = {name: SHAPES[name] for name in values}
    return mathlang.evaluate(mathlang.check(mathlang.parse(text), shapes, **kw), values)


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


# text, names used, reference on unbatched values
CASES = [
    ("exp(x)", lambda v: np.exp(v["x"])),
    ("log(abs(x))", lambda v: np.log(np.abs(v["x"]))),
    ("ln(abs(x))", lambda v: np.log(np.abs(v["x"]))),
    ("sqrt(abs(x))", lambda v: np.sqrt(np.abs(v["x"]))),
    ("sin(W) + cos(W) - tan(W)", lambda v: np.sin(v["W"]) + np.cos(v["W"]) - np.tan(v["W"])),
    ("tanh(x)", lambda v: np.tanh(v["x"])),
    ("sigmoid(x)", lambda v: _sigmoid(v["x"])),
    ("relu(W)", lambda v: np.maximum(v["W"], 0)),
    ("step(W)", lambda v: (v["W"] > 0).astype(float)),
    ("max(x, y)", lambda v: np.maximum(v["x"], v["y"])),
    ("min(x, z)", lambda v: np.minimum(v["x"], v["z"])),
    ("sum(W)", lambda v: np.sum(v["W"])),
    ("mean(W)", lambda v: np.mean(v["W"])),
    ("norm(x)", lambda v: np.linalg.norm(v["x"])),
    ("norm(W)", lambda v: np.linalg.norm(v["W"], "fro")),
    ("dot(x, y)", lambda v: v["x"].T @ v["y"]),
    ("dot(r, x)", lambda v: v["r"] @ v["x"]),
    ("outer(x, r)", lambda v: v["x"] @ v["r"]),
    ("kron(A, B)", lambda v: np.kron(v["A"], v["B"])),
    ("kron(x, r)", lambda v: np.kron(v["x"], v["r"])),
    ("diag(x)", lambda v: np.diag(v["x"][:, 0])),
    ("diag(r)", lambda v: np.diag(v["r"][0])),
    ("diag(A)", lambda v: np.diag(v["A"]).reshape(3, 1)),
    ("trace(A) + tr(B)", lambda v: np.trace(v["A"]) + np.trace(v["B"])),
    ("det(A)", lambda v: np.linalg.det(v["A"])),
    ("logdet(A)", lambda v: np.log(np.linalg.det(v["A"]))),
    ("inv(A)", lambda v: np.linalg.inv(v["A"])),
    ("A^-2", lambda v: np.linalg.matrix_power(np.linalg.inv(v["A"]), 2)),
    ("A^3", lambda v: v["A"] @ v["A"] @ v["A"]),
    ("A^0", lambda v: np.eye(3)),
    ("softmax(x)", lambda v: np.exp(v["x"]) / np.exp(v["x"]).sum()),
    ("softmax(r)", lambda v: np.exp(v["r"]) / np.exp(v["r"]).sum()),
    ("transpose(W) W", lambda v: v["W"].T @ v["W"]),
    ("x ./ y + x .* y - x .^ 2", lambda v: v["x"] / v["y"] + v["x"] * v["y"] - v["x"] ** 2),
    ("W / z", lambda v: v["W"] / v["z"]),
    ("W ./ W", lambda v: np.ones((3, 4))),
    ("abs(z)^1.5", lambda v: np.abs(v["z"]) ** 1.5),
    ("r @ x", lambda v: v["r"] @ v["x"]),
    ("-W^T", lambda v: -v["W"].T),
    ("ones(3)^T W", lambda v: np.ones((1, 3)) @ v["W"]),
    ("zeros(3, 4) + W", lambda v: v["W"]),
    ("eye(3) A", lambda v: v["A"]),
    ("[z, 2 z, sum(x)]", lambda v: [[v["z"][0, 0]], [2 * v["z"][0, 0]], [v["x"].sum()]]),
    ("[[z, 1], [x[2], W[3, 4]]]", lambda v: [[v["z"][0, 0], 1], [v["x"][1, 0], v["W"][2, 3]]]),
    ("r[3]", lambda v: v["r"][0, 2]),
]


def _names(text: str) -> list[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", text))
    return [name for name in SHAPES if name in words]


@pytest.mark.parametrize(("text", "reference"), CASES, ids=[c[0] for c in CASES])
def test_against_numpy_and_batched_loop(text, reference):
    names = _names(text)
    batched = {name: _value((2, 3, *SHAPES[name])) for name in names}
    got = run(text, batched)
    typed_shape = mathlang.check(mathlang.parse(text), {n: SHAPES[n] for n in names}).shape
    assert got.shape == (2, 3, *typed_shape)
    for a in range(2):
        for b in range(3):
            one = {name: value[a, b] for name, value in batched.items()}
            single = run(text, one)
            np.testing.assert_allclose(got[a, b], single, rtol=1e-12, atol=1e-12)
            expected = np.asarray(reference(one), dtype=float).reshape(typed_shape)
            np.testing.assert_allclose(single, expected, rtol=1e-10, atol=1e-12)


def test_every_builtin_is_exercised():
    used = {name for text, _ in CASES for name in BUILTINS if f"{name}(" in text}
    assert used >= set(BUILTINS) - {"delta", "sign"}  # both tested on their own


def test_sign_in_a_built_tree():
    """``sign`` is the derivative of ``abs``; derivation engines build it as a call."""
    tree = Call("sign", (Name("x"),))
    typed = mathlang.check(tree, {"x": (3, 1)})
    got = mathlang.evaluate(typed, {"x": np.array([[-2.0], [0.0], [0.5]])})
    assert got.ravel().tolist() == [-1.0, 0.0, 1.0]


def test_kinked_functions_are_the_piecewise_ones():
    assert {"relu", "step", "abs", "max", "min", "sign"} == KINKED


def test_mixed_batch_axes_broadcast():
    W = _value((5, 3, 4))
    x = _value((4, 1))
    got = run("W x", {"W": W, "x": np.broadcast_to(x, (4, 1))})
    np.testing.assert_allclose(got, W @ x)
    assert got.shape == (5, 3, 1)


def test_constant_result_takes_the_batch_of_the_values():
    got = run("ones(3) + 0 z", {"z": _value((6, 1, 1))})
    assert got.shape == (6, 3, 1)
    np.testing.assert_array_equal(got, np.ones((6, 3, 1)))


def test_constant_answer_takes_the_batch_of_declared_values():
    """``2 I`` as an answer, evaluated on a batch of instances, is a batch of matrices."""
    typed = mathlang.check(mathlang.parse("2 I"), {"x": (3, 1)}, expected=(3, 3))
    got = mathlang.evaluate(typed, {"x": np.zeros((4, 3, 1)), "undeclared": np.zeros(7)})
    assert got.shape == (4, 3, 3)
    np.testing.assert_array_equal(got[2], 2 * np.eye(3))


def test_values_without_matrix_axes():
    assert run("z + 1", {"z": 2.0}).tolist() == [[3.0]]
    got = run("r x", {"r": [1.0, 2.0, 3.0, 4.0], "x": [1.0, 1.0, 1.0, 1.0]})
    assert got.tolist() == [[10.0]]


def test_value_of_the_wrong_shape():
    with pytest.raises(MathError) as info:
        run("W", {"W": np.zeros((4, 3))})
    assert info.value.kind == "shape"
    assert "the value of W is 4x3, but W is 3x4" in info.value.message


def test_missing_value():
    typed = mathlang.check(mathlang.parse("W x"), {"W": (3, 4), "x": (4, 1)})
    with pytest.raises(MathError) as info:
        mathlang.evaluate(typed, {"W": np.zeros((3, 4))})
    assert "no value is given for x" in info.value.message


def test_batch_axes_that_do_not_match():
    with pytest.raises(MathError) as info:
        run("x + y", {"x": np.zeros((2, 4, 1)), "y": np.zeros((3, 4, 1))})
    assert info.value.kind == "shape"


@pytest.mark.parametrize(
    ("text", "values", "names"),
    [
        ("log(z)", {"z": -1.0}, "log(z)"),
        ("log(-1)", {}, "log(-1)"),
        ("sqrt(z)", {"z": -4.0}, "sqrt(z)"),
        ("9^9^9^9^9", {}, "9^9^9"),  # the innermost overflowing power
        ("1 / z", {"z": 0.0}, "1 / z"),
        ("exp(z)", {"z": 1000.0}, "exp(z)"),
        ("x ./ y", {"x": np.ones((4, 1)), "y": np.zeros((4, 1))}, "x ./ y"),
        ("logdet(B)", {"B": np.diag([1.0, -2.0])}, "logdet(B)"),
        ("inv(B)", {"B": np.zeros((2, 2))}, "inv(B)"),
        ("B^-1", {"B": np.ones((2, 2))}, "B^-1"),
        ("z^0.5", {"z": -2.0}, "z^0.5"),
        ("x.^2", {"x": np.full((4, 1), 1e200)}, "x.^2"),  # squared as a product
    ],
)
def test_domain_errors_name_the_operation(text, values, names):
    with pytest.raises(MathError) as info:
        run(text, values)
    assert info.value.kind == "domain"
    assert info.value.message.startswith(names + ":")
    assert "not finite" in info.value.message


def test_domain_error_names_the_first_failing_operation():
    with pytest.raises(MathError) as info:
        run("sin(log(z)) + 1", {"z": -1.0})
    assert info.value.message.startswith("log(z):")
    assert info.value.position == 4


def test_non_finite_allowed_when_asked():
    typed = mathlang.check(mathlang.parse("log(z)"), {"z": (1, 1)})
    got = mathlang.evaluate(typed, {"z": np.array([[[-1.0]], [[np.e]]])}, finite=False)
    assert np.isnan(got[0, 0, 0])
    assert got[1, 0, 0] == pytest.approx(1.0)


def test_singular_member_of_a_batch_only_poisons_itself():
    typed = mathlang.check(mathlang.parse("inv(B)"), {"B": (2, 2)})
    batch = np.stack([np.zeros((2, 2)), 2 * np.eye(2)])
    got = mathlang.evaluate(typed, {"B": batch}, finite=False)
    assert np.isnan(got[0]).all()
    np.testing.assert_allclose(got[1], 0.5 * np.eye(2))


def test_stable_sigmoid_and_softmax_for_large_inputs():
    np.testing.assert_allclose(
        run("sigmoid(x)", {"x": np.array([[-800.0], [800.0], [0.0], [1.0]])}).ravel(),
        [0.0, 1.0, 0.5, 1 / (1 + np.exp(-1.0))],
    )
    got = run("softmax(x)", {"x": np.array([[1000.0], [1000.0], [-1000.0], [0.0]])})
    np.testing.assert_allclose(got.ravel(), [0.5, 0.5, 0.0, 0.0], atol=1e-300)


def test_step_is_zero_at_zero():
    assert run("step(x)", {"x": np.array([[-1.0], [0.0], [1e-300], [2.0]])}).ravel().tolist() == [
        0,
        0,
        1,
        1,
    ]


def test_result_is_a_fresh_writable_array():
    x = np.ones((4, 1))
    got = run("x", {"x": x})
    got[0, 0] = 5.0
    assert x[0, 0] == 1.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("9^9^9^9^9", "domain"),
        ("1e308 * 1e308", "domain"),
        ("exp(exp(exp(W)))", "domain"),
        ("ones(100000000)", "limit"),
        ("kron(kron(kron(W, W), W), W)", "limit"),
        ("A^99999", "limit"),
        ("zeros(1000, 1001)", "limit"),
    ],
)
def test_hostile_but_well_formed(text, kind, monkeypatch):
    """Bounded by the checker (before any array exists) or reported by the evaluator;
    nothing is executed as code along the way."""
    tree = mathlang.parse(text)
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, _refuse)
    shapes = {"W": (40, 40), "A": (3, 3)}
    values = {"W": np.full((40, 40), 2.0), "A": np.eye(3)}
    with pytest.raises(MathError) as info:
        with monkeypatch.context() as arrays:
            for name in ("ones", "zeros", "eye", "full", "empty", "array", "asarray"):
                arrays.setattr(np, name, _refuse)
            typed = mathlang.check(tree, shapes)  # builds no array
        mathlang.evaluate(typed, values)
    assert info.value.kind == kind


def _refuse(*args, **kwargs):
    raise AssertionError("not allowed here")


def test_a_square_is_the_correctly_rounded_product():
    """``.^2`` and a scalar's ``^2`` are evaluated as a product; pow rounds the same."""
    x = RNG.normal(size=(50, 4, 1)) * 10.0 ** RNG.integers(-150, 150, size=(50, 4, 1))
    assert np.array_equal(run("x.^2", {"x": x}), x * x)
    assert np.array_equal(run("x.^2", {"x": x}), np.power(x, 2.0))
    z = x[:, :1, :1]
    assert np.array_equal(run("z^2 - z.^-2", {"z": z}), z * z - np.power(z, -2.0))


def test_every_intermediate_is_released_after_its_last_reader():
    """An evaluation lets each intermediate go once no later step reads it, and keeps
    the result."""
    typed = mathlang.check(
        mathlang.parse("mean((y - relu(W * x + y[1])).^2) + sum(x)"),
        {"W": (4, 4), "x": (4, 1), "y": (4, 1)},
    )
    plan = plan_of(typed)
    released = [kid for kids in plan.released for kid in kids]
    assert sorted(released) == list(range(len(plan.steps) - 1))
    for index, kids in enumerate(plan.released):
        for kid in kids:
            readers = [k for k, (_, reads) in enumerate(plan.steps) if kid in reads]
            assert max(readers) == index
