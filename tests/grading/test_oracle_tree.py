"""The grader against the grammar-driven tree oracle (:mod:`tests.grading.oracle_tree`).

A generator built apart from the other two oracles: variables of sizes drawn per
problem, expressions grown from a grammar of every construct with shape inference, and
adversarial pins (saturation, condition 1e6..1e8, entries near 0 under log, sqrt and
division, kinks 1e-12..1e-4 away, 1e-8 and 1e8 mixed, sin and cos of 1e6..1e8). An exact
answer must be ``correct`` or ``undecided``, a wrong one ``incorrect`` or ``undecided``.
Problems where the float64 oracle's own rounding is not small against the tolerance are
left out, not counted.

CI grades 1,500 lines from seed 0. ``JTUTOR_ORACLE_TREE_LINES=100000`` runs a longer hunt,
from a fresh seed unless ``JTUTOR_ORACLE_TREE_SEED`` is given (``python -m
tests.grading.oracle_tree --seed S --lines N`` prints each false verdict as a reproducer).
"""

from __future__ import annotations

import json
import os
import secrets

import numpy as np
import pytest

from tests.grading import oracle_tree
from tests.grading.oracle import reliable
from tests.randomness import IN_CI

DEFAULT = 1_500
LINES = DEFAULT if IN_CI else int(os.environ.get("JTUTOR_ORACLE_TREE_LINES", str(DEFAULT)))
SEED = int(
    os.environ.get(
        "JTUTOR_ORACLE_TREE_SEED",
        "0" if IN_CI or LINES <= DEFAULT else secrets.randbelow(2**31),
    )
)


@pytest.mark.timeout(0)
def test_no_false_verdict_against_the_tree_oracle() -> None:
    tally = oracle_tree.grade_cases(SEED, LINES)
    assert tally.graded >= LINES, tally.graded
    assert not tally.false, f"{len(tally.false)} false verdicts of {tally.graded} " + (
        f"(seed {SEED}):\n" + "\n".join(tally.false[:10])
    )
    assert tally.undecided < tally.graded / 4, (tally.undecided, tally.graded)
    assert tally.skipped < LINES / 20, tally.skipped


def test_the_grammar_covers_every_construct() -> None:
    """Every construct of the language appears in the seeded problems."""
    texts = " ".join(
        case.problem["function"]
        for case in oracle_tree.cases(SEED, 400)
        if case is not None and not case.wrong
    )
    for construct in [
        "exp(",
        "log(",
        "ln(",
        "sqrt(",
        "abs(",
        "sin(",
        "cos(",
        "tan(",
        "tanh(",
        "sigmoid(",
        "relu(",
        "step(",
        "max(",
        "min(",
        "sum(",
        "mean(",
        "norm(",
        "dot(",
        "outer(",
        "kron(",
        "diag(",
        "trace(",
        "tr(",
        "det(",
        "logdet(",
        "inv(",
        "^-1",
        "softmax(",
        "transpose(",
        "ones(",
        "eye(",
        " I",
        "^T",
        "'",
        ".T",
        " @ ",
        " * ",
        ".*",
        "./",
        "⊙",
        "⊘",
        ".^",
        "[",
        " / ",
    ]:
        assert construct in texts, construct


def test_an_ill_conditioned_oracle_is_left_out() -> None:
    """The probe must refuse a Jacobian that float64 cannot give to 1e-6 (the inverse of
    a matrix of condition 1e9 squared) and keep a plain one."""
    rng = np.random.default_rng(3)
    q1, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q2, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    bad = {"N": q1 @ np.diag([1.0, 0.5, 1e-9]) @ q2.T}
    good = {"N": np.eye(3) * 2.0 + 0.1}

    import autograd.numpy as anp

    def program(env: dict[str, object]) -> object:
        n = env["N"]
        return anp.sum(anp.linalg.inv(n @ n))  # type: ignore[operator]

    for vals, expected in ((bad, False), (good, True)):
        jac = oracle_tree.exact_jacobian(program, vals, ["N"])
        assert jac is not None
        assert reliable(program, vals, ["N"], jac[1]) is expected


def test_no_wrong_answer_is_another_accepted_form() -> None:
    """The Jacobian of inv(S^T) y - inv(S) y is antisymmetric: its negation is its
    denominator form, which layout any accepts. The generator once offered it as a wrong
    answer (seed 41 of a 30,000-line hunt), and the grader's right ``correct`` counted as
    a false verdict."""
    jac = np.array([[0.0, -7.1e7, 5.5e6], [7.1e7, 0.0, -2.8e7], [-5.5e6, 2.8e7, 0.0]])
    node = oracle_tree.Node("inv(S^T) y - (S^-1 y)", (3, 1), lambda e: e["y"])
    variables = [oracle_tree.Var("S", (3, 3), role="square"), oracle_tree.Var("y", (3, 1))]
    vals = {"S": np.eye(3), "y": np.ones((3, 1))}
    forms = {"numerator": jac, "denominator": jac.T}
    for seed in range(40):
        cases = list(
            oracle_tree._answers(
                np.random.default_rng(seed), node, variables, vals, ["y"], forms, 7.1e7
            )
        )
        layout = cases[0].problem["layout"]
        accepted = [jac, jac.T] if layout == "any" else [forms[layout]]
        for case in cases:
            if case.wrong:
                answer = np.array(json.loads(case.answer))
                assert not any(np.allclose(answer, form) for form in accepted), case.label
