"""Declarations on the Explore page: shapes read, inferred where the function implies them,
refused past the cap, and errors that point into the function."""

from __future__ import annotations

import pytest

from app import mathlang
from app.explore.declare import DeclarationError, read_declarations, resolve


def test_read_declarations_keeps_a_left_out_shape_as_none() -> None:
    assert read_declarations(["W=3x4", " x ", "", "b=scalar"]) == {
        "W": "3x4",
        "x": None,
        "b": "scalar",
    }


@pytest.mark.parametrize("item", ["3x=4", "W=3y4", "W=0x4", "x y"])
def test_unreadable_declarations_are_refused(item: str) -> None:
    with pytest.raises(DeclarationError):
        read_declarations([item])


def test_the_inner_size_of_a_product_gives_the_vector_its_length() -> None:
    found = resolve("W x", {"W": "3x4", "x": None}, ["x"])
    assert found.specs == {"W": "3x4", "x": "4"}
    assert found.inferred == {"x": "x is a column vector of 4 entries, as the function implies"}


def test_a_sum_gives_the_bias_its_shape_and_the_wrt_variable_is_declared_by_wrt() -> None:
    found = resolve("tanh(W x + b)", {"W": "3x4", "b": None}, ["x"])
    assert found.specs == {"W": "3x4", "b": "3", "x": "4"}
    assert set(found.inferred) == {"b", "x"}


def test_declared_shapes_are_not_reported_as_inferred() -> None:
    found = resolve("x^T A x", {"A": "4x4", "x": "4"}, ["x"])
    assert found.inferred == {}
    assert found.specs == {"A": "4x4", "x": "4"}


def test_a_shape_the_function_leaves_open_asks_for_a_declaration_at_its_place() -> None:
    with pytest.raises(mathlang.MathError) as caught:
        resolve("W x", {"W": None, "x": "4"}, ["x"])
    assert "the shape of W is not implied" in caught.value.message
    assert caught.value.position == 0


def test_an_unknown_name_suggests_the_declared_ones_even_those_to_infer() -> None:
    with pytest.raises(mathlang.MathError) as caught:
        resolve("W xx", {"W": "3x4", "x": None}, ["x"])
    assert caught.value.kind == "unknown_name"
    assert "did you mean" in caught.value.message
    assert caught.value.position == 2


def test_a_shape_error_names_the_variable_not_its_stand_in() -> None:
    with pytest.raises(mathlang.MathError) as caught:
        resolve("W x + x", {"W": "3x4", "x": None}, ["x"])
    assert "ones" not in caught.value.message
    assert "x" in caught.value.message


@pytest.mark.parametrize(
    ("declared", "cap"),
    [({"W": "13x4", "x": None}, 12), ({"W": "3x4", "x": None}, 3)],
)
def test_sizes_past_the_cap_are_refused_declared_or_inferred(
    declared: dict[str, str | None], cap: int
) -> None:
    with pytest.raises(DeclarationError) as caught:
        resolve("W x", declared, ["x"], max_dim=cap)
    assert caught.value.kind == "limit"
    assert f"up to {cap} entries per axis" in caught.value.message


def test_under_the_cap_the_same_problem_resolves() -> None:
    assert resolve("W x", {"W": "3x4", "x": None}, ["x"], max_dim=4).specs["x"] == "4"
