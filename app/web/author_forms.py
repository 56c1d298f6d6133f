"""The editor's two views of one exercise: a form for the common fields and YAML for the rest.

The exercise *is* its YAML (DESIGN §7); the form only spares the instructor from typing the
keys every exercise has. :func:`compose` builds the whole document from the form (the
fields win over the same keys in the YAML box), :func:`split` does the reverse for editing,
and :func:`dump` writes the YAML that export hands out (multi-line text as ``|`` blocks,
keys in the order of the file format, so the file reads like the shipped ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from app.bank.yaml_text import YamlRefused, load_yaml
from app.web.errors import BadInput

FIELDS = ("id", "title", "lesson", "layout", "answer_form", "function", "wrt", "reference")
TEXT_FIELDS = ("prompt",)
FORM_KEYS = FIELDS + TEXT_FIELDS
KEY_ORDER = (
    "id",
    "title",
    "lesson",
    "prompt",
    "variables",
    "sizes",
    "function",
    "wrt",
    "layout",
    "skills",
    "answer_form",
    "reference",
    "indices",
    "values",
    "compact",
    "hints",
    "tests",
)
MAX_REST_CHARS = 100_000

STARTER = {
    "title": "",
    "lesson": "y-equals-wx",
    "layout": "numerator",
    "answer_form": "expression",
    "function": "W x",
    "wrt": "x",
    "reference": "W",
    "prompt": "Let $y = Wx$ with $W$ an $m \\times n$ matrix. Give $\\partial y / \\partial x$ "
    "in numerator layout.\n",
    "rest": "variables:\n  W: m x n\n  x: n\nsizes:\n  m: [2, 4]\n  n: [3, 5]\nhints:\n"
    "  - Write one entry $y_i = \\sum_k W_{ik} x_k$.\ntests:\n"
    "  - {answer: W, verdict: correct}\n"
    "  - {answer: W^T, verdict: incorrect, diagnosis: transposed}\n"
    "  - {answer: -W, verdict: incorrect, diagnosis: sign}\n",
}


class ComposeError(ValueError):
    """The YAML box does not hold a mapping of keys."""


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=numbers)


def _mapping(dumper: yaml.SafeDumper, value: dict[Any, Any]) -> yaml.MappingNode:
    flat = all(not isinstance(v, dict | list) and "\n" not in str(v) for v in value.values())
    short = sum(len(str(k)) + len(str(v)) + 4 for k, v in value.items()) < 80
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=flat and short)


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(dict, _mapping)


def dump(data: Mapping[str, Any]) -> str:
    ordered = {key: data[key] for key in KEY_ORDER if key in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return yaml.dump(
        ordered,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=None,
    )


def compose(form: Mapping[str, Any]) -> str:
    """The exercise YAML from the editor's fields and its YAML box."""
    rest_text = str(form.get("rest") or "")
    if len(rest_text) > MAX_REST_CHARS:
        raise ComposeError(f"the YAML box is longer than {MAX_REST_CHARS} characters")
    try:
        rest = load_yaml(rest_text) if rest_text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ComposeError(
            f"the YAML box is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(rest, dict):
        raise ComposeError("the YAML box must hold keys and values, e.g. 'variables: {x: n}'")
    data: dict[str, Any] = {str(k): v for k, v in rest.items() if str(k) not in FORM_KEYS}
    for key in FORM_KEYS:
        value = str(form.get(key) or "").replace("\r\n", "\n")
        value = value if key in TEXT_FIELDS else value.strip()
        if value.strip():
            data[key] = value
        elif key in rest:
            data[key] = rest[key]
    return dump(data)


def split(yaml_text: str) -> dict[str, str]:
    """Form values (the fields and ``rest``) for an exercise's YAML."""
    data = load_yaml(yaml_text)
    if not isinstance(data, dict):
        return {"rest": yaml_text}
    values: dict[str, str] = {}
    for key in FORM_KEYS:
        value = data.pop(key, None)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        values[key] = "" if value is None else str(value)
    values["rest"] = dump(data) if data else ""
    return values


def refuse_hostile_yaml(text: str, *, field: str) -> None:
    """422 with a short message for YAML no exercise is written in (aliases, deep nesting,
    huge integers); a plain typo is left for the check report. Parsing is cheap: the body
    is at most ``JTUTOR_MAX_BODY_BYTES`` and the loader stops at the first refusal."""
    try:
        load_yaml(text)
    except YamlRefused as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise BadInput(f"refused{where}: {exc}", field=field) from None
    except yaml.YAMLError:
        pass
