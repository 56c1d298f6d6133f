"""The exercise format: errors name the file and the field; variants are reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import BankError, check_exercise, default_bank, load_bank, load_exercise_text
from app.bank.curriculum import LESSONS

GOOD = """
id: t-wx
title: y = Wx
lesson: y-equals-wx
prompt: Find the Jacobian.
variables: {W: m x n, x: n}
sizes: {m: [2, 4], n: [3, 5]}
function: W x
wrt: x
layout: numerator
answer_form: expression
reference: W
tests:
  - {answer: W, verdict: correct}
  - {answer: W^T, verdict: incorrect, diagnosis: transposed}
"""


def test_good_exercise_loads_and_checks() -> None:
    exercise = load_exercise_text(GOOD, "t.yaml")
    assert exercise.id == "t-wx" and exercise.lesson == "y-equals-wx"
    report = check_exercise(exercise)
    assert report.ok, report.failures
    assert report.summary() == "PASS t-wx"
    assert any(line.startswith("tests[1]") for line in report.lines)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("lesson: y-equals-wx", "lesson: nowhere"), "t.yaml: lesson: must be one of"),
        (("verdict: incorrect", "verdict: wrong"), "t.yaml: tests[1].verdict: must be one of"),
        (("diagnosis: transposed", "diagnosis: flipped"), "t.yaml: tests[1].diagnosis: must be"),
        (("layout: numerator", "layout: sideways"), "t.yaml: layout: must be one of"),
        (("wrt: x", "wrt: z"), "t.yaml: wrt: 'z' is not one of the variables"),
        (("reference: W", "reference: W +"), "t.yaml: reference: does not parse"),
        (("sizes: {m: [2, 4], n: [3, 5]}", "sizes: {m: [2, 4]}"), "t.yaml: sizes: the size"),
        (("x: n}", "x: n:weird}"), "t.yaml: variables.x: unknown domain"),
        (("answer_form: expression", "answer_form: essay"), "t.yaml: answer_form: must be"),
        (("title: y = Wx\n", ""), "t.yaml: title: is required"),
    ],
)
def test_errors_name_file_and_field(change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(BankError) as caught:
        load_exercise_text(text, "t.yaml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_yaml_syntax_error_and_missing_wrong_answer() -> None:
    with pytest.raises(BankError, match=r"^t.yaml: line \d+: not valid YAML"):
        load_exercise_text("id: [unclosed\n", "t.yaml")
    only_correct = GOOD.replace(
        "  - {answer: W^T, verdict: incorrect, diagnosis: transposed}\n", ""
    )
    with pytest.raises(BankError, match=r"t\.yaml: tests: needs at least one wrong answer"):
        load_exercise_text(only_correct, "t.yaml")


def test_variants_are_reproducible_and_prefer_distinct_sizes() -> None:
    exercise = load_exercise_text(GOOD, "t.yaml")
    first, again = exercise.variant(5), exercise.variant(5)
    assert first == again
    assert first["sizes"]["m"] != first["sizes"]["n"]
    m, n = first["sizes"]["m"], first["sizes"]["n"]
    assert first["shapes"] == {"W": [m, n], "x": [n, 1]}
    assert first["expected_shape"] == [m, n]
    assert {tuple(exercise.variant(s)["shapes"]["W"]) for s in range(20)} != {(m, n)}


def test_shipped_bank_covers_every_lesson(tmp_path: Path) -> None:
    bank = default_bank()
    assert len(bank.exercises) >= 12
    for lesson in LESSONS:
        assert bank.by_lesson(lesson.slug), lesson.slug
    exercise = bank.get("u05-core-dydw")
    assert exercise is not None and exercise.answer_form == "index"
    assert bank.get("no-such-exercise") is None
    numeric = bank.get("u01-core-jacobian-xy")
    assert numeric is not None and numeric.variant(1)["values"] == {"x": 1.5, "y": -0.5}


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(BankError, match=r"b\.yaml: id: 't-wx' is also used by"):
        load_bank(tmp_path)


def test_compact_form_of_dy_dw() -> None:
    text = """
id: t-compact
title: dy/dW compact
lesson: dy-dw
prompt: Give the compact form G with G[i,k] = dy_i/dW_{i,k}.
variables: {W: m x n, x: n}
sizes: {m: [2, 3], n: [3, 4]}
function: W x
wrt: W
layout: numerator
answer_form: compact
indices: [i, j, k]
compact: {name: G, shape: m x n, expand: "delta(i,j) * G[i,k]"}
reference: ones(m, 1) x^T
tests:
  - {answer: W, verdict: incorrect, diagnosis: entries}
  - {answer: x, verdict: incorrect, diagnosis: wrong_shape}
"""
    broken = check_exercise(load_exercise_text(text, "c.yaml"))  # 'm' is not a name
    assert not broken.ok and broken.summary().startswith("FAIL c.yaml: reference")
    exercise = load_exercise_text(text.replace("ones(m, 1) x^T", "(W x ./ (W x)) x^T"), "c.yaml")
    report = check_exercise(exercise)
    assert report.ok, report.failures
    assert exercise.variant(1)["expected_shape"] == list(exercise.variant(1)["shapes"]["W"])


def test_the_check_grades_the_problem_a_learner_answer_is_graded_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check sends each problem as the plain data the grading workers read back: a key
    the workers would refuse makes the check fail, as it makes a learner's answer fail."""
    exercise = default_bank().get("u05-xw-compact")
    assert exercise is not None
    assert check_exercise(exercise).ok
    from app.grading import problem as problem_module

    original = problem_module.Problem.from_dict.__func__  # type: ignore[attr-defined]

    def refusing(cls: type, data: dict[str, object]) -> object:
        if "compact" in data:
            raise problem_module.ProblemError("compact", "unknown key")
        return original(cls, data)

    monkeypatch.setattr(problem_module.Problem, "from_dict", classmethod(refusing))
    report = check_exercise(exercise)
    assert not report.ok
    assert "compact: unknown key" in report.failures[0]
