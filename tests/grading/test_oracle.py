"""The grader against an independent oracle (autograd): no false verdict.

Random pinned problems over every construct of the language, from two generators of
their own (``tests/grading/oracle.py``: 3-vectors and 3x3 matrices; ``oracle_wide.py``:
rectangular shapes, row vectors, several ``wrt`` variables, mixed 1e-8/1e+8 scales), with
the exact Jacobian as a numeric literal in every layout the problem accepts, and wrong
answers made from it: one entry off by 1e-5..1e-2 relative, the negation, 1.01 times it,
all zeros and (where the layout does not accept it) the transpose. An exact answer must
be ``correct`` or ``undecided``; a wrong one ``incorrect`` or ``undecided``.

CI grades at least 2,000 lines of each from a fixed seed. ``JTUTOR_ORACLE_LINES=100000``
(see the README) runs a longer hunt, from a fresh seed unless ``JTUTOR_ORACLE_SEED`` is
given.
"""

from __future__ import annotations

import math
import os
import secrets
from types import ModuleType

import pytest

from app.grading.grader import grade_dict
from tests.grading import oracle, oracle_wide
from tests.randomness import IN_CI

LINES = 2_000 if IN_CI else int(os.environ.get("JTUTOR_ORACLE_LINES", "2000"))
SEED = int(
    os.environ.get(
        "JTUTOR_ORACLE_SEED", "0" if IN_CI or LINES <= 2000 else secrets.randbelow(2**31)
    )
)


@pytest.mark.timeout(0)
@pytest.mark.parametrize("generator", [oracle, oracle_wide], ids=["oracle", "wide"])
def test_no_false_verdict_against_autograd(generator: ModuleType) -> None:
    graded = 0
    undecided = 0
    false: list[str] = []
    problems = max(1, LINES // 5)
    for number, case in enumerate(generator.cases(SEED, problems * 4)):
        if graded >= LINES:
            break
        result = grade_dict(case.problem, case.answer, seed=number)
        verdict = result["verdict"]
        graded += 1
        undecided += verdict == "undecided"
        bad = verdict == "correct" if case.wrong else verdict in ("incorrect", "invalid")
        if bad:
            false.append(
                f"{case.label}: {verdict} {result.get('message', '')[:120]} {case.problem}"
            )
    assert graded >= LINES, graded
    assert not false, f"{len(false)} false verdicts of {graded} (seed {SEED}):\n" + "\n".join(
        false[:10]
    )
    assert undecided < graded / 4, (undecided, graded)


def test_the_wide_oracles_sigmoid_keeps_its_digits_far_out() -> None:
    """0.5 (tanh(z/2) + 1) cancels for z << 0: at z = -30 it is 1e-3 off relative, so the
    oracle's derivative of log(sigmoid(z)) was wrong and a right grader was counted wrong."""
    import autograd.numpy as anp
    from autograd import grad

    for z in (-30.0, -12.0, 0.0, 5.0, 40.0):
        exact = 1.0 / (1.0 + math.exp(-z))
        assert abs(float(oracle_wide._sig(anp.array(z))) - exact) <= 1e-15 * exact
        slope = float(grad(lambda t: anp.log(oracle_wide._sig(t)))(z))
        expected = 1.0 / (1.0 + math.exp(z))  # d log(sigmoid(z)) / dz = sigmoid(-z)
        assert abs(slope - expected) <= 1e-14 * expected
