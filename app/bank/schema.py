"""The exercise file format (DESIGN §7, §11) and its validation.

An exercise is YAML data::

    id: u03-core-wx                 # letters, digits, '-'; unique in the bank
    title: The Jacobian of y = Wx
    lesson: y-equals-wx             # a slug of app.bank.curriculum
    prompt: |                       # Markdown + LaTeX
      Find \\(\\partial y / \\partial x\\) for \\(y = Wx\\).
    variables: {W: mxn, x: n}       # NAME: SHAPE[:DOMAIN]; sizes may be symbols (mxn, m x n)
    sizes: {m: [2, 4], n: [3, 5]}   # optional: a symbol's range (inclusive) or a number
    function: W x
    wrt: x                          # or "x, y" / [x, y] (stacked, DESIGN §4)
    layout: numerator               # numerator | denominator | any
    answer_form: expression         # expression | index | numeric | compact
    reference: W                    # one line, in the language
    indices: [i, j, k]              # index form: the answer's index names
    values: {x: [1.5, -0.5, 2]}     # optional pinned values (numeric form)
    compact:                        # compact form only: how the full tensor follows
      name: G                       #   from the learner's compact matrix G
      shape: mxn
      expand: delta(i,j) * G[i,k]   #   index form over the full tensor's indices
    hints: [...]
    tests:
      - {answer: W, verdict: correct}
      - {answer: W^T, verdict: incorrect, diagnosis: transposed}

Errors name the file and the field: ``exercises/u03-core-wx.yaml: tests[1].verdict:
must be one of correct, incorrect, invalid, undecided``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from app.bank.curriculum import BY_SLUG
from app.grading.problem import LAYOUTS
from app.mathlang import MathError, parse
from app.mathlang.declarations import Declaration, parse_declaration, parse_shape

ANSWER_FORMS = ("expression", "index", "numeric", "compact")
VERDICTS = ("correct", "incorrect", "invalid", "undecided")
DIAGNOSES = ("wrong_shape", "transposed", "sign", "scaled", "entries")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_REQUIRED = (
    "id",
    "title",
    "lesson",
    "prompt",
    "variables",
    "function",
    "wrt",
    "layout",
    "answer_form",
    "reference",
    "tests",
)
_OPTIONAL = ("hints", "sizes", "indices", "values", "compact")
MAX_SIZE = 12


class BankError(ValueError):
    """An exercise that cannot be loaded; the message names the source and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}" if field else f"{source}: {message}")
        self.source = source
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ExerciseTest:
    answer: str
    verdict: str
    diagnosis: str | None = None


@dataclass(frozen=True)
class Compact:
    """How the full derivative follows from a compact answer (Learned-Miller §3)."""

    name: str
    shape: str
    expand: str


@dataclass(frozen=True)
class ExerciseData:
    """The validated fields of an exercise file."""

    id: str
    title: str
    lesson: str
    prompt: str
    variables: dict[str, str]
    function: str
    wrt: list[str]
    layout: str
    answer_form: str
    reference: str
    tests: list[ExerciseTest]
    hints: list[str] = field(default_factory=list)
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    indices: list[str] | None = None
    values: dict[str, Any] | None = None
    compact: Compact | None = None
    source_path: str = "<memory>"

    def declarations(self) -> dict[str, Declaration]:
        return {name: parse_declaration(name, spec) for name, spec in self.variables.items()}


def validate(data: object, source: str) -> ExerciseData:
    """Check every field of a loaded YAML document; raise :class:`BankError` on the first
    problem found, naming the field."""

    def fail(where: str, message: str) -> BankError:
        return BankError(source, where, message)

    if not isinstance(data, dict):
        raise fail("", "an exercise file must be a mapping of keys to values")
    for key in _REQUIRED:
        if key not in data or data[key] is None:
            raise fail(key, "is required")
    for key in data:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise fail(str(key), "unknown key")
    text = {
        k: data[k]
        for k in (
            "id",
            "title",
            "lesson",
            "prompt",
            "function",
            "layout",
            "answer_form",
            "reference",
        )
    }
    for key, value in text.items():
        if not isinstance(value, str) or not value.strip():
            raise fail(key, "must be non-empty text")
    if not _ID.match(data["id"]):
        raise fail("id", "use lower-case letters, digits and '-' (e.g. u03-core-wx)")
    if data["lesson"] not in BY_SLUG:
        raise fail("lesson", f"must be one of {', '.join(BY_SLUG)}")
    if data["layout"] not in LAYOUTS:
        raise fail("layout", f"must be one of {', '.join(LAYOUTS)}")
    if data["answer_form"] not in ANSWER_FORMS:
        raise fail("answer_form", f"must be one of {', '.join(ANSWER_FORMS)}")
    if "\n" in data["reference"].strip():
        raise fail("reference", "must be one line")
    variables = data["variables"]
    if not isinstance(variables, dict) or not variables:
        raise fail("variables", "must map names to shapes, e.g. {W: mxn, x: n}")
    symbols: set[str] = set()
    for name, spec in variables.items():
        try:
            decl = parse_declaration(str(name), str(spec))
        except MathError as exc:
            raise fail(f"variables.{name}", exc.message) from exc
        symbols |= {d for d in (decl.rows, decl.cols) if isinstance(d, str)}
    sizes = _sizes(data.get("sizes"), symbols, fail)
    wrt = _names(data["wrt"], "wrt", fail)
    for name in wrt:
        if name not in variables:
            raise fail("wrt", f"{name!r} is not one of the variables")
    indices = None if data.get("indices") is None else _names(data["indices"], "indices", fail)
    if data["answer_form"] in ("index", "compact") and not indices:
        raise fail("indices", f"is required for answer_form {data['answer_form']}")
    compact = _compact(data.get("compact"), data["answer_form"], fail)
    for key in ("function", "reference"):
        try:
            parse(data[key])
        except MathError as exc:
            raise fail(key, f"does not parse: {exc.message}") from exc
    values = data.get("values")
    if values is not None and not isinstance(values, dict):
        raise fail("values", "must map variable names to numbers or nested lists")
    hints = data.get("hints") or []
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        raise fail("hints", "must be a list of text")
    return ExerciseData(
        id=data["id"],
        title=data["title"].strip(),
        lesson=data["lesson"],
        prompt=data["prompt"],
        variables={str(k): str(v) for k, v in variables.items()},
        function=data["function"].strip(),
        wrt=wrt,
        layout=data["layout"],
        answer_form=data["answer_form"],
        reference=data["reference"].strip(),
        tests=_tests(data["tests"], fail),
        hints=hints,
        sizes=sizes,
        indices=indices,
        values=values,
        compact=compact,
        source_path=source,
    )


