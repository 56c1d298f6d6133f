"""``jtutor derive-coverage``: how much of the language the derivation engine covers.

Draws N random problems over the whole language (:mod:`app.calculus.derivation.generated`:
every operator and function, scalar, vector, row, matrix and stacked variables, both
layouts), derives each with the engine and grades the result with the grader, exactly as
``jtutor derive`` followed by ``jtutor grade`` would. A problem counts as covered when
its derivation has every step verified and its result is graded ``correct``. The report
gives the share covered and lists each problem that is not, with the reason.

Exit status: 0 when nothing derived was graded wrong, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any

import numpy as np

from app.calculus.derivation import NoRule, derive
from app.calculus.derivation.generated import GeneratedProblem, generate
from app.grading import Problem, grade
from app.mathlang import MathError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "derive-coverage",
        help="derive and grade N generated problems: the engine's coverage of the language",
        description="Derive N random problems over the whole language and grade each result; "
        "report the share derived with every step verified and graded correct.",
    )
    parser.add_argument("--problems", type=int, default=1000, metavar="N", help="default 1000")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generator (default 1)")
    parser.add_argument(
        "--depth", type=int, default=3, help="deepest nesting of operations (default 3)"
    )
    parser.add_argument(
        "--max-size", type=int, default=4, help="largest size of an axis (default 4)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def outcome(problem: GeneratedProblem, seed: int = 11) -> tuple[str, str]:
    """(``covered`` | ``no_rule`` | ``unverified`` | ``error`` | a verdict, detail)."""
    try:
        d = derive(problem.function, problem.variables, problem.wrt, problem.layout)
    except NoRule as exc:
        return "no_rule", exc.message
    except MathError as exc:
        return "error", exc.message
    if not d.verified:
        return "unverified", ", ".join(s.title for s in d.steps if not s.verified)
    graded = grade(
        Problem(
            variables=problem.variables,
            function=problem.function,
            wrt=problem.wrt,
            layout=problem.layout,
            indices=d.indices,
        ),
        d.expression,
        seed=seed,
    )
    if graded["verdict"] == "correct":
        return "covered", d.expression
    return str(graded["verdict"]), f"{d.expression}: {graded['message']}"


def run(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    counts: Counter[str] = Counter()
    misses: list[dict[str, Any]] = []
    started = time.perf_counter()
    for _ in range(max(args.problems, 0)):
        problem = generate(rng, depth=args.depth, max_size=args.max_size)
        kind, detail = outcome(problem)
        counts[kind] += 1
        if kind != "covered":
            misses.append(
                {
                    "outcome": kind,
                    "function": problem.function,
                    "variables": problem.variables,
                    "wrt": ",".join(problem.wrt),
                    "layout": problem.layout,
                    "detail": detail,
                }
            )
    total = max(args.problems, 1)
    report = {
        "problems": args.problems,
        "seed": args.seed,
        "depth": args.depth,
        "max_size": args.max_size,
        "covered": counts["covered"],
        "coverage": counts["covered"] / total,
        "outcomes": dict(counts),
        "seconds": round(time.perf_counter() - started, 1),
        "not_covered": misses,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for miss in misses:
            print(
                f"{miss['outcome']}: d({miss['function']}) / d({miss['wrt']}) "
                f"with {miss['variables']}, {miss['layout']}: {miss['detail']}"
            )
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(
            f"{counts['covered']} of {args.problems} generated problems derived, every step "
            f"verified and the result graded correct ({100 * report['coverage']:.1f} %); "
            f"{shown}; seed {args.seed}, {report['seconds']} s"
        )
    wrong = counts["incorrect"] + counts["invalid"]
    return 1 if wrong else 0
