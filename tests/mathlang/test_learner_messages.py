"""Messages that used to mislead a learner, each with the text that triggered it."""

from __future__ import annotations

import pytest

from app.mathlang import MathError, check, parse

SHAPES = {"w": (3, 1), "x": (3, 1), "z": (3, 1), "W": (2, 3)}


def _message(text: str) -> str:
    with pytest.raises(MathError) as caught:
        check(parse(text), SHAPES)
    return caught.value.message


def test_a_prime_on_a_function_names_its_derivative() -> None:
    message = _message("relu'(z)")
    assert "needs parentheses" not in message
    assert "step(z)" in message


def test_a_dot_between_two_columns_suggests_the_dot_product() -> None:
    assert "w^T x or dot(w, x)" in _message("w·x")


def test_one_unknown_letter_is_not_a_misspelt_function() -> None:
    message = _message("2/N")
    assert "ln" not in message
    assert "the names here are W, w, x, z" in message


def test_an_equation_is_answered_with_its_right_hand_side() -> None:
    message = _message("dy/dx = W")
    assert "not an equation" in message
    assert not message.startswith("unexpected character '=': '=' is not an operator; for equal")


def test_the_identity_beside_a_vector_is_explained() -> None:
    message = _message("I .* w")
    assert "?x?" not in message
    assert "identity" in message and "diag(w)" in message


def test_positions_in_messages_count_from_one() -> None:
    assert "the '(' at character 1" in _message("(W x")
