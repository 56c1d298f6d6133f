"""The exercise file format (DESIGN §7, §11): a pydantic model, and the checks across fields.

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
    skills: [layout, shapes]        # optional: the skills it exercises, main one first
                                    #   (ids of app.practice.skills)
    answer_form: expression         # expression | index | numeric | compact
    reference: W                    # one line, in the language
    indices: [i, j, k]              # index form: the answer's index names
    values: {x: [1.5, -0.5, 2]}     # optional pinned values (numeric form)
    compact:                        # compact form only: how the full tensor follows
      name: G                       #   from the learner's compact matrix G
      shape: mxn
      expand: delta(i,j) * G[i,k]   #   index form over the full tensor's indices
    hints: [...]
    mistakes:                       # optional: expected wrong answers, matched first
      - {answer: -W, feedback: "...", misconception: ...}   # misconception optional
    tests:
      - {answer: W, verdict: correct}
      - {answer: W^T, verdict: incorrect, diagnosis: transposed}
      # a test may add misconception: ID (an id of the catalogue)

:class:`ExerciseData` declares every key (unknown keys are refused) and its type; its JSON
Schema (``jtutor schema``) lets an editor check a file as it is typed. What a schema cannot
say (the function parses, ``wrt`` names a variable, every size symbol has a range) is
checked by :func:`validate` after the model. Either way an error names the file and the
field: ``exercises/u03-core-wx.yaml: tests[1].verdict: must be one of correct, incorrect,
invalid, undecided``. A new key is a new field of the model (with its own type), and a new
rule across fields a few lines in :func:`_check`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictInt,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from app.bank.curriculum import BY_SLUG
from app.calculus.buggy.candidates import CATALOGUE
from app.grading.result import DIAGNOSES, VERDICTS, Diagnosis, Verdict
from app.mathlang import MathError, parse
from app.mathlang.declarations import Declaration, parse_declaration, parse_shape
from app.practice.skills import SKILL_IDS

Layout = Literal["numerator", "denominator", "any"]
AnswerForm = Literal["expression", "index", "numeric", "compact"]
ANSWER_FORMS: tuple[AnswerForm, ...] = get_args(AnswerForm)
LAYOUTS: tuple[Layout, ...] = get_args(Layout)
MAX_SIZE = 12
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"

__all__ = ["ANSWER_FORMS", "DIAGNOSES", "LAYOUTS", "VERDICTS", "BankError", "ExerciseData"]


class BankError(ValueError):
    """An exercise that cannot be loaded; the message names the source and the field."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}" if field else f"{source}: {message}")
        self.source = source
        self.field = field
        self.message = message


def _text(value: object) -> object:
    """Numbers written bare in YAML (``answer: 0``, ``x: 3``) are text in the file format."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _names(value: object) -> object:
    """``x``, ``"x, y"`` or ``[x, y]`` as a list of names."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value]
    return value


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


