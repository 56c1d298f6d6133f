"""The variables of an explored function: declared shapes, inferred ones, and the caps.

A learner writes ``W=3x4`` or only ``x``; a shape left out is inferred from where the
variable stands in the function, with the shape checker's own unknown sizes (the way it
sizes a bare ``ones``): every occurrence of an undeclared variable starts with two unknown
sizes, the products and sums of the function equate them with known ones, and a column
count that nothing fixes is 1 (vectors are columns, DESIGN §3). ``W x`` with W 3x4 makes
x a 4-vector; ``W x`` with only x known leaves W's row count open, and the learner is
asked to declare it. Every size is then held to the page's cap (12 per axis by default),
so a derivation, its numeric checks and its pictures stay small.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

from app import mathlang
from app.mathlang.ast import Name, Node, walk
from app.mathlang.declarations import parse_declaration
from app.mathlang.functions import BUILTINS
from app.mathlang.messages import unknown_name_error

DEFAULT_MAX_DIM = 12
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PLACEHOLDER = "ones"
"""The shape checker sizes a bare ``ones`` from its context: an undeclared variable is
checked as one to learn its shape."""


class DeclarationError(ValueError):
    """A declaration that cannot be read, or a size over the cap; ``field`` names it."""

    def __init__(self, message: str, field: str, kind: str = "syntax") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind


@dataclass(frozen=True)
class Variables:
    """Every variable of the function as ``name -> SHAPE`` text, and which were inferred."""

    specs: dict[str, str]
    inferred: dict[str, str] = field(default_factory=dict)
    """name -> a sentence saying what was inferred and from where."""

    def as_query(self) -> list[str]:
        """``NAME=SHAPE`` items for the URL, declared and inferred alike."""
        return [f"{name}={spec}" for name, spec in self.specs.items()]


def read_declarations(items: Iterable[str]) -> dict[str, str | None]:
    """``["W=3x4", "x"]`` -> ``{"W": "3x4", "x": None}`` (the shape left out)."""
    out: dict[str, str | None] = {}
    for raw in items:
        text = raw.strip()
        if not text:
            continue
        name, _, spec = text.partition("=")
        name, spec = name.strip(), spec.strip()
        if not _NAME.match(name):
            raise DeclarationError(
                f"{text!r}: write NAME=SHAPE (W=3x4, x=4, b=scalar) or just a name",
                field="var",
            )
        if spec:
            try:
                parse_declaration(name, spec).shape()
            except mathlang.MathError as exc:
                raise DeclarationError(f"{name}: {exc.message}", field="var") from None
        out[name] = spec or None
    return out


def resolve(
    function: str,
    declared: Mapping[str, str | None],
    wrt: Sequence[str],
    *,
    max_dim: int = DEFAULT_MAX_DIM,
) -> Variables:
    """Shapes for every declared (or ``wrt``-named) variable, inferring those left out.

    Raises :class:`~app.mathlang.MathError` with a position in ``function`` (a syntax
    error, an unknown name with its suggestion, a shape that cannot be inferred) and
    :class:`DeclarationError` for a size over ``max_dim``.
    """
    wanted = dict(declared)
    for name in wrt:
        wanted.setdefault(name, None)
    known = {n: parse_declaration(n, s).shape() for n, s in wanted.items() if s is not None}
    for name, (rows, cols) in known.items():
        _cap(name, rows, cols, max_dim)
    unknown = [n for n, s in wanted.items() if s is None]
    tree = mathlang.parse(function)
    inferred: dict[str, str] = {}
    if unknown:
        found = _infer(tree, known, unknown)
        for name in unknown:
            rows, cols = found[name]
            _cap(name, rows, cols, max_dim)
            known[name] = (rows, cols)
            inferred[name] = f"{name} is {_describe(rows, cols)}, as the function implies"
    mathlang.check(tree, known)  # errors as the live preview gives them, names as written
    specs = {n: _spec(known[n], wanted[n]) for n in wanted}
    return Variables(specs, inferred)


def _cap(name: str, rows: int, cols: int, max_dim: int) -> None:
    if rows > max_dim or cols > max_dim:
        raise DeclarationError(
            f"{name} is {rows}x{cols}: Explore derives functions of variables up to "
            f"{max_dim} entries per axis",
            field="var",
            kind="limit",
        )


def _spec(shape: tuple[int, int], declared: str | None) -> str:
    rows, cols = shape
    domain = declared.partition(":")[2] if declared else ""
    text = "scalar" if (rows, cols) == (1, 1) else str(rows) if cols == 1 else f"{rows}x{cols}"
    return f"{text}:{domain}" if domain else text


def _describe(rows: int, cols: int) -> str:
    if (rows, cols) == (1, 1):
        return "a scalar"
    if cols == 1:
        return f"a column vector of {rows} entries"
    if rows == 1:
        return f"a row vector of {cols} entries"
    return f"a {rows}x{cols} matrix"


def _infer(
    tree: Node, known: Mapping[str, tuple[int, int]], unknown: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """Each unknown variable's shape from one check of the function with the variable
    standing as a context-sized ``ones`` at every occurrence."""
    occurrences: dict[int, str] = {}
    stand_in = _substitute(tree, set(unknown), occurrences)
    try:
        typed = mathlang.check(stand_in, dict(known))
    except mathlang.MathError as exc:
        raise _translated(exc, tree, set(unknown), [*known, *unknown]) from None
    shapes: dict[str, tuple[int, int]] = {}
    for node_id, name in occurrences.items():
        rows, cols = typed.node_shapes[node_id]
        shape = (int(rows), int(cols))
        if shapes.setdefault(name, shape) != shape:
            first = shapes[name]
            raise mathlang.MathError(
                "shape",
                f"{name} stands as {first[0]}x{first[1]} in one place and {shape[0]}x{shape[1]} "
                f"in another; declare its shape ({name}=...)",
            )
    for name in unknown:
        if name not in shapes:
            raise mathlang.MathError(
                "unknown_name",
                f"the function does not use {name}, so its shape cannot be inferred; "
                f"declare it ({name}=4, {name}=3x4, {name}=scalar) or leave it out",
            )
    return shapes


def _substitute(node: Node, names: set[str], occurrences: dict[int, str]) -> Node:
    """``node`` with every ``Name`` in ``names`` replaced by a bare ``ones`` (same position);
    ``occurrences`` maps each stand-in's id to the variable it stands for."""
    if isinstance(node, Name):
        if node.name in names:
            stand_in = Name(_PLACEHOLDER, pos=node.pos, end=node.end)
            occurrences[id(stand_in)] = node.name
            return stand_in
        return node
    changes: dict[str, object] = {}
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            changes[f.name] = _substitute(value, names, occurrences)
        elif isinstance(value, tuple) and value and isinstance(value[0], Node):
            changes[f.name] = tuple(_substitute(v, names, occurrences) for v in value)
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            changes[f.name] = tuple(
                tuple(_substitute(v, names, occurrences) for v in row) for row in value
            )
    return replace(node, **changes) if changes else node  # type: ignore[arg-type]


