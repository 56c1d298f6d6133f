"""Results tidied by SymPy as a person writes them, and kept only when the numbers agree."""

from __future__ import annotations

import numpy as np
import pytest

from app import mathlang
from app.calculus.derivation import derive, simplify
from app.mathlang.ast import Node

CASES = [
    ("x (2 (W x + b - y)^T)", "2 x (W x + b - y)^T"),
    ("-(0.2 (2 (y - relu(X w + b)) .* step(X w + b))^T X)", None),
    ("-((ones(5, 1) / 10 .* (2 (y - X w)))^T X)", "-(y - X w)^T X / 5"),
    ("1 / sum(exp(w)) exp(w)^T", "exp(w)^T / sum(exp(w))"),
    ("2 norm(X w) (w^T X^T / norm(X w) X)", "2 w^T X^T X"),
    ("[[c (6 d), 3 d^2], [2, 8 c^7]]", "[[6 c d, 3 d^2], [2, 8 c^7]]"),
]
FUNCTION = "mean((y - relu(X w + b)).^2) + sum(W x + b - y) + norm(X w) + sum(exp(w))"
SHAPES = {
    "X": (5, 3), "w": (3, 1), "b": (5, 1), "y": (5, 1), "W": (5, 4), "x": (4, 1),
    "c": (1, 1), "d": (1, 1),
}  # fmt: skip


def _values(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {n: rng.uniform(0.5, 1.5, s) * rng.choice([-1.0, 1.0], s) for n, s in SHAPES.items()}


def _tidy(text: str) -> str:
    tidied = simplify.tidy(
        mathlang.parse(text), mathlang.parse(FUNCTION), SHAPES, [_values(1), _values(2)]
    )
    return mathlang.to_text(tidied)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_results_read_as_written_by_hand(text: str, expected: str | None) -> None:
    tidied = _tidy(text)
    if expected is None:
        assert tidied == "-2 ((y - relu(X w + b)) .* step(X w + b))^T X / 5"
    else:
        assert tidied == expected


def test_a_tidied_result_that_differs_in_value_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    real = simplify._Converter.back

    def off_by_one(self: simplify._Converter, e: object) -> Node:
        node = real(self, e)  # type: ignore[arg-type]
        return mathlang.parse(f"2 ({mathlang.to_text(node)})")

    monkeypatch.setattr(simplify._Converter, "back", off_by_one)
    assert _tidy("x (2 (W x + b - y)^T)") == "x (2 (W x + b - y)^T)"


def test_derivation_results_are_tidied_and_still_graded() -> None:
    d = derive("mean((Y - X W).^2)", {"Y": "5x2", "X": "5x3", "W": "3x2"}, "W")
    assert d.expression == "-(Y - X W)^T X / 5"
    assert d.verified
    d = derive("[3 x^2 y, 2 x + y^8]", {"x": "scalar", "y": "scalar"}, "x,y")
    assert d.expression == "[[6 x y, 3 x^2], [2, 8 y^7]]"
