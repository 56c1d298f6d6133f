"""Declarations as the CLI, the API and exercise files write them: NAME=SHAPE[:DOMAIN]."""

import pytest

from app.mathlang import MathError, parse_assignment, parse_declaration
from app.mathlang.declarations import parse_shape


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("scalar", (1, 1)),
        ("4", (4, 1)),
        ("n", ("n", 1)),
        ("1x4", (1, 4)),
        ("1xn", (1, "n")),
        ("3x4", (3, 4)),
        ("3 × 4", (3, 4)),
        ("mxn", ("m", "n")),
        ("m x n", ("m", "n")),
        ("batchxn", ("batch", "n")),
        ("max", ("max", 1)),
    ],
)
def test_shapes_read_as_written(text: str, shape: tuple[object, object]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["", "0", "3x", "3x4x5", "-3", "3.5"])
def test_bad_shapes_are_syntax_errors(text: str) -> None:
    with pytest.raises(MathError) as caught:
        parse_shape(text)
    assert caught.value.kind == "syntax"


def test_symbolic_sizes_resolve_from_the_variant() -> None:
    declaration = parse_declaration("W", "mxn:invertible")
    assert declaration.domain == "invertible"
    assert declaration.shape({"m": 3, "n": 4}) == (3, 4)
    with pytest.raises(MathError):
        declaration.shape({"m": 3})


def test_assignment_and_domains() -> None:
    assert parse_assignment("A=3x3:spd").spelled() == "3x3:spd"
    assert parse_assignment("x=4").spelled() == "4"
    with pytest.raises(MathError, match="unknown domain"):
        parse_assignment("A=3x3:hermitian")
    with pytest.raises(MathError, match="NAME=SHAPE"):
        parse_assignment("A3x3")


def test_sizes_are_bounded() -> None:
    with pytest.raises(MathError) as caught:
        parse_shape("100000x100000")
    assert caught.value.kind == "limit"
