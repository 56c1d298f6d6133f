"""Exercise YAML refuses anchors and aliases: a tiny file must not expand into gigabytes."""

import pytest

from app.bank import load_exercise_text
from app.bank.schema import BankError
from app.bank.yaml_text import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    AliasRefused,
    NumberTooLong,
    TooDeep,
    load_yaml,
)


def test_plain_yaml_loads() -> None:
    assert load_yaml("a: [1, 2]\nb: {c: text}\n") == {"a": [1, 2], "b": {"c": "text"}}


def test_an_alias_is_refused_before_anything_expands() -> None:
    bomb = 'a: &a ["lol", "lol"]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n'
    with pytest.raises(AliasRefused) as caught:
        load_yaml(bomb)
    assert caught.value.problem_mark.line == 1


def test_the_loader_names_the_file_and_line() -> None:
    with pytest.raises(BankError) as caught:
        load_exercise_text('id: &x "a"\ntitle: *x\n', source="bomb.yaml")
    text = str(caught.value)
    assert "bomb.yaml" in text and "line 2" in text and "aliases" in text


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("[" * 6_000, TooDeep),
        ("a:\n" + "".join(" " * i + "- \n" for i in range(1, 40)), TooDeep),
        ("sizes: {n: " + "9" * 4_300 + "}\n", NumberTooLong),
        ("a: " + "1" * 5_000, NumberTooLong),
    ],
    ids=["6k-brackets", "deep-blocks", "4300-digits", "5000-digits"],
)
def test_deep_nesting_and_huge_integers_are_refused_with_a_short_message(
    text: str, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal) as caught:
        load_yaml(text)
    assert len(str(caught.value)) < 100
    assert caught.value.problem_mark is not None  # type: ignore[attr-defined]


def test_ordinary_nesting_and_numbers_still_load() -> None:
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_yaml(nested) is not None
    assert load_yaml("n: " + "9" * MAX_INT_DIGITS) == {"n": int("9" * MAX_INT_DIGITS)}
    assert load_yaml("x: -12\ny: 0x1f\nz: 1.5e+3\n") == {"x": -12, "y": 31, "z": 1500.0}
