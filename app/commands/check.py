"""``jtutor check PATH...``: validate exercise files and run their self-tests (DESIGN §7).

One line per exercise (``PASS id`` or ``FAIL file: why``), a progress line on stderr for
large banks, and a last line ``N passed, M failed``; exit 1 when anything failed, 2 when
a path does not exist. Duplicate ids across the files are failures too. The check is the
app's (``app.bank.selfcheck``), graded in worker processes with the limits of the settings
(``JTUTOR_GRADING_*``), so an answer a learner would see time out fails here too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.bank.loader import exercise_files
from app.bank.schema import BankError
from app.bank.selfcheck import GradeFn, check_text

PROGRESS_EVERY = 20


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate exercise files and run their self-tests",
        description="Validate exercise files, check each reference against finite "
        "differences on several seeds and run each exercise's tests.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="exercise files or folders")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every check")
    parser.set_defaults(func=run)


def _grader() -> GradeFn:
    from app.grading.worker import shared_pool
    from app.settings import Settings

    settings = Settings()
    pool = shared_pool(
        size=settings.grading_workers,
        timeout=settings.grading_timeout,
        memory_mb=settings.grading_memory_mb,
    )
    return lambda problem, answer, seed: pool.grade(problem, answer, seed)


def _check_one(path: Path, grade: GradeFn) -> tuple[bool, str, list[str], str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return False, f"FAIL {path}: cannot be read: {exc}", [], None
    report = check_text(text, grade, source=str(path))
    return report.ok, report.summary(), report.lines, report.exercise_id


def run(args: argparse.Namespace) -> int:
    try:
        files = exercise_files(args.paths)
    except BankError as exc:
        print(f"jtutor check: {exc}", file=sys.stderr)
        return 2
    grade = _grader()
    passed = failed = 0
    seen: dict[str, str] = {}
    total = len(files)
    for done, path in enumerate(files, start=1):
        ok, line, lines, exercise_id = _check_one(path, grade)
        if ok and exercise_id is not None and exercise_id in seen:
            ok, line = (
                False,
                f"FAIL {path}: id: {exercise_id!r} is also used by {seen[exercise_id]}",
            )
        if exercise_id is not None:
            seen.setdefault(exercise_id, str(path))
        print(line, flush=True)
        if args.verbose:
            for detail in lines:
                print(f"    {detail}")
        passed += ok
        failed += not ok
        if total >= PROGRESS_EVERY and done % PROGRESS_EVERY == 0:
            print(f"checked {done}/{total}", file=sys.stderr, flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
