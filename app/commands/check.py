"""``jtutor check PATH...``: validate exercise files and run their self-tests (DESIGN §7).

One line per exercise (``PASS id`` or ``FAIL file: why``), a progress line on stderr for
large banks, and a last line ``N passed, M failed``; exit 1 when anything failed, 2 when
a path does not exist. Duplicate ids across the files are failures too.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.bank.loader import exercise_files, load_exercise_file
from app.bank.schema import BankError
from app.bank.selfcheck import check_exercise

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


def _check_one(path: str) -> tuple[bool, str, list[str], str | None]:
    try:
        exercise = load_exercise_file(path)
    except BankError as exc:
        return False, f"FAIL {exc}", [], None
    report = check_exercise(exercise)
    return report.ok, report.summary(), report.lines, exercise.id


def run(args: argparse.Namespace) -> int:
    try:
        files = exercise_files(args.paths)
    except BankError as exc:
        print(f"jtutor check: {exc}", file=sys.stderr)
        return 2
    passed = failed = 0
    seen: dict[str, str] = {}
    total = len(files)
    for done, path in enumerate(files, start=1):
        ok, line, lines, exercise_id = _check_one(str(path))
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
