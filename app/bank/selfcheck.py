"""The self-check of an exercise: the one check run by ``jtutor check``, the app at start,
the authoring page's live panel and its save (DESIGN §7).

An exercise passes when its reference answer is ``correct`` and each of its tests gets its
declared verdict and diagnosis, on every seed of ``CHECK_SEEDS`` (several variants of sizes
and values: a test must not pass by luck). Every answer is graded through exactly what a
learner's answer goes through: ``exercise.problem(seed)``, sent as the plain data
(``Problem.to_dict``) that the grading workers read back with ``Problem.from_dict``. So an
exercise that a learner could not answer (a key the worker refuses, an answer form it
reads differently) fails its check instead of passing it. The caller says how to grade:
the app and ``jtutor check`` hand in their worker pool (time and memory limits), tests
may grade in this process with :func:`grade_in_process`, which runs the workers' code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.bank.exercise import Exercise
from app.bank.loader import load_exercise_text
from app.bank.schema import BankError
from app.grading.grader import grade_dict
from app.grading.problem import Problem, ProblemError
from app.grading.result import GradeResult
from app.mathlang import MathError

CHECK_SEEDS = (1, 2, 3)

GradeFn = Callable[[Problem, str, int], GradeResult]
"""Grades one answer to a problem on a seed and gives the DESIGN §11 result."""


def grade_in_process(problem: Problem, answer: str, seed: int) -> GradeResult:
    """The grading workers' code, run here: the problem crosses as plain data, and the
    result comes back as data, as they do to and from a worker."""
    return GradeResult.from_dict(grade_dict(problem.to_dict(), answer, seed))


def outcome(result: GradeResult) -> str:
    """``verdict`` or ``verdict/diagnosis``, as tests declare them, and the misconception
    named (``incorrect/entries/assumed_symmetric``)."""
    text = f"{result.verdict}/{result.diagnosis}" if result.diagnosis else result.verdict
    if result.misconception is not None:
        text += f"/{result.misconception.get('id')}"
    return text


def _misconception_id(result: GradeResult) -> str | None:
    return None if result.misconception is None else str(result.misconception.get("id"))


@dataclass
class CheckLine:
    """One graded answer of the self-check (for a test, its first failing seed or its
    last seed when it passes on all)."""

    label: str
    answer: str
    seed: int
    result: GradeResult
    wanted: str
    ok: bool
    outcomes: list[str] = field(default_factory=list)

    @property
    def got(self) -> str:
        return outcome(self.result)


@dataclass
class CheckReport:
    """What the self-check found: the exercise (None when the file did not load), the
    graded reference and tests, and every failure as a sentence."""

    source: str
    yaml_text: str = ""
    exercise: Exercise | None = None
    schema_error: str | None = None
    reference: list[CheckLine] = field(default_factory=list)
    tests: list[CheckLine] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exercise is not None and not self.failures

    @property
    def exercise_id(self) -> str | None:
        return self.exercise.id if self.exercise is not None else None

    @property
    def lines(self) -> list[str]:
        """One line per check, for ``jtutor check -v``."""
        out = [f"reference (seed {line.seed}): {line.got}" for line in self.reference]
        out += [f"{t.label} {t.answer!r}: {', '.join(sorted(set(t.outcomes)))}" for t in self.tests]
        return out

    def summary(self) -> str:
        if self.ok:
            return f"PASS {self.exercise_id}"
        return f"FAIL {self.source}: {self.failures[0]}"

    def to_dict(self) -> dict[str, Any]:
        def line(item: CheckLine) -> dict[str, Any]:
            return {
                "label": item.label,
                "answer": item.answer,
                "seed": item.seed,
                "got": item.got,
                "wanted": item.wanted,
                "ok": item.ok,
                "message": item.result.message,
            }

        return {
            "ok": self.ok,
            "id": self.exercise_id,
            "schema_error": self.schema_error,
            "reference": [line(x) for x in self.reference],
            "tests": [line(x) for x in self.tests],
            "failures": list(self.failures),
        }


def check_exercise(
    exercise: Exercise,
    grade: GradeFn = grade_in_process,
    seeds: tuple[int, ...] = CHECK_SEEDS,
    *,
    report: CheckReport | None = None,
) -> CheckReport:
    """Grade the reference and every test on every seed, as a learner's answer is graded."""
    report = report or CheckReport(exercise.source_path)
    report.exercise = exercise
    problems: dict[int, Problem] = {}
    for seed in seeds:
        try:
            problems[seed] = exercise.problem(seed)
        except (ProblemError, MathError, ValueError) as exc:
            report.failures.append(f"the problem of seed {seed} is broken: {exc}")
            return report
    for seed, problem in problems.items():
        result = grade(problem, exercise.reference, seed)
        ok = result.verdict == "correct"
        report.reference.append(
            CheckLine(f"seed {seed}", exercise.reference, seed, result, "correct", ok)
        )
        if not ok:
            report.failures.append(
                f"reference: {exercise.reference!r} is {outcome(result)} on seed {seed}, "
                f"not correct: {result.message}"
            )
    for i, test in enumerate(exercise.tests):
        want = test.verdict + (f"/{test.diagnosis}" if test.diagnosis else "")
        want += f"/{test.misconception}" if test.misconception else ""
        line: CheckLine | None = None
        outcomes: list[str] = []
        for seed, problem in problems.items():
            result = grade(problem, test.answer, seed)
            outcomes.append(outcome(result))
            ok = (
                result.verdict == test.verdict
                and (test.diagnosis is None or result.diagnosis == test.diagnosis)
                and (test.misconception is None or _misconception_id(result) == test.misconception)
            )
            line = CheckLine(f"tests[{i}]", test.answer, seed, result, want, ok, outcomes)
            if not ok:
                report.failures.append(
                    f"tests[{i}]: {test.answer!r} gave {outcome(result)} on seed {seed}, "
                    f"expected {want}"
                )
                break
        if line is not None:
            report.tests.append(line)
    _check_mistakes(exercise, grade, problems, report)
    return report


