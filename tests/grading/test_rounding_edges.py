"""False verdicts from rounding in intermediates, found by the autograd oracles.

At mixed scales the reference's rounding comes from intermediate values far larger than
the output (``log(exp(A x))`` with x ~ 1e-8 rounds exp(A x) ~ 1 by eps; ``cos(A^T y)``
with y ~ 1e8 rounds A^T y by eps * 1e8; ``logdet(N N^T)`` of a nearly singular N is
mostly rounding). Each reproducer here was graded ``incorrect`` for the exact Jacobian
before the finite differences measured that noise (:mod:`app.mathlang.rounding`),
distrusted outputs drowned in it, and checked aliased estimates against a finer step.
"""

from __future__ import annotations

import json
from pathlib import Path

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import jacobian

from app.grading import Problem, grade

DATA = Path(__file__).parent / "rounding_reproducers.jsonl"
REPRODUCERS = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def verdict(problem: dict[str, object], answer: str, seed: int = 0) -> str:
    return str(grade(Problem.from_dict(problem), answer, seed=seed)["verdict"])


def literal(matrix: np.ndarray) -> str:
    return json.dumps(np.asarray(matrix, dtype=float).tolist())


@pytest.mark.parametrize("case", REPRODUCERS, ids=lambda c: str(c["problem"]["function"]))
def test_the_exact_jacobian_is_never_rejected(case: dict[str, object]) -> None:
    problem = case["problem"]
    assert isinstance(problem, dict)
    assert verdict(problem, str(case["answer"])) in ("correct", "undecided")


@pytest.mark.parametrize("case", REPRODUCERS, ids=lambda c: str(c["problem"]["function"]))
def test_a_wrong_answer_is_never_accepted_there(case: dict[str, object]) -> None:
    problem = case["problem"]
    assert isinstance(problem, dict)
    exact = np.array(json.loads(str(case["answer"])), dtype=float)
    off = exact.copy()
    off.flat[int(np.argmax(np.abs(exact)))] *= 1.001
    for wrong in (off, -exact, np.zeros_like(exact)):
        assert verdict(problem, literal(wrong)) in ("incorrect", "undecided")


@pytest.mark.parametrize("seed", range(10))
def test_cos_of_a_huge_argument_is_never_misjudged(seed: int) -> None:
    """A step relative to y ~ 1e8 spans many periods of cos: a stencil that samples them
    whole periods apart looks smooth; the next finer level tells."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.3, 2.0, (3, 3)) * rng.choice([-1.0, 1.0], (3, 3))
    y = rng.uniform(0.3, 2.0, (3, 1)) * rng.choice([-1.0, 1.0], (3, 1)) * 1e8
    exact = np.asarray(jacobian(lambda v: anp.cos(a.T @ v).reshape(-1))(y)).reshape(3, 3)
    problem = {
        "variables": {"A": "3x3", "y": "3"},
        "function": "cos(A^T y)",
        "wrt": "y",
        "layout": "numerator",
        "values": {"A": a.tolist(), "y": y.tolist()},
    }
    assert verdict(problem, literal(exact), seed) in ("correct", "undecided")
    wrong = exact.copy()
    wrong[0, 0] *= 1.001
    assert verdict(problem, literal(wrong), seed) in ("incorrect", "undecided")


def test_moderate_scales_are_still_decided() -> None:
    """The noise floor does not cost the ordinary cases their verdict."""
    problem = {
        "variables": {"A": "3x3", "x": "3"},
        "function": "log(exp(A x))",
        "wrt": "x",
        "values": {"A": [[1, 2, 0.5], [0.3, -1, 2], [1.5, 0.2, -0.7]], "x": [0.4, -0.3, 0.8]},
    }
    assert verdict(problem, "A") == "correct"
    assert verdict(problem, "A^T") == "incorrect"


def test_an_answer_is_not_failed_by_its_own_rounding() -> None:
    """d(c ./ c)/dc is 0; the right expression diag(1 ./ c) - diag(c ./ c.^2) evaluates to
    about 1e-7 at c = 1e-9 by rounding alone. Its noise widens the comparison."""
    problem = {
        "variables": {"c": "3:positive"},
        "function": "(c) ./ c",
        "wrt": "c",
        "values": {"c": [1.6767421261777569, 1.3036681572740997e-09, 1.7859751912354678]},
    }
    assert verdict(problem, "diag(1 ./ c) - diag(c ./ c.^2)", 1) in ("correct", "undecided")
    assert verdict(problem, "diag(1 ./ c)", 1) == "incorrect"
