"""Oscillations that every power-of-two step aliases, and terms hidden below the noise.

``((x) ./ p)^T sin(A^T y)`` with y ~ 1e8 moves its argument by thousands of radians over
the outer step. At the reproducer's values that step spans 336 whole periods and a small
part of one, and the next level (h/16) 21 periods and the same part divided by 16: both
levels read the same wrong slope, and the exact Jacobian was graded ``incorrect``. An
off-grid step (not a power of two times the levels) contradicts them. The terms with
x_i / p_i ~ 1e-8 have slopes of about 0.3 yet never move the output by more than its
rounding noise (that of the large term): their flat stencils bound nothing.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.calculus.finite_diff import jacobian
from app.calculus.finite_diff_batch import jacobians
from app.grading import Problem, grade
from app.grading.setup import setup_for

PROBLEM = {
    "variables": {"x": "3", "p": "3:positive", "A": "3x3", "y": "3"},
    "function": "((x) ./ p)^T (sin(A^T y))",
    "wrt": "A",
    "layout": "denominator",
    "values": {
        "x": [[5.695766683797983e-09], [-1.5156725184797598e-08], [1.2799002941370974e-08]],
        "p": [[1.3489612702500366e-08], [1.7213664335586876], [0.986120062158427]],
        "A": [
            [-0.8134285355391615, 1.7840631471261827, 0.5874531911345806],
            [-0.5421197958125673, 1.7401968351813588, -1.9012079251555605],
            [0.9280628666183075, 1.2927304697973665, 1.7469268553291724],
        ],
        "y": [[44853258.4870337], [92777603.47962354], [-69181952.952832]],
    },
}
EXACT = "y ((x ./ p) .* cos(A^T y))^T"


def values() -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in PROBLEM["values"].items()}  # type: ignore[attr-defined]


def exact_gradient(v: dict[str, np.ndarray]) -> np.ndarray:
    """dF/dA flattened row-major (the canonical order of the reference)."""
    return (v["y"] @ ((v["x"] / v["p"]) * np.cos(v["A"].T @ v["y"])).T).ravel()


def test_the_exact_answer_is_not_rejected() -> None:
    problem = Problem.from_dict(PROBLEM)
    assert grade(problem, EXACT, seed=0)["verdict"] in ("correct", "undecided")


@pytest.mark.parametrize("wrong", [f"-({EXACT})", f"1.01 ({EXACT})", "zeros(3, 3)", f"({EXACT})^T"])
def test_wrong_answers_are_not_accepted(wrong: str) -> None:
    problem = Problem.from_dict(PROBLEM)
    assert grade(problem, wrong, seed=0)["verdict"] in ("incorrect", "undecided")


def test_the_reference_claims_no_accuracy_it_lacks() -> None:
    """Both engines: every entry within its own error estimate of the truth."""
    setup = setup_for(Problem.from_dict(PROBLEM))
    v = values()
    truth = exact_gradient(v)
    single = jacobian(setup.func, v, ["A"], rounding=setup.rounding(v))
    other = {**v, "A": v["A"] * (1 + 1e-3)}
    batched = jacobians(setup.func, [v, other], ["A"], rounding=setup.rounding_many([v, other]))
    for deriv in (single, batched[0]):
        value = np.asarray(deriv.value).ravel()
        error = np.asarray(deriv.error).ravel()
        assert np.all(np.abs(value - truth) <= error), (value, error, truth)


@pytest.mark.parametrize("seed", range(16))
def test_pinned_oscillations_at_huge_arguments_are_never_misjudged(seed: int) -> None:
    """The reproducer's family: tiny and ordinary weights, arguments of 1e7..1e8."""
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], (3, 1))
    v = {
        "x": sign * rng.uniform(0.3, 2.0, (3, 1)) * 10.0 ** rng.choice([-8.0, 0.0], (3, 1)),
        "p": rng.uniform(0.3, 2.0, (3, 1)) * 10.0 ** rng.choice([-8.0, 0.0], (3, 1)),
        "A": rng.uniform(-2.0, 2.0, (3, 3)),
        "y": rng.uniform(-1.0, 1.0, (3, 1)) * 10.0 ** rng.uniform(7.0, 8.0, (3, 1)),
    }
    problem = Problem.from_dict({**PROBLEM, "values": {k: a.tolist() for k, a in v.items()}})
    truth = exact_gradient(v).reshape(3, 3)
    literal = json.dumps(truth.tolist())
    assert grade(problem, literal, seed=seed)["verdict"] in ("correct", "undecided")
    wrong = truth.copy()
    wrong.flat[int(np.argmax(np.abs(truth)))] *= 1.001
    assert grade(problem, json.dumps(wrong.tolist()), seed=seed)["verdict"] != "correct"