def _sizes(raw: object, symbols: set[str], fail: Any) -> dict[str, tuple[int, int]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise fail("sizes", "must map size symbols to [low, high] or a number")
    out: dict[str, tuple[int, int]] = {}
    for name, spec in raw.items():
        where = f"sizes.{name}"
        if isinstance(spec, int) and not isinstance(spec, bool):
            low = high = spec
        elif (
            isinstance(spec, list)
            and len(spec) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in spec)
        ):
            low, high = spec
        else:
            raise fail(where, "must be a number or [low, high]")
        if not 1 <= low <= high <= MAX_SIZE:
            raise fail(where, f"must satisfy 1 <= low <= high <= {MAX_SIZE}")
        out[str(name)] = (low, high)
    for symbol in sorted(symbols):
        if symbol not in out:
            raise fail("sizes", f"the size symbol {symbol!r} has no range")
    return out


def _names(raw: object, where: str, fail: Any) -> list[str]:
    if isinstance(raw, str):
        names = [part.strip() for part in raw.split(",") if part.strip()]
    elif isinstance(raw, list) and all(isinstance(v, str) for v in raw):
        names = [v.strip() for v in raw]
    else:
        raise fail(where, "must be a name, a comma-separated list or a list of names")
    if not names:
        raise fail(where, "must name at least one")
    return names


def _compact(raw: object, form: str, fail: Any) -> Compact | None:
    if form != "compact":
        if raw is not None:
            raise fail("compact", "only for answer_form compact")
        return None
    if not isinstance(raw, dict):
        raise fail("compact", "is required for answer_form compact: {name, shape, expand}")
    for key in ("name", "shape", "expand"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"compact.{key}", "must be non-empty text")
    try:
        parse_shape(raw["shape"])
    except MathError as exc:
        raise fail("compact.shape", exc.message) from exc
    try:
        parse(raw["expand"])
    except MathError as exc:
        raise fail("compact.expand", f"does not parse: {exc.message}") from exc
    return Compact(raw["name"].strip(), raw["shape"].strip(), raw["expand"].strip())


def _tests(raw: object, fail: Any) -> list[ExerciseTest]:
    if not isinstance(raw, list) or not raw:
        raise fail("tests", "must be a non-empty list of {answer, verdict, diagnosis}")
    out: list[ExerciseTest] = []
    for i, item in enumerate(raw):
        where = f"tests[{i}]"
        if not isinstance(item, dict):
            raise fail(where, "must be a mapping {answer, verdict, diagnosis}")
        for key in item:
            if key not in ("answer", "verdict", "diagnosis"):
                raise fail(f"{where}.{key}", "unknown key")
        answer = item.get("answer")
        if isinstance(answer, int | float) and not isinstance(answer, bool):
            answer = str(answer)
        if not isinstance(answer, str):
            raise fail(f"{where}.answer", "must be text")
        verdict = item.get("verdict")
        if verdict not in VERDICTS:
            raise fail(f"{where}.verdict", f"must be one of {', '.join(VERDICTS)}")
        diagnosis = item.get("diagnosis")
        if diagnosis is not None and diagnosis not in DIAGNOSES:
            raise fail(f"{where}.diagnosis", f"must be one of {', '.join(DIAGNOSES)}")
        if diagnosis is not None and verdict != "incorrect":
            raise fail(f"{where}.diagnosis", "only an incorrect answer has a diagnosis")
        out.append(ExerciseTest(answer, verdict, diagnosis))
    if not any(t.verdict == "incorrect" for t in out):
        raise fail("tests", "needs at least one wrong answer (verdict: incorrect)")
    return out
