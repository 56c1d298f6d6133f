"""The cost of one evaluation, estimated from shapes, and the limit on it."""

from __future__ import annotations

import pytest

from app.mathlang import MathError, check, parse
from app.mathlang.cost import evaluation_cost
from app.mathlang.limits import MAX_COST

TOWER = "sum(kron(kron(A,A),kron(A,A)))"


def cost(text: str, shapes: dict[str, tuple[int, int]]) -> int:
    return evaluation_cost(check(parse(text), shapes))


def test_a_matrix_product_costs_its_multiply_adds() -> None:
    small = cost("W x", {"W": (3, 4), "x": (4, 1)})
    large = cost("W x", {"W": (300, 400), "x": (400, 1)})
    assert small == 47
    assert large > 300 * 400


def test_every_occurrence_of_a_repeated_term_counts() -> None:
    shapes = {"A": (5, 5)}
    assert cost(f"{TOWER} + {TOWER}", shapes) > 2 * cost(TOWER, shapes)


def test_inverse_and_index_form_cost_more_than_their_result() -> None:
    assert cost("inv(A)", {"A": (50, 50)}) >= 50**3
    typed = check(
        parse("W[i,k] * x[j]"), {"W": (3, 4), "x": (5, 1)}, indices={"i": 3, "j": 5, "k": 4}
    )
    assert evaluation_cost(typed) >= 3 * 4 * 5


def test_a_tower_of_kronecker_products_is_refused_before_it_is_computed() -> None:
    """Each term is within the per-node limit of 10^6 entries; together they are not."""
    chunk = "(" + "+".join([TOWER] * 12) + ")"
    text = "x * (" + "+".join([chunk] * 4) + ")"
    assert len(text) <= 2_000
    with pytest.raises(MathError) as caught:
        check(parse(text), {"A": (5, 5), "x": (5, 1)})
    assert caught.value.kind == "limit"
    assert f"{MAX_COST:,}" in caught.value.message


def test_an_ordinary_answer_is_far_below_the_limit() -> None:
    shapes = {"W": (4, 5), "x": (5, 1), "b": (4, 1)}
    assert cost("diag(1 - tanh(W x + b) .^ 2) W", shapes) < MAX_COST // 1000


def test_in_index_form_a_node_costs_once_per_combination_of_its_own_indices() -> None:
    """W in (W e_k)[i] is read once; W e_k is computed once per k; the entry per (i, k)."""
    shapes = {"W": (12, 12)}
    unit = "[" + ", ".join(f"delta(k, {p})" for p in range(1, 13)) + "]"
    typed = check(parse(f"(W {unit})[i]"), shapes, indices={"i": 12, "k": 12})
    per_k = 12 * 12 * 1 + 12 * 12 + 12  # W e_k: the product's multiply-adds, reads, result
    assert 12 * per_k <= evaluation_cost(typed) < 12 * 12 * per_k
    big = check(
        parse("sum(A) + x[i]"), {"A": (600, 600), "x": (30, 1)}, indices={"i": 30}
    )  # sum(A) does not vary with i: computed once, within the limit
    assert evaluation_cost(big) <= MAX_COST