def _translated(
    exc: mathlang.MathError, tree: Node, unknown: set[str], declared: Iterable[str]
) -> Exception:
    """The checker's message about a stand-in, told about the variable it stands for."""
    at = {n.pos: n.name for n in walk(tree) if isinstance(n, Name) and n.name in unknown}
    name = at.get(exc.position) if exc.position is not None else None
    if exc.kind == "unknown_name":  # suggest every declared name, the inferred ones too
        missing = next(
            (n.name for n in walk(tree) if isinstance(n, Name) and n.pos == exc.position), None
        )
        if missing is not None:
            return unknown_name_error(missing, declared, exc.position, also=BUILTINS)
    if name is not None and "cannot be inferred" in exc.message:
        return mathlang.MathError(
            "shape",
            f"the shape of {name} is not implied by the function; declare it "
            f"({name}=4 for a vector, {name}=3x4 for a matrix, {name}=scalar)",
            exc.position,
        )
    if len(unknown) == 1:
        (only,) = unknown
        message = re.sub(rf"\b{_PLACEHOLDER}\b", only, exc.message)
        return mathlang.MathError(exc.kind, message, exc.position)
    return mathlang.MathError(
        exc.kind,
        f"{exc.message} (while inferring the shapes of {', '.join(sorted(unknown))})",
        exc.position,
    )
