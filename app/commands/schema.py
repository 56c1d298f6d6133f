"""``jtutor schema``: the JSON Schema of an exercise file, for editors that check YAML.

Saved as a file and named in the editor's settings (for example the YAML extension's
``yaml.schemas``, or a ``# yaml-language-server: $schema=...`` first line), it flags an
unknown key, a misspelt verdict or a missing field while the exercise is being typed. The
rules across fields (the reference parses, ``wrt`` names a variable) are ``jtutor check``'s.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.bank.schema import json_schema_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of exercise files",
        description="Print the JSON Schema of an exercise file (YAML), for editors.",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = json_schema_text()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
