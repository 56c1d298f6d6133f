"""Variable declarations: ``NAME=SHAPE[:DOMAIN]`` as the CLI, the API and exercise files write them.

A SHAPE is ``scalar``, ``n`` (a column vector of n entries), ``1xn`` (a row vector) or
``mxn`` (a matrix). Sizes are whole numbers (``3x4``) or, in exercise files whose sizes
are drawn at random, size symbols (``mxn`` with ``sizes: {m: [2, 4], n: [3, 5]}``).
A DOMAIN says where random instances of the variable are drawn: ``real`` (default),
``positive``, ``spd`` (symmetric positive definite) or ``invertible``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.mathlang.errors import MathError

Domain = Literal["real", "positive", "spd", "invertible"]
DOMAINS: tuple[Domain, ...] = ("real", "positive", "spd", "invertible")
Dim = int | str
MAX_DIM = 1000

_DIM = r"(?:[1-9][0-9]*|[A-Za-z][A-Za-z0-9_]*)"
# The first size is matched lazily so that ``mxn`` reads as m by n, and ``batchxn`` as batch by n.
_ROWS = r"(?:[1-9][0-9]*|[A-Za-z][A-Za-z0-9_]*?)"
_SHAPE = re.compile(rf"^\s*(?:(scalar)|({_ROWS})\s*[x×]\s*({_DIM})|({_DIM}))\s*$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Declaration:
    """One declared variable: its name, its (possibly symbolic) shape and its domain."""

    name: str
    rows: Dim
    cols: Dim
    domain: Domain = "real"

    def shape(self, sizes: Mapping[str, int] | None = None) -> tuple[int, int]:
        """The concrete (rows, cols), resolving size symbols from ``sizes``."""
        return (_resolve(self.rows, sizes, self.name), _resolve(self.cols, sizes, self.name))

    def spelled(self) -> str:
        """The SHAPE[:DOMAIN] text this declaration was read from, normalised."""
        if self.rows == 1 and self.cols == 1:
            text = "scalar"
        elif self.cols == 1:
            text = str(self.rows)
        else:
            text = f"{self.rows}x{self.cols}"
        return text if self.domain == "real" else f"{text}:{self.domain}"


def _resolve(dim: Dim, sizes: Mapping[str, int] | None, name: str) -> int:
    if isinstance(dim, int):
        return dim
    if sizes is None or dim not in sizes:
        raise MathError("shape", f"the size {dim!r} of {name} is not given")
    value = sizes[dim]
    if not 1 <= value <= MAX_DIM:
        raise MathError("limit", f"the size {dim}={value} of {name} is out of range 1..{MAX_DIM}")
    return value


def _dim(text: str) -> Dim:
    if text.isdigit():
        value = int(text)
        if value > MAX_DIM:
            raise MathError("limit", f"size {value} is larger than {MAX_DIM}")
        return value
    return text


def parse_shape(text: str) -> tuple[Dim, Dim]:
    """``"scalar"`` -> (1, 1); ``"4"`` -> (4, 1); ``"1x4"`` -> (1, 4); ``"mxn"`` -> ("m", "n")."""
    match = _SHAPE.match(text)
    if match is None:
        raise MathError(
            "syntax",
            f"{text!r} is not a shape: write scalar, n (a column vector), 1xn (a row vector) "
            "or mxn (a matrix), e.g. 3x4",
        )
    if match.group(1):
        return (1, 1)
    if match.group(4):
        return (_dim(match.group(4)), 1)
    return (_dim(match.group(2)), _dim(match.group(3)))


def parse_declaration(name: str, spec: str) -> Declaration:
    """Read ``SHAPE[:DOMAIN]`` for the variable ``name``."""
    if not _NAME.match(name):
        raise MathError("syntax", f"{name!r} is not a variable name (letters, digits, _)")
    shape_text, _, domain = spec.partition(":")
    domain_text = domain.strip() or "real"
    for known in DOMAINS:
        if domain_text == known:
            rows, cols = parse_shape(shape_text)
            return Declaration(name=name, rows=rows, cols=cols, domain=known)
    raise MathError(
        "syntax", f"unknown domain {domain_text!r} for {name}; use one of {', '.join(DOMAINS)}"
    )


def parse_assignment(text: str) -> Declaration:
    """Read a CLI ``--var NAME=SHAPE[:DOMAIN]``."""
    name, sep, spec = text.partition("=")
    if not sep:
        raise MathError("syntax", f"{text!r}: write NAME=SHAPE[:DOMAIN], e.g. W=3x4")
    return parse_declaration(name.strip(), spec.strip())
