"""The ``jtutor`` command: one sub-command per module in :mod:`app.commands`.

Each command module exposes ``register(subparsers)``, which adds its sub-parser and sets
``func`` (a callable taking the parsed arguments and returning the exit status). Keeping
the commands apart lets each be read, tested and changed on its own.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from app import __version__

COMMANDS = (
    "serve",
    "parse",
    "grade",
    "derive",
    "derive_coverage",
    "check",
    "schema",
    "instructor",
    "lti",
)

# Options whose value is math: ``--answer -W`` must read ``-W`` as the answer, not as an option.
MATH_OPTIONS = frozenset({"--answer", "--function"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jtutor",
        description="jacobian-tutor: an interactive tutor for matrix derivatives.",
    )
    parser.add_argument("--version", action="version", version=f"jtutor {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"app.commands.{name}").register(subparsers)
    return parser


def join_math_values(argv: Sequence[str]) -> list[str]:
    """Glue ``--answer -W`` into ``--answer=-W`` so argparse does not take ``-W`` for an option.

    A math expression may start with a minus sign; argparse refuses such a value after a
    separate option, so the option and its value are joined before parsing.
    """
    out: list[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        if item == "--":
            out.extend(items[index:])
            break
        if item in MATH_OPTIONS and index + 1 < len(items) and items[index + 1].startswith("-"):
            out.append(f"{item}={items[index + 1]}")
            index += 2
            continue
        out.append(item)
        index += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(join_math_values(sys.argv[1:] if argv is None else argv))
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
