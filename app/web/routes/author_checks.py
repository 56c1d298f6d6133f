"""The authoring page's self-check: the same checks as ``jtutor check``, run in the workers.

``app.bank.check_exercise`` grades in the calling process. The web app must not (DESIGN §10:
grading runs in worker processes under a time and memory limit, and an instructor's
reference is text like any other), so :func:`run_checks` follows it step for step but
grades through the app's grader, and keeps each result for the live panel: the reference
against finite differences on each of ``CHECK_SEEDS``, then each test's verdict and
diagnosis against the declared ones. Its failure messages are ``check_exercise``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.bank import BankError, Exercise, load_exercise_text
from app.bank.selfcheck import CHECK_SEEDS
from app.grading.problem import ProblemError
from app.mathlang import MathError
from app.web.errors import WebError
from app.web.preview import read_math, shapes_from_declarations
from app.web.routes.author_forms import ComposeError

GradeFn = Callable[[Any, str, int], dict[str, Any]]


@dataclass
class CheckLine:
    """One graded answer of the self-check."""

    label: str
    answer: str
    seed: int
    result: dict[str, Any]
    wanted: str
    ok: bool

    @property
    def got(self) -> str:
        return outcome(self.result)


@dataclass
class CheckOutcome:
    yaml_text: str
    exercise: Exercise | None = None
    schema_error: str | None = None
    sample: dict[str, Any] | None = None
    reading: dict[str, Any] | None = None
    reference: list[CheckLine] = field(default_factory=list)
    tests: list[CheckLine] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exercise is not None and not self.failures

    def to_dict(self) -> dict[str, Any]:
        def line(item: CheckLine) -> dict[str, Any]:
            return {
                "label": item.label,
                "answer": item.answer,
                "seed": item.seed,
                "got": item.got,
                "wanted": item.wanted,
                "ok": item.ok,
                "message": item.result.get("message"),
            }

        return {
            "ok": self.ok,
            "id": self.exercise.id if self.exercise is not None else None,
            "schema_error": self.schema_error,
            "reference": [line(x) for x in self.reference],
            "tests": [line(x) for x in self.tests],
            "failures": list(self.failures),
            "reading": self.reading,
        }


def outcome(result: dict[str, Any]) -> str:
    verdict = str(result.get("verdict"))
    return f"{verdict}/{result['diagnosis']}" if result.get("diagnosis") else verdict


def load(yaml_text: str, source: str = "<browser>") -> CheckOutcome:
    """Validate the schema only (no grading): the outcome has ``exercise`` or ``schema_error``."""
    report = CheckOutcome(yaml_text)
    try:
        report.exercise = load_exercise_text(yaml_text, source)
    except BankError as exc:
        report.schema_error = f"{exc.field}: {exc.message}" if exc.field else exc.message
        report.failures.append(report.schema_error)
    return report


def compose_failed(error: ComposeError) -> CheckOutcome:
    report = CheckOutcome("", schema_error=str(error))
    report.failures.append(str(error))
    return report


def run_checks(yaml_text: str, grade: GradeFn, *, source: str = "<browser>") -> CheckOutcome:
    """Schema, sample variant, the reference on every check seed, then every test."""
    report = load(yaml_text, source)
    exercise = report.exercise
    if exercise is None:
        return report
    seeds = CHECK_SEEDS
    try:
        report.sample = exercise.variant(seeds[0])
    except (ProblemError, MathError, ValueError) as exc:
        report.failures.append(f"the problem of seed {seeds[0]} is broken: {exc}")
        return report
    indices = report.sample.get("indices") if exercise.answer_form == "index" else None
    try:
        shapes = shapes_from_declarations(report.sample.get("shapes") or {})
        report.reading = read_math(exercise.reference, shapes, indices=indices)
    except (MathError, ValueError) as exc:
        report.reading = {"ok": False, "error": {"kind": "shape", "message": str(exc)}}
    for seed in seeds:
        try:
            problem = exercise.problem(seed)
        except (ProblemError, MathError) as exc:
            report.failures.append(f"the problem of seed {seed} is broken: {exc}")
            return report
        result = grade(problem, exercise.reference, seed)
        ok = result.get("verdict") == "correct"
        report.reference.append(
            CheckLine(f"seed {seed}", exercise.reference, seed, result, "correct", ok)
        )
        if not ok:
            report.failures.append(
                f"reference: {exercise.reference!r} is {outcome(result)} on seed {seed}, "
                f"not correct: {result.get('message')}"
            )
    for i, test in enumerate(exercise.tests):
        seed = seeds[i % len(seeds)]
        result = grade(exercise.problem(seed), test.answer, seed)
        want = test.verdict + (f"/{test.diagnosis}" if test.diagnosis else "")
        ok = result.get("verdict") == test.verdict and (
            test.diagnosis is None or result.get("diagnosis") == test.diagnosis
        )
        report.tests.append(CheckLine(f"tests[{i}]", test.answer, seed, result, want, ok))
        if not ok:
            report.failures.append(
                f"tests[{i}]: {test.answer!r} gave {outcome(result)}, expected {want}"
            )
    return report


def grade_with(services: Any) -> GradeFn:
    """The self-check's grading function: the app's worker pool, errors as invalid."""

    def grade(problem: Any, answer: str, seed: int) -> dict[str, Any]:
        try:
            result: dict[str, Any] = services.grade(problem, answer, seed=seed)
        except WebError as exc:
            return {"verdict": "invalid", "diagnosis": None, "message": exc.message}
        return result

    return grade
