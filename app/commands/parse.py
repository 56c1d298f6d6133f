"""``jtutor parse``: show how an expression is read, its shape and its LaTeX (DESIGN §11).

With ``--json`` it prints ``{"ok": true, "shape": [rows, cols], "latex": ...}`` or
``{"ok": false, "error": {"kind", "message", "position"}}``; without it, a short report
for a person, or the error with a caret under the offending character.

Exit status: 0 when the expression is fine, 1 when it has an error, 2 for bad flags
(argparse's own status for unknown options, and ours for a bad ``--var`` or ``--indices``).

Index form (``--indices``): ``i=3,j=3,k=4`` gives each index its range; a bare name
(``i,j,k``) takes its range from where it indexes a declared variable (``x[k]`` with x of
4 entries runs k over 1..4). The shape is then one axis per index, ``[3, 3, 4]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from app.mathlang import MathError, check, parse, to_latex, to_text
from app.mathlang.ast import Index, Name, Node, walk
from app.mathlang.declarations import MAX_DIM, parse_assignment

_INDEX = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:=\s*([0-9]+)\s*)?$")


class FlagError(Exception):
    """A bad command-line flag (exit status 2), as opposed to an error in the expression."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="show how an expression is read, with its shape and LaTeX",
        description="Parse an expression of the tutor's language and report its shape.",
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=SHAPE",
        help="declare a variable (repeat), e.g. W=3x4, x=4 (column), r=1x4 (row), z=scalar",
    )
    parser.add_argument(
        "--indices",
        metavar="I[=N],...",
        help="read the expression in index form, e.g. i=3,j=3,k=4 (or i,j,k to take "
        "each range from the variable it indexes)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("expression", metavar="EXPR", help="the expression, e.g. '2 A^T (A x - b)'")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        variables = _variables(args.var)
        requested = _requested_indices(args.indices) if args.indices is not None else None
    except FlagError as exc:
        return _fail_flags(str(exc), args.json)
    text: str = args.expression
    try:
        tree = parse(text)
        indices = None if requested is None else _index_sizes(tree, requested, variables)
        typed = check(tree, variables, indices=indices)
        latex = to_latex(tree)
    except MathError as exc:
        if args.json:
            print(json.dumps({"ok": False, "error": exc.to_dict()}))
        else:
            print(f"error ({exc.kind}): {exc.message}")
            if exc.position is not None:
                print(_indent(exc.caret(text)))
        return 1
    shape = [int(size) for size in typed.shape]
    if args.json:
        print(json.dumps({"ok": True, "shape": shape, "latex": latex}))
    else:
        print(f"read as: {to_text(tree)}")
        print(f"latex:   {latex}")
        print(f"shape:   {_spelled(shape, indices)}")
    return 0


def _variables(specs: list[str]) -> dict[str, tuple[int, int]]:
    variables: dict[str, tuple[int, int]] = {}
    for spec in specs:
        try:
            declaration = parse_assignment(spec)
            variables[declaration.name] = declaration.shape()
        except MathError as exc:
            raise FlagError(f"--var {spec}: {exc.message}") from None
    return variables


def _requested_indices(spec: str) -> dict[str, int | None]:
    requested: dict[str, int | None] = {}
    for item in spec.split(","):
        match = _INDEX.match(item)
        if match is None:
            raise FlagError(f"--indices {spec}: write index names with sizes, e.g. i=3,j=3,k=4")
        name, size = match.group(1), match.group(2)
        if size is not None and not 1 <= int(size) <= MAX_DIM:
            raise FlagError(f"--indices {spec}: the size of {name} must be 1..{MAX_DIM}")
        requested[name] = int(size) if size is not None else None
    return requested


def _index_sizes(
    tree: Node, requested: dict[str, int | None], variables: dict[str, tuple[int, int]]
) -> dict[str, int]:
    """Ranges of the indices; a bare name's range comes from a variable it indexes."""
    found: dict[str, int] = {}
    for node in walk(tree):
        if (
            not isinstance(node, Index)
            or not isinstance(node.base, Name)
            or node.base.name not in variables
        ):
            continue
        rows, cols = variables[node.base.name]
        ranges = [cols if rows == 1 else rows] if len(node.indices) == 1 else [rows, cols]
        for index, size in zip(node.indices, ranges, strict=False):
            if isinstance(index, Name):
                found.setdefault(index.name, size)
    sizes: dict[str, int] = {}
    for name, given in requested.items():
        if given is None and name not in found:
            raise MathError(
                "shape",
                f"the range of the index {name} is not known: it indexes no declared variable; "
                f"give it as --indices {name}=N",
            )
        sizes[name] = given if given is not None else found[name]
    return sizes


def _fail_flags(message: str, as_json: bool) -> int:
    print(f"jtutor parse: {message}", file=sys.stderr)
    if as_json:
        error = {"kind": "syntax", "message": message, "position": None}
        print(json.dumps({"ok": False, "error": error}))
    return 2


def _spelled(shape: list[int], indices: dict[str, int] | None) -> str:
    if indices is not None:
        axes = ", ".join(f"{name} in 1..{size}" for name, size in indices.items())
        return f"{'x'.join(map(str, shape))} ({axes})"
    if shape == [1, 1]:
        return "1x1 (scalar)"
    return "x".join(map(str, shape))


def _indent(lines: str) -> str:
    return "\n".join("  " + line for line in lines.splitlines())
