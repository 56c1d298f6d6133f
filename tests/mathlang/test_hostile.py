"""Hostile input (issue 2's list) is answered with a MathError, or with an inert tree that
the later passes bound, and nothing in it is ever run as code.

``pytest-timeout`` guards against a hang; the time each input takes is measured in the
report of the parser (hundreds of microseconds), not asserted here.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.mathlang.ast import Binary, Call, count_nodes
from app.mathlang.errors import MathError
from app.mathlang.limits import MAX_DEPTH, MAX_NODES, MAX_TEXT_LENGTH
from app.mathlang.parser import parse

REJECTED = {
    "import": ("__import__('os').system('id')", "syntax"),
    "subclasses": ("().__class__.__base__.__subclasses__()", "syntax"),
    "lambda": ("(lambda: 1)()", "syntax"),
    "dunder attribute": ("W.__class__", "syntax"),
    "eval": ("eval('1')", "syntax"),
    "exec string": ('exec("import os")', "syntax"),
    "globals": ("globals()['x']", "syntax"),
    "f-string": ("f'{x}'", "syntax"),
    "semicolon": ("x; import os", "syntax"),
    "nul byte": ("x\x00+ y", "syntax"),
    "nul bytes only": ("\x00" * 50, "syntax"),
    "escape sequence": ("\x1b[2Jx", "syntax"),
    "3,000-deep parentheses": ("(" * 3_000 + "x" + ")" * 3_000, "limit"),
    "1,000-deep parentheses": ("(" * 1_000 + "x" + ")" * 1_000, "limit"),
    "41-deep parentheses": ("(" * 41 + "x" + ")" * 41, "limit"),
    "20,000 unary minus": ("-" * 20_000 + "x", "limit"),
    "1,999 unary minus": ("-" * 1_999 + "x", "limit"),
    "5,000-term sum": ("+".join(["x"] * 5_000), "limit"),
    "900-term sum": ("+".join(["x"] * 900), "limit"),
    "41-term sum": ("+".join(["x"] * 41), "limit"),
    "long product": (" ".join(["x"] * 999), "limit"),
    "deep calls in a sum": ("sin(" * 30 + "x" + ")" * 30 + " + x" * 15, "limit"),
    "too many nodes": ("[" + ", ".join(["x y"] * 200) + "]", "limit"),
    "deep brackets": ("[" * 50 + "1" + "]" * 50, "limit"),
    "huge literal": ("1e999999 * x", "limit"),
    "huge integer": ("9" * 400, "limit"),
    "too long": ("x " * 1_500, "limit"),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", REJECTED)
def test_rejected(name: str) -> None:
    text, kind = REJECTED[name]
    with pytest.raises(MathError) as caught:
        parse(text)
    assert caught.value.kind == kind
    assert caught.value.position is not None
    assert 0 <= caught.value.position <= len(text)


def test_limit_errors_point_at_the_problem() -> None:
    with pytest.raises(MathError) as caught:
        parse("x " * 1_500)
    assert caught.value.position == MAX_TEXT_LENGTH
    with pytest.raises(MathError) as caught:
        parse("(" * 900 + "x" + ")" * 900)
    assert caught.value.position == MAX_DEPTH  # the first bracket past the limit
    with pytest.raises(MathError) as caught:
        parse("y + 1e999999 * x")
    assert caught.value.position == 4


def test_within_the_limits_is_accepted() -> None:
    at_depth = "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert parse(at_depth).end == len(at_depth)
    terms = parse("+".join(["x"] * MAX_DEPTH))
    assert count_nodes(terms) == 2 * MAX_DEPTH - 1
    wide = parse("[" + ", ".join(["x"] * (MAX_NODES - 1)) + "]")
    assert count_nodes(wide) == MAX_NODES
    assert len("-" * 1_999 + "1") == MAX_TEXT_LENGTH
    assert parse("-" * 1_999 + "1") == parse("-1")  # signs fold into the literal


@pytest.mark.parametrize(
    "text",
    ["9^9^9^9^9", "ones(100000000)", "kron(kron(kron(W,W),W),W)", "1e308 * 1e308", "A^99999"],
)
def test_inert_trees_left_to_the_checker(text: str) -> None:
    """These are well formed; the shape checker and the evaluator bound them."""
    tree = parse(text)
    assert isinstance(tree, Binary | Call)


@pytest.fixture
def no_code_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser ran code")

    parse("x")  # the grammar is loaded (and cached) before the trap is set
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    yield


def test_nothing_is_executed(tmp_path: Path, no_code_runs: None) -> None:
    target = tmp_path / "pwned"
    attempts = [
        f"__import__('os').system('touch {target}')",
        f"os.system('touch {target}')",
        f"open('{target}', 'w')",
        f"exec(\"open('{target}','w')\")",
        f"eval(\"open('{target}','w')\")",
        f"sum(open('{target}', 'w'))",
    ]
    for text in attempts:
        with pytest.raises(MathError) as caught:
            parse(text)
        assert caught.value.kind == "syntax"
    assert not target.exists()
