"""A grading problem: what is differentiated, with respect to what, in which layout.

A problem is plain data so that it crosses process boundaries (the worker pool), JSON
(batch lines, the web API) and exercise files unchanged. Reading it validates everything
that does not depend on the answer: declarations, the wrt list, the layout, the index
names and pinned values; the function text itself is parsed by the grader, which owns
the error messages about it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.mathlang.declarations import Declaration, parse_declaration
from app.mathlang.errors import ErrorKind, MathError

LAYOUTS = ("numerator", "denominator", "any")
MAX_VALUE_ENTRIES = 100_000
_KNOWN_KEYS = {
    "variables",
    "function",
    "wrt",
    "layout",
    "indices",
    "values",
    "sizes",
    "compact",
    "answer",
    "seed",
    "id",
    "mistakes",
}


class ProblemError(ValueError):
    """A problem (not an answer) that cannot be graded; ``field`` names the bad input."""

    def __init__(self, field: str, message: str, kind: ErrorKind = "syntax") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.kind: ErrorKind = kind


@dataclass(frozen=True)
class Problem:
    """Variables (``name -> "SHAPE[:DOMAIN]"`` with concrete sizes), the function text,
    the ``wrt`` names (several are stacked into one input vector, DESIGN §4), the layout
    the answer must use, optional index names for index-form answers, and optional pinned
    values (JSON numbers or nested lists)."""

    variables: dict[str, str]
    function: str
    wrt: list[str]
    layout: str = "numerator"
    indices: list[str] | None = None
    values: dict[str, object] | None = None
    sizes: dict[str, int] | None = None
    """Names of the sizes (``{"N": 5}``) when the problem comes from an exercise; used only
    to word feedback (a missing 1/N is "off by a factor of N")."""

    compact: dict[str, str] | None = None
    """For compact answers (Learned-Miller §3): ``{"name": "G", "shape": "3x4", "expand":
    "delta(i,j) * G[i,k]"}``; the learner's matrix is bound to ``name`` and the full
    derivative (over ``indices``) is ``expand``."""

    mistakes: list[dict[str, str]] | None = None
    """An exercise's own listed mistakes, ``{answer, feedback, misconception?}``, matched
    numerically before the misconception catalogue."""

    def __post_init__(self) -> None:
        self.declarations()  # validates the declarations eagerly
        if not isinstance(self.function, str) or not self.function.strip():
            raise ProblemError("function", "the function text is missing")
        if not self.wrt:
            raise ProblemError("wrt", "name at least one variable to differentiate by")
        for name in self.wrt:
            if name not in self.variables:
                raise ProblemError("wrt", f"{name!r} is not a declared variable")
        if len(set(self.wrt)) != len(self.wrt):
            raise ProblemError("wrt", "a variable is listed twice")
        if self.layout not in LAYOUTS:
            raise ProblemError("layout", f"must be one of {', '.join(LAYOUTS)}")
        if self.indices is not None:
            if not self.indices:
                raise ProblemError("indices", "give at least one index name")
            for index in self.indices:
                if not isinstance(index, str) or not index.isidentifier():
                    raise ProblemError("indices", f"{index!r} is not an index name")
                if index in self.variables:
                    raise ProblemError("indices", f"{index!r} is also a variable name")
            if len(set(self.indices)) != len(self.indices):
                raise ProblemError("indices", "an index name is listed twice")
        self.pinned()  # validates the pinned values eagerly
        if self.compact is not None:
            if not self.indices:
                raise ProblemError("indices", "a compact answer needs the full tensor's indices")
            for key in ("name", "shape", "expand"):
                if not isinstance(self.compact.get(key), str):
                    raise ProblemError(f"compact.{key}", "must be text")
            if self.compact["name"] in self.variables:
                raise ProblemError("compact.name", "is also a variable name")
        for i, mistake in enumerate(self.mistakes or []):
            for key in ("answer", "feedback"):
                if not isinstance(mistake.get(key), str):
                    raise ProblemError(f"mistakes[{i}].{key}", "must be text")

    def declarations(self) -> dict[str, Declaration]:
        """The parsed declarations; sizes must be concrete numbers here."""
        if not isinstance(self.variables, Mapping) or not self.variables:
            raise ProblemError("variables", "declare at least one variable")
        out: dict[str, Declaration] = {}
        for name, spec in self.variables.items():
            if not isinstance(spec, str):
                raise ProblemError(f"variables.{name}", "write the shape as text, e.g. 3x4")
            try:
                decl = parse_declaration(str(name), spec)
            except MathError as exc:
                raise ProblemError(f"variables.{name}", exc.message, exc.kind) from exc
            if not isinstance(decl.rows, int) or not isinstance(decl.cols, int):
                raise ProblemError(f"variables.{name}", "sizes must be numbers, e.g. 3x4")
            if decl.domain in ("spd", "invertible") and decl.rows != decl.cols:
                raise ProblemError(f"variables.{name}", f"a {decl.domain} matrix must be square")
            out[name] = decl
        return out

    def shapes(self) -> dict[str, tuple[int, int]]:
        return {name: decl.shape() for name, decl in self.declarations().items()}

    def pinned(self) -> dict[str, npt.NDArray[np.float64]]:
        """Pinned values as 2-D float64 arrays of the declared shapes."""
        if not self.values:
            return {}
        shapes = self.shapes()
        out: dict[str, npt.NDArray[np.float64]] = {}
        for name, raw in self.values.items():
            if name not in shapes:
                raise ProblemError(f"values.{name}", "is not a declared variable")
            out[name] = _as_array(raw, shapes[name], f"values.{name}")
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "variables": dict(self.variables),
            "function": self.function,
            "wrt": list(self.wrt),
            "layout": self.layout,
        }
        if self.indices is not None:
            data["indices"] = list(self.indices)
        if self.values:
            data["values"] = dict(self.values)
        if self.sizes:
            data["sizes"] = dict(self.sizes)
        if self.compact:
            data["compact"] = dict(self.compact)
        if self.mistakes:
            data["mistakes"] = [dict(m) for m in self.mistakes]
        return data

    @classmethod
    def from_dict(cls, data: object) -> Problem:
        """Read a batch line or an API body (extra key ``answer`` is allowed and ignored)."""
        if not isinstance(data, Mapping):
            raise ProblemError("", "a problem must be a JSON object")
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            raise ProblemError(unknown[0], "unknown key")
        for key in ("variables", "function", "wrt"):
            if key not in data:
                raise ProblemError(key, "is required")
        variables = data["variables"]
        if isinstance(variables, list):  # ["W=3x4", "x=4"] as on the command line
            variables = dict(_split_assignment(v) for v in variables)
        if not isinstance(variables, Mapping):
            raise ProblemError("variables", "must map names to shapes, e.g. {'W': '3x4'}")
        function = data["function"]
        if not isinstance(function, str):
            raise ProblemError("function", "must be text")
        layout = data.get("layout") or "numerator"
        if not isinstance(layout, str):
            raise ProblemError("layout", "must be text")
        values = data.get("values")
        if values is not None and not isinstance(values, Mapping):
            raise ProblemError("values", "must map names to numbers or nested lists")
        indices = data.get("indices")
        sizes = data.get("sizes")
        if sizes is not None and not (
            isinstance(sizes, Mapping)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in sizes.values())
        ):
            raise ProblemError("sizes", "must map size names to whole numbers")
        return cls(
            variables={str(k): v for k, v in variables.items()},
            function=function,
            wrt=_name_list(data["wrt"], "wrt"),
            layout=layout,
            indices=None if indices is None else _name_list(indices, "indices"),
            values=None if not values else {str(k): v for k, v in values.items()},
            sizes=None if not sizes else {str(k): int(v) for k, v in sizes.items()},
            compact=_compact(data.get("compact")),
            mistakes=_mistakes(data.get("mistakes")),
        )


def _mistakes(raw: object) -> list[dict[str, str]] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(m, Mapping) for m in raw):
        raise ProblemError("mistakes", "must be a list of {answer, feedback, misconception?}")
    return [{str(k): v for k, v in m.items() if v is not None} for m in raw] or None


def _compact(raw: object) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ProblemError("compact", "must be {name, shape, expand}")
    return {str(k): v for k, v in raw.items()}


def _split_assignment(text: object) -> tuple[str, str]:
    if not isinstance(text, str) or "=" not in text:
        raise ProblemError("variables", f"{text!r}: write NAME=SHAPE[:DOMAIN]")
    name, _, spec = text.partition("=")
    return name.strip(), spec.strip()


def _name_list(raw: object, field: str) -> list[str]:
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return [item.strip() for item in raw]
    raise ProblemError(field, "must be a list of names or a comma-separated string")


def _as_array(raw: object, shape: tuple[int, int], field: str) -> npt.NDArray[np.float64]:
    """A JSON number / list / nested list as a float64 array of ``shape``.

    A column or row vector may be written flat (``[1, 2, 3]``)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | list):
        raise ProblemError(field, "must be a number or a nested list of numbers")
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise ProblemError(field, "must be a number or a regular nested list") from exc
    if array.size > MAX_VALUE_ENTRIES:
        raise ProblemError(field, "too many entries")
    if array.size != shape[0] * shape[1] or (array.ndim == 2 and array.shape != shape):
        rows, cols = shape
        raise ProblemError(field, f"expected {rows}x{cols} numbers, got shape {list(array.shape)}")
    if array.ndim > 2 or (array.ndim == 1 and 1 not in shape):
        raise ProblemError(field, f"expected a {shape[0]}x{shape[1]} nested list")
    if not all(math.isfinite(v) for v in array.ravel()):
        raise ProblemError(field, "values must be finite numbers")
    return array.reshape(shape).copy()