def _check_mistakes(
    exercise: Exercise, grade: GradeFn, problems: dict[int, Problem], report: CheckReport
) -> None:
    """A listed mistake must be graded incorrect, and the misconception it states must be
    the one the engine names on its own (graded without the listed mistakes)."""
    for i, mistake in enumerate(exercise.data.mistakes):
        want = "incorrect" + (f"/{mistake.misconception}" if mistake.misconception else "")
        outcomes: list[str] = []
        line: CheckLine | None = None
        for seed, problem in problems.items():
            result = grade(problem, mistake.answer, seed)
            outcomes.append(outcome(result))
            ok = result.verdict == "incorrect"
            if ok and mistake.misconception is not None:
                engine = grade(replace(problem, mistakes=None), mistake.answer, seed)
                ok = _misconception_id(engine) == mistake.misconception
                if not ok:
                    result = engine
            line = CheckLine(f"mistakes[{i}]", mistake.answer, seed, result, want, ok, outcomes)
            if not ok:
                found = _misconception_id(result)
                report.failures.append(
                    f"mistakes[{i}]: {mistake.answer!r} gave {outcome(result)} on seed {seed}, "
                    f"expected {want}"
                    + (
                        f" (the engine names {found or 'no misconception'})"
                        if mistake.misconception and result.verdict == "incorrect"
                        else ""
                    )
                )
                break
        if line is not None:
            report.tests.append(line)


def check_text(
    yaml_text: str,
    grade: GradeFn = grade_in_process,
    *,
    source: str = "<browser>",
    seeds: tuple[int, ...] = CHECK_SEEDS,
) -> CheckReport:
    """Load an exercise from its YAML (a file's text, the editor's, an upload) and check it;
    a file that does not load is a report with ``schema_error`` naming the field."""
    report = CheckReport(source, yaml_text)
    try:
        exercise = load_exercise_text(yaml_text, source)
    except BankError as exc:
        report.schema_error = f"{exc.field}: {exc.message}" if exc.field else exc.message
        report.failures.append(report.schema_error)
        return report
    return check_exercise(exercise, grade, seeds, report=report)
