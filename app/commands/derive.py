"""``jtutor derive``: worked, numerically checked steps for a derivative (DESIGN §6, §11).

With ``--json`` it prints ``{"steps": [{"title", "latex", "verified", ...}], "result":
{"expression", "latex", "indices"}}``; without it, the steps as readable text. The
result expression is in the language and ``jtutor grade`` marks it correct for the same
problem and layout (with ``--indices`` set to the result's ``indices`` for index form).

Exit status: 0 on success, 1 when the function has an error or the engine has no rule
for it (the message says which), 2 for bad flags.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.calculus.derivation import Derivation, NoRule, derive
from app.mathlang import MathError
from app.mathlang.declarations import parse_assignment


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "derive",
        help="derive a matrix derivative step by step, each step checked numerically",
        description="Derive d FUNCTION / d WRT step by step (component, chain-rule or gradient "
        "view), checking every step against finite differences.",
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=SHAPE[:DOMAIN]",
        help="declare a variable (repeat), e.g. W=3x4, x=4 (column), r=1x4 (row), b=scalar",
    )
    parser.add_argument("--function", required=True, metavar="EXPR", help="e.g. 'relu(w^T x + b)'")
    parser.add_argument(
        "--wrt", required=True, metavar="NAME[,NAME]", help="variable(s) to differentiate by"
    )
    parser.add_argument(
        "--layout",
        choices=("numerator", "denominator", "any"),
        default="numerator",
        help="layout of the result (any gives numerator)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the checking instance")
    parser.add_argument("--json", action="store_true", help="print the derivation as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    variables: dict[str, str] = {}
    for spec in args.var:
        try:
            declaration = parse_assignment(spec)
            declaration.shape()  # sizes must be numbers here, not symbols
        except MathError as exc:
            return _fail(f"--var {spec}: {exc.message}", args.json, status=2)
        variables[declaration.name] = declaration.spelled()
    try:
        derivation = derive(args.function, variables, args.wrt, args.layout, seed=args.seed)
    except MathError as exc:
        if args.json:
            print(json.dumps({"error": exc.to_dict()}))
        else:
            print(f"error ({exc.kind}): {exc.message}")
            if exc.position is not None:
                print("  " + exc.caret(args.function).replace("\n", "\n  "))
        return 1
    except NoRule as exc:
        return _fail(exc.message, args.json, status=1, kind="no_rule")
    if args.json:
        print(json.dumps(derivation.to_dict()))
    else:
        print(readable(derivation))
    return 0


def readable(derivation: Derivation) -> str:
    """The derivation as text for a terminal: numbered steps, their LaTeX and check marks."""
    lines = [
        f"d({derivation.function}) / d({', '.join(derivation.wrt)}), {derivation.layout} layout",
        "",
    ]
    for n, step in enumerate(derivation.steps, 1):
        mark = "verified" if step.verified else "NOT verified"
        lines.append(f"{n}. {step.title}  [{mark}]")
        if step.explanation:
            lines.append(f"   {step.explanation}")
        lines.append(f"   {step.latex}")
        if step.source:
            lines.append(f"   rule: {step.source}")
        lines.append("")
    lines.append(f"result: {derivation.expression}")
    if derivation.indices:
        lines.append(f"indices: {', '.join(derivation.indices)}")
    lines.append(f"shape: {' x '.join(str(s) for s in derivation.shape)}")
    return "\n".join(lines)


def _fail(message: str, as_json: bool, *, status: int, kind: str = "syntax") -> int:
    if as_json:
        print(json.dumps({"error": {"kind": kind, "message": message, "position": None}}))
    else:
        print(f"error: {message}")
    return status
