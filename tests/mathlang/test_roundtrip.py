"""Properties: every tree prints to text that parses back to it, and no text at all makes
the parser fail with anything but the language's own MathError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mathlang.ast import Node, walk
from app.mathlang.errors import MathError
from app.mathlang.parser import parse
from app.mathlang.printer import to_text
from tests.mathlang.strategies import trees
from tests.randomness import scaled

SETTINGS = settings(
    max_examples=scaled(300), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PIECES = [
    *"xyzAWbIT0123456789.eE+-*/@^'()[],= ⊙⊘·×−ᵀ\t\n_{}|\\\"α",
    "sin", "ones", "delta", "==", ".*", "./", ".^", ".T", "^T", "^-1", "1e999", "\x00",
]  # fmt: skip


def read_or_refuse(text: str) -> Node | None:
    """Parse, accepting only a tree or a MathError that points inside the text."""
    try:
        tree = parse(text)
    except MathError as error:
        assert error.kind in ("syntax", "limit")
        assert error.position is None or 0 <= error.position <= len(text)
        assert error.message
        return None
    assert all(0 <= node.pos <= node.end <= len(text) for node in walk(tree))
    return tree


@SETTINGS
@given(trees())
def test_printed_trees_parse_back_equal(tree: Node) -> None:
    text = to_text(tree)
    assert parse(text) == tree
    assert to_text(parse(text)) == text


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_strings_of_language_pieces(text: str) -> None:
    tree = read_or_refuse(text)
    if tree is not None:
        assert parse(to_text(tree)) == tree


@SETTINGS
@given(st.text(max_size=40))
def test_arbitrary_text(text: str) -> None:
    read_or_refuse(text)


@SETTINGS
@given(trees(), st.data())
def test_mutations_of_valid_expressions(tree: Node, data: st.DataObject) -> None:
    text = to_text(tree)
    start = data.draw(st.integers(0, len(text)), label="start")
    stop = data.draw(st.integers(start, min(len(text), start + 3)), label="stop")
    inserted = data.draw(st.lists(st.sampled_from(PIECES), max_size=2).map("".join))
    mutated = text[:start] + inserted + text[stop:]
    parsed = read_or_refuse(mutated)
    if parsed is not None:
        assert parse(to_text(parsed)) == parsed
