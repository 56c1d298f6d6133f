"""The buggy-rule differentiator without a slip is the derivative: it agrees with finite
differences on functions over every rule it has (a candidate must differ from the right
derivative only by its slip)."""

from __future__ import annotations

import numpy as np
import pytest

from app.calculus.buggy.candidates import analyse
from app.calculus.buggy.tangents import Forward
from app.calculus.reference import reference_derivative
from app.grading.problem import Problem
from app.grading.setup import ProblemSetup

CASES = [
    ({"x": "4", "A": "4x4"}, "x^T A x", "x"),
    ({"W": "3x4", "x": "4", "b": "3"}, "tanh(W x + b)", "x"),
    ({"W": "3x4", "x": "4"}, "sigmoid(W x) .* exp(W x) ./ (1 + (W x).^2)", "x"),
    ({"X": "3x3:invertible"}, "inv(X)", "X"),
    ({"X": "3x3:spd"}, "logdet(X) + det(X)", "X"),
    ({"a": "3", "b": "4"}, "kron(outer(a, b), a) ", "a"),
    ({"z": "5"}, "softmax(z)", "z"),
    ({"x": "3", "y": "3"}, "norm(x - y) + mean(x .* y) + dot(x, y)", "x"),
    ({"X": "3x2", "A": "3x3"}, "trace(X^T A X)", "X"),
    ({"t": "scalar", "A": "3x3", "B": "3x3"}, "t^2 A + sin(t) B + A^2 t", "t"),
    ({"x": "scalar", "y": "scalar"}, "[3 x^2 y, 2 x + y^8]", "x, y"),
    ({"w": "3", "x": "3", "b": "scalar"}, "max(0, w^T x + b) + abs(w^T x)", "w"),
    ({"x": "3:positive"}, "sum(log(x) + sqrt(x)) / 3 - cos(x)^T tan(x / 4)", "x"),
]


@pytest.mark.parametrize(("variables", "function", "wrt"), CASES)
def test_forward_mode_agrees_with_finite_differences(variables, function, wrt) -> None:  # type: ignore[no-untyped-def]
    setup = ProblemSetup(
        Problem(variables=variables, function=function, wrt=[w.strip() for w in wrt.split(",")])
    )
    found = analyse(function, setup.shapes, setup.problem.wrt)
    assert found is not None
    for instance in setup.sampler.sample(3, np.random.default_rng(5)):
        exact = Forward(found.typed, instance, setup.problem.wrt, setup.wrt_shapes).jacobian()
        ref = reference_derivative(setup.func, setup.sites, instance, setup.problem.wrt)
        kept = ~ref.set_aside
        scale = float(np.abs(ref.values[kept]).max())
        assert np.allclose(exact[kept], ref.values[kept], rtol=1e-5, atol=1e-7 * scale)


def test_every_catalogue_kind_has_a_site_in_some_case() -> None:
    kinds = set()
    for variables, function, wrt in [*CASES, ({"V": "3x3", "W": "3x3", "x": "3"}, "V W x", "x")]:
        setup = ProblemSetup(
            Problem(variables=variables, function=function, wrt=[w.strip() for w in wrt.split(",")])
        )
        found = analyse(function, setup.shapes, setup.problem.wrt)
        assert found is not None
        kinds |= {c.slip.kind for c in found.candidates}
    assert kinds >= {
        "twice_left",
        "left_only",
        "f_for_fprime",
        "drop_fprime",
        "stop_chain",
        "reverse",
        "transpose_local",
        "transpose_inner",
    }
