"""Fuzzing the language: any text is read into a tree or refused with the language's own error.

The property of issue 2 at volume: random unicode, soups of the language's tokens and
mutations of valid expressions never raise anything but :class:`MathError` (of a known
kind, with a position inside the text) from ``parse``, ``check`` or ``to_latex``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mathlang import MathError, check, parse, to_latex
from tests.reliability.fuzzing import examples, mutated_expressions, token_soup

SHAPES = {
    "x": (4, 1), "y": (4, 1), "z": (1, 1), "A": (4, 4), "W": (3, 4), "b": (3, 1),
    "X1": (2, 4), "w_2": (4, 1), "alpha": (1, 1), "e": (1, 1), "T": (4, 4), "Tx": (1, 4),
}  # fmt: skip
PARSE_KINDS = {"syntax", "limit"}
CHECK_KINDS = {"syntax", "unknown_name", "shape", "limit", "domain"}


def read(text: str) -> None:
    try:
        tree = parse(text)
    except MathError as error:
        assert error.kind in PARSE_KINDS, error.kind
        assert error.position is None or 0 <= error.position <= len(text)
        return
    assert isinstance(to_latex(tree), str)
    try:
        check(tree, SHAPES)
    except MathError as error:
        assert error.kind in CHECK_KINDS, error.kind


def run(name: str, strategy: st.SearchStrategy[str]) -> int:
    seen = 0

    @settings(
        max_examples=examples(name),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(strategy)
    def fuzz(text: str) -> None:
        nonlocal seen
        seen += 1
        read(text)

    fuzz()
    return seen


CASES: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "parser_random_text": lambda: st.text(max_size=120),
    "parser_token_soup": token_soup,
    "parser_mutations": mutated_expressions,
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", CASES)
def test_parser_refuses_only_with_its_own_errors(name: str) -> None:
    seen = run(name, CASES[name]())
    assert seen >= examples(name)