_NAME_LIST_SCHEMA = {
    "anyOf": [
        {"type": "string", "description": "a name or comma-separated names"},
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
    ]
}
Text = Annotated[str, BeforeValidator(_stripped), Field(min_length=1)]
"""One non-empty piece of text, surrounding white space dropped."""
Answer = Annotated[
    str,
    BeforeValidator(_text),
    WithJsonSchema({"type": ["string", "number"], "description": "an answer in the language"}),
]
Names = Annotated[
    list[str], BeforeValidator(_names), Field(min_length=1), WithJsonSchema(_NAME_LIST_SCHEMA)
]
Size = Annotated[StrictInt, Field(ge=1, le=MAX_SIZE)]
SizeRange = Size | tuple[Size, Size]
Shape = Annotated[
    str,
    BeforeValidator(_text),
    WithJsonSchema({"type": ["string", "number"], "description": "SHAPE[:DOMAIN], e.g. m x n"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MisconceptionId = Annotated[
    str,
    Field(
        description="an id of the misconception catalogue (app.calculus.buggy.candidates)",
        json_schema_extra={"enum": list(CATALOGUE)},
    ),
]


class ExerciseTest(_Strict):
    """An answer and the verdict (and, for a wrong answer, the diagnosis) it must get."""

    answer: Answer
    verdict: Verdict
    diagnosis: Diagnosis | None = None
    misconception: MisconceptionId | None = None


class Mistake(_Strict):
    """A wrong answer the author expects, with the feedback it gets (matched numerically,
    before the misconception catalogue) and, optionally, the catalogue id it embodies."""

    answer: Answer
    feedback: Text
    misconception: MisconceptionId | None = None

    def as_problem(self) -> dict[str, str]:
        out = {"answer": self.answer, "feedback": self.feedback}
        if self.misconception is not None:
            out["misconception"] = self.misconception
        return out


class Compact(_Strict):
    """How the full derivative follows from a compact answer (Learned-Miller §3)."""

    name: Text
    shape: Text
    expand: Text


SkillId = Annotated[
    str,
    Field(
        description="a skill of app.practice.skills", json_schema_extra={"enum": list(SKILL_IDS)}
    ),
]


class ExerciseData(_Strict):
    """The fields of an exercise file (see the module docstring for an example)."""

    id: Annotated[str, Field(pattern=ID_PATTERN, description="unique in the bank")]
    title: Text
    lesson: Annotated[
        str, Field(description="a lesson slug", json_schema_extra={"enum": list(BY_SLUG)})
    ]
    prompt: Annotated[str, Field(description="Markdown with LaTeX")]
    variables: Annotated[dict[str, Shape], Field(min_length=1)]
    function: Text
    wrt: Names
    layout: Layout
    answer_form: AnswerForm
    reference: Annotated[Text, Field(description="one line, in the language")]
    tests: Annotated[list[ExerciseTest], Field(min_length=1)]
    hints: list[str] = Field(default_factory=list)
    sizes: dict[str, SizeRange] = Field(default_factory=dict)
    indices: Names | None = None
    values: dict[str, Any] | None = None
    compact: Compact | None = None
    skills: Annotated[list[SkillId], Field(min_length=1)] | None = None
    mistakes: list[Mistake] = Field(default_factory=list)

    _source_path: str = PrivateAttr(default="<memory>")

    @field_validator("hints", mode="before")
    @classmethod
    def _no_hints(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def source_path(self) -> str:
        return self._source_path

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Each size symbol's inclusive range (a single number is a range of one)."""
        return {
            name: (spec, spec) if isinstance(spec, int) else (spec[0], spec[1])
            for name, spec in self.sizes.items()
        }

    def declarations(self) -> dict[str, Declaration]:
        return {name: parse_declaration(name, spec) for name, spec in self.variables.items()}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an exercise file (``jtutor schema``)."""
    schema = ExerciseData.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jacobian-tutor exercise"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


_TYPE_NAMES = {"int", "str", "float", "bool", "none", "list", "tuple", "dict"}


def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as the file's field: ``tests[1].verdict``, ``variables.x``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TYPE_NAMES or any(c in part for c in "-[,"):
            continue  # the branch of a union that was tried, not a key of the file
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of {allowed}"
    if kind in ("string_type", "string_too_short"):
        return "must be non-empty text"
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and '-' (e.g. u03-core-wx)"
    if kind in ("greater_than_equal", "less_than_equal", "int_type", "tuple_type"):
        return f"must be a number or [low, high] with 1 <= low <= high <= {MAX_SIZE}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "model_type" or kind == "dict_type":
        return "must be a mapping of keys to values"
    if kind == "list_type" and error["loc"][-1:] in (("wrt",), ("indices",)):
        return "must be a name, a comma-separated list or a list of names"
    if kind == "list_type":
        return "must be a list"
    return str(error.get("msg", "is not valid"))


def validate(data: object, source: str) -> ExerciseData:
    """The exercise of a loaded YAML document; :class:`BankError` on the first problem,
    naming the field."""
    if not isinstance(data, dict):
        raise BankError(source, "", "an exercise file must be a mapping of keys to values")
    try:
        exercise = ExerciseData.model_validate({str(k): v for k, v in data.items()})
    except ValidationError as exc:
        errors = exc.errors()
        # A union reports each branch; the first branch's error is the one to read.
        error = errors[0]
        where = _where(tuple(error["loc"])) or ""
        raise BankError(source, where, _message(error)) from None
    _check(exercise, source)
    exercise._source_path = source
    return exercise


def _check(data: ExerciseData, source: str) -> None:
    """What the schema cannot say: the rules across fields, and that the text parses."""

    def fail(where: str, message: str) -> BankError:
        return BankError(source, where, message)

    if data.lesson not in BY_SLUG:
        raise fail("lesson", f"must be one of {', '.join(BY_SLUG)}")
    if not data.prompt.strip():
        raise fail("prompt", "must be non-empty text")
    if "\n" in data.reference:
        raise fail("reference", "must be one line")
    symbols: set[str] = set()
    for name, spec in data.variables.items():
        try:
            decl = parse_declaration(name, spec)
        except MathError as exc:
            raise fail(f"variables.{name}", exc.message) from exc
        symbols |= {d for d in (decl.rows, decl.cols) if isinstance(d, str)}
    for name, (low, high) in data.ranges().items():
        if low > high:
            raise fail(f"sizes.{name}", f"must satisfy 1 <= low <= high <= {MAX_SIZE}")
    for symbol in sorted(symbols - set(data.sizes)):
        raise fail("sizes", f"the size symbol {symbol!r} has no range")
    for name in data.wrt:
        if name not in data.variables:
            raise fail("wrt", f"{name!r} is not one of the variables")
    if data.answer_form in ("index", "compact") and not data.indices:
        raise fail("indices", f"is required for answer_form {data.answer_form}")
    _check_compact(data, fail)
    _check_skills(data, fail)
    for key in ("function", "reference"):
        try:
            parse(getattr(data, key))
        except MathError as exc:
            raise fail(key, f"does not parse: {exc.message}") from exc
    for i, test in enumerate(data.tests):
        if test.diagnosis is not None and test.verdict != "incorrect":
            raise fail(f"tests[{i}].diagnosis", "only an incorrect answer has a diagnosis")
        if test.misconception is not None and test.verdict != "incorrect":
            raise fail(f"tests[{i}].misconception", "only an incorrect answer has a misconception")
    for where, item in [(f"tests[{i}]", t) for i, t in enumerate(data.tests)] + [
        (f"mistakes[{i}]", m) for i, m in enumerate(data.mistakes)
    ]:
        if item.misconception is not None and item.misconception not in CATALOGUE:
            raise fail(
                f"{where}.misconception",
                f"unknown misconception {item.misconception!r}; one of {', '.join(CATALOGUE)}",
            )
    if not any(t.verdict == "incorrect" for t in data.tests):
        raise fail("tests", "needs at least one wrong answer (verdict: incorrect)")


def _check_skills(data: ExerciseData, fail: Any) -> None:
    """Skills come from the catalogue, each once (the first is the exercise's main one)."""
    skills = data.skills or []
    for i, skill in enumerate(skills):
        if skill not in SKILL_IDS:
            raise fail(f"skills[{i}]", f"unknown skill {skill!r}; one of {', '.join(SKILL_IDS)}")
    if len(set(skills)) != len(skills):
        raise fail("skills", "lists a skill twice")


def _check_compact(data: ExerciseData, fail: Any) -> None:
    if data.answer_form != "compact":
        if data.compact is not None:
            raise fail("compact", "only for answer_form compact")
        return
    if data.compact is None:
        raise fail("compact", "is required for answer_form compact: {name, shape, expand}")
    try:
        parse_shape(data.compact.shape)
    except MathError as exc:
        raise fail("compact.shape", exc.message) from exc
    try:
        parse(data.compact.expand)
    except MathError as exc:
        raise fail("compact.expand", f"does not parse: {exc.message}") from exc
