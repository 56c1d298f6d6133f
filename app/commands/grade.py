"""``jtutor grade``: grade one answer from flags, or a JSONL batch (DESIGN §11).

Grading runs in the worker pool (time and memory limits, :mod:`app.grading.worker`).
Exit status 0 whenever grading happened, whatever the verdict; 2 for bad flags or files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.grading.problem import Problem, ProblemError
from app.grading.result import GradeResult
from app.grading.setup import expected_shape
from app.grading.worker import GradingPool, shared_pool
from app.mathlang import MathError

PROGRESS_EVERY = 25


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "grade",
        help="grade an answer against finite differences",
        description="Grade an answer (or a JSONL batch of problems) numerically.",
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=SHAPE[:DOMAIN]",
        help="declare a variable (repeat), e.g. W=3x4, x=4, A=3x3:spd",
    )
    parser.add_argument("--function", help="the function to differentiate, e.g. 'W x'")
    parser.add_argument("--wrt", help="the variable(s) to differentiate by, e.g. x or x,y")
    parser.add_argument(
        "--layout", choices=("numerator", "denominator", "any"), default="numerator"
    )
    parser.add_argument("--indices", help="index names of an index-form answer, e.g. i,j,k")
    parser.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="pin a variable to a value (a JSON number or nested list)",
    )
    parser.add_argument("--answer", help="the answer to grade")
    parser.add_argument("--seed", type=int, help="seed of the random instances")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--batch", metavar="FILE.jsonl", help="grade one JSON problem per line ('-' for stdin)"
    )
    parser.add_argument("--timeout", type=float, help="seconds per grading (default 2)")
    parser.set_defaults(func=run)


def _problem_from_flags(args: argparse.Namespace) -> Problem:
    variables: dict[str, str] = {}
    for text in args.var:
        name, sep, spec = text.partition("=")
        if not sep:
            raise ProblemError("--var", f"{text!r}: write NAME=SHAPE[:DOMAIN], e.g. W=3x4")
        variables[name.strip()] = spec.strip()
    values: dict[str, object] = {}
    for text in args.value:
        name, sep, raw = text.partition("=")
        if not sep:
            raise ProblemError("--value", f"{text!r}: write NAME=JSON, e.g. x=[1.5, -2]")
        try:
            values[name.strip()] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ProblemError("--value", f"{name.strip()}: not JSON: {exc.msg}") from exc
    return Problem.from_dict(
        {
            "variables": variables,
            "function": args.function,
            "wrt": args.wrt,
            "layout": args.layout,
            **({"indices": args.indices} if args.indices else {}),
            **({"values": values} if values else {}),
        }
    )


def _pool(args: argparse.Namespace) -> GradingPool:
    """The pool with the limits of the settings (``JTUTOR_GRADING_*``); ``--timeout`` wins."""
    from app.settings import Settings

    settings = Settings()
    if args.timeout is not None:
        return GradingPool(
            size=settings.grading_workers,
            timeout=args.timeout,
            memory_mb=settings.grading_memory_mb,
        )
    return shared_pool(
        settings.grading_workers, settings.grading_timeout, settings.grading_memory_mb
    )


def run(args: argparse.Namespace) -> int:
    if args.batch:
        return _run_batch(args)
    missing = [
        flag
        for flag, value in (
            ("--function", args.function),
            ("--wrt", args.wrt),
            ("--answer", args.answer),
        )
        if value is None
    ]
    if missing or not args.var:
        print(f"jtutor grade: missing {', '.join(missing or ['--var'])}", file=sys.stderr)
        return 2
    try:
        problem = _problem_from_flags(args)
        expected_shape(problem)  # a function that does not parse or check is a bad flag
    except (ProblemError, MathError) as exc:
        print(f"jtutor grade: {exc}", file=sys.stderr)
        return 2
    pool = _pool(args)
    result = pool.grade(problem, args.answer, args.seed).to_dict()
    if args.json:
        print(json.dumps(result))
    else:
        print(_readable(result, args.answer))
    return 0


def _readable(result: dict[str, Any], answer: str) -> str:
    head = result["verdict"] + (f" ({result['diagnosis']})" if result["diagnosis"] else "")
    lines = [head, result["message"]]
    error = result.get("error")
    if error and error.get("position") is not None:
        lines.append(MathError(error["kind"], error["message"], error["position"]).caret(answer))
    if result.get("factor") is not None:
        lines.append(f"factor: {result.get('factor_text') or result['factor']}")
    if result.get("wrong_entries"):
        shown = ", ".join("(" + ", ".join(map(str, e)) + ")" for e in result["wrong_entries"])
        lines.append(f"wrong entries: {shown}")
    named = result.get("misconception")
    if named:
        step = "" if named.get("step") is None else f" (derivation step {named['step']})"
        lines.append(f"misconception: {named['id']}{step}: {named['message']}")
    shape = "x".join(map(str, result["expected_shape"])) or "scalar"
    got = result.get("answer_shape")
    got_text = f"; answer shape {'x'.join(map(str, got))}" if got else ""
    lines.append(
        f"expected shape {shape}{got_text}; instances {result['instances']}; seed {result['seed']}"
    )
    return "\n".join(line for line in lines if line)


def _run_batch(args: argparse.Namespace) -> int:
    try:
        if args.batch == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"jtutor grade: cannot read {args.batch}: {exc}", file=sys.stderr)
        return 2
    items: list[tuple[int, dict[str, Any], str, int | None]] = []
    ids: dict[int, object] = {}
    results: list[dict[str, Any] | None] = [None] * len(lines)
    for number, line in enumerate(lines):
        if not line.strip():
            results[number] = GradeResult.problem_error(f"line {number + 1}: empty", None).to_dict()
            continue
        try:
            data = json.loads(line)
            problem = Problem.from_dict(data)
            answer = data.get("answer")
            if not isinstance(answer, str):
                raise ProblemError("answer", "is required (text)")
            seed = data.get("seed")
            if seed is not None and not isinstance(seed, int):
                raise ProblemError("seed", "must be a whole number")
        except json.JSONDecodeError as exc:
            results[number] = GradeResult.problem_error(
                f"line {number + 1}: not JSON: {exc.msg}", None
            ).to_dict()
            continue
        except (ProblemError, MathError) as exc:
            results[number] = GradeResult.problem_error(f"line {number + 1}: {exc}", None).to_dict()
            continue
        items.append((number, problem.to_dict(), answer, seed))
        if "id" in data:
            ids[number] = data["id"]
    total = len(items)
    show = total >= PROGRESS_EVERY and sys.stderr is not None

    def progress(done: int) -> None:
        if show and (done % PROGRESS_EVERY == 0 or done == total):
            print(f"graded {done}/{total}", file=sys.stderr, flush=True)

    graded = _pool(args).grade_many([(p, a, s) for _, p, a, s in items], progress=progress)
    for (number, _, _, _), result in zip(items, graded, strict=True):
        data = result.to_dict()
        results[number] = {**data, "id": ids[number]} if number in ids else data
    for line in results:
        print(json.dumps(line))
    return 0
