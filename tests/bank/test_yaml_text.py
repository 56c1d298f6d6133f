"""Exercise YAML refuses anchors and aliases: a tiny file must not expand into gigabytes."""

import pytest

from app.bank import load_exercise_text
from app.bank.schema import BankError
from app.bank.yaml_text import AliasRefused, load_yaml


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
