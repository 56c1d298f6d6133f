"""Self-tests of an exercise: what ``jtutor check`` runs for each file (DESIGN §7).

The reference answer is graded against finite differences on several seeds (so on
several variants of sizes and values) and must be ``correct`` every time; then each of
the exercise's tests must get its declared verdict and diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.bank.exercise import Exercise
from app.grading import grade
from app.grading.problem import ProblemError
from app.mathlang import MathError

CHECK_SEEDS = (1, 2, 3)


@dataclass
class CheckReport:
    exercise_id: str
    source_path: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.ok:
            return f"PASS {self.exercise_id}"
        return f"FAIL {self.source_path}: {self.failures[0]}"


def check_exercise(exercise: Exercise, seeds: tuple[int, ...] = CHECK_SEEDS) -> CheckReport:
    """Run the reference and every test; ``lines`` has one line per check."""
    report = CheckReport(exercise.id, exercise.source_path)
    for seed in seeds:
        try:
            problem = exercise.problem(seed)
        except (ProblemError, MathError) as exc:
            report.failures.append(f"the problem of seed {seed} is broken: {exc}")
            return report
        result = grade(problem, exercise.reference, seed=seed)
        line = f"reference (seed {seed}): {_outcome(result)}"
        report.lines.append(line)
        if result["verdict"] != "correct":
            report.failures.append(
                f"reference: {exercise.reference!r} is {_outcome(result)} on seed {seed}, "
                f"not correct: {result['message']}"
            )
    for i, test in enumerate(exercise.tests):
        want = test.verdict + (f"/{test.diagnosis}" if test.diagnosis else "")
        outcomes = []
        for seed in seeds:  # every test on every variant: a test must not pass by luck
            result = grade(exercise.problem(seed), test.answer, seed=seed)
            got = _outcome(result)
            outcomes.append(got)
            if result["verdict"] != test.verdict or (
                test.diagnosis is not None and result["diagnosis"] != test.diagnosis
            ):
                report.failures.append(
                    f"tests[{i}]: {test.answer!r} gave {got} on seed {seed}, expected {want}"
                )
                break
        report.lines.append(f"tests[{i}] {test.answer!r}: {', '.join(sorted(set(outcomes)))}")
    return report


def _outcome(result: dict[str, Any]) -> str:
    verdict = str(result["verdict"])
    return f"{verdict}/{result['diagnosis']}" if result.get("diagnosis") else verdict
