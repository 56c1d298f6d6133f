"""Errors of the expression language, as values a caller can show to a person.

Every failure of parsing, shape checking or evaluation is a :class:`MathError` with a
``kind`` from a closed set, a learner-facing ``message`` and, when it points at the
text, the 0-based ``position`` of the offending character. Nothing else escapes the
language's public functions: callers (the grader, the web app, the CLI) never need a
bare ``except Exception``.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["syntax", "unknown_name", "shape", "limit", "domain"]
"""``syntax``: the text does not parse. ``unknown_name``: a name that is not declared
(with a suggestion when one is close). ``shape``: an operation whose operand shapes do
not fit. ``limit``: too long, too deep, too large, a number out of range.
``domain``: evaluation produced a non-finite value (overflow, log of a negative, ...).
"""


class MathError(Exception):
    """A problem with a piece of math text, carrying what a person needs to fix it."""

    def __init__(self, kind: ErrorKind, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.position = position

    def to_dict(self) -> dict[str, object]:
        """The ``error`` object of the JSON contracts (DESIGN §11)."""
        return {"kind": self.kind, "message": self.message, "position": self.position}

    def caret(self, text: str) -> str:
        """Two lines: the text and a caret under ``position`` (empty when there is none).

        Tabs and newlines in the text are shown as spaces so the caret lines up.
        """
        if self.position is None:
            return ""
        shown = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        clipped = min(max(self.position, 0), len(shown))
        return f"{shown}\n{' ' * clipped}^"

    def __repr__(self) -> str:
        return f"MathError({self.kind!r}, {self.message!r}, position={self.position!r})"
