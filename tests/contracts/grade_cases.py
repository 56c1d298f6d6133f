"""Held-out grading problems (DESIGN §4, §5, §11; issue 3 acceptance), one batch line each.

Expected verdicts and diagnoses are worked out by hand. The ReLU MSE loss is
L = mean((relu(X w + b) - y).^2) over N = 5 data points, so in numerator layout
dL/dw = (2/5) ((relu(X w + b) - y) .* step(X w + b))^T X  (1x4), and in denominator
layout its transpose (Parr & Howard §6).
"""

from __future__ import annotations

from tests.contracts.grade_contract import (
    Problem,
    assert_expected,
    assert_grade_result,
)
from tests.contracts.grade_identities import IDENTITIES, SLIPS

WX = {"W": "3x4", "x": "4"}
NEURON = {"w": "4", "x": "4", "b": "scalar"}
LOSS = {"X": "5x4", "w": "4", "b": "scalar", "y": "5"}
RESIDUAL = "((relu(X w + b) - y) .* step(X w + b))"

__all__ = ["HOSTILE_ANSWERS", "PROBLEMS", "Problem", "assert_expected", "assert_grade_result"]


PROBLEMS: list[Problem] = [
    # y = Wx with W 3x4 (issue 3)
    Problem("wx-W", WX, "W x", "x", "W", "correct", matched_layout="numerator"),
    Problem(
        "wx-WT",
        WX,
        "W x",
        "x",
        "W^T",
        "incorrect",
        "transposed",
        matched_layout="denominator",
    ),
    Problem(
        "wx-WT-den",
        WX,
        "W x",
        "x",
        "W^T",
        "correct",
        layout="denominator",
        matched_layout="denominator",
    ),
    Problem("wx-W-den", WX, "W x", "x", "W", "incorrect", "transposed", layout="denominator"),
    Problem("wx-W-any", WX, "W x", "x", "W", "correct", layout="any", matched_layout="numerator"),
    Problem(
        "wx-WT-any",
        WX,
        "W x",
        "x",
        "W'",
        "correct",
        layout="any",
        matched_layout="denominator",
    ),
    Problem("wx-neg", WX, "W x", "x", "-W", "incorrect", "sign"),
    Problem("wx-2W", WX, "W x", "x", "2 W", "incorrect", "scaled", factor=2.0),
    Problem("wx-xT", WX, "W x", "x", "x^T", "incorrect", "wrong_shape"),
    Problem("wx-WW", WX, "W x", "x", "W W", "invalid", error_kind="shape"),
    Problem("wx-syntax", WX, "W x", "x", "W )", "invalid", error_kind="syntax", error_position=2),
    Problem("wx-unknown", WX, "W x", "x", "V", "invalid", error_kind="unknown_name"),
    # dy/dW in index form, D[i,j,k] = dy_i / dW_{j,k}
    Problem("dydw-delta", WX, "W x", "W", "delta(i,j) * x[k]", "correct", indices=["i", "j", "k"]),
    Problem("dydw-bracket", WX, "W x", "W", "[i==j] x[k]", "correct", indices=["i", "j", "k"]),
    Problem(
        "dydw-nodelta",
        WX,
        "W x",
        "W",
        "x[k]",
        "incorrect",
        "entries",
        indices=["i", "j", "k"],
    ),
    # the ReLU neuron (Parr & Howard §5)
    Problem("neuron-w", NEURON, "relu(w^T x + b)", "w", "step(w^T x + b) x^T", "correct"),
    Problem("neuron-w-nomask", NEURON, "relu(w^T x + b)", "w", "x^T", "incorrect"),
    Problem(
        "neuron-w-den",
        NEURON,
        "relu(w^T x + b)",
        "w",
        "step(w^T x + b) x",
        "correct",
        layout="denominator",
    ),
    Problem("neuron-b", NEURON, "relu(w^T x + b)", "b", "step(w^T x + b)", "correct"),
    Problem("neuron-b-nomask", NEURON, "relu(w^T x + b)", "b", "1", "incorrect"),
    Problem("neuron-max", NEURON, "max(0, w^T x + b)", "w", "step(w^T x + b) x^T", "correct"),
    # the MSE loss of the ReLU neuron (Parr & Howard §6)
    Problem(
        "loss-w",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        f"(2/5) {RESIDUAL}^T X",
        "correct",
    ),
    Problem(
        "loss-w-den",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        f"(2/5) X^T {RESIDUAL}",
        "correct",
        layout="denominator",
    ),
    Problem(
        "loss-no2",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        f"(1/5) {RESIDUAL}^T X",
        "incorrect",
        "scaled",
        factor=0.5,
    ),
    Problem(
        "loss-noN",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        f"2 {RESIDUAL}^T X",
        "incorrect",
        "scaled",
        factor=5.0,
    ),
    Problem(
        "loss-sign",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        "(2/5) ((y - relu(X w + b)) .* step(X w + b))^T X",
        "incorrect",
        "sign",
    ),
    Problem(
        "loss-nomask",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "w",
        "(2/5) (relu(X w + b) - y)^T X",
        "incorrect",
        "entries",
    ),
    Problem(
        "loss-b",
        LOSS,
        "mean((y - relu(X w + b)).^2)",
        "b",
        f"(2/5) sum({RESIDUAL})",
        "correct",
    ),
    # textbook identities (6.390 A.6-A.8, Parr & Howard §4)
    Problem("quad-num", {"A": "4x4", "x": "4"}, "x^T A x", "x", "x^T (A + A^T)", "correct"),
    Problem(
        "quad-den",
        {"A": "4x4", "x": "4"},
        "x^T A x",
        "x",
        "(A + A^T) x",
        "correct",
        layout="denominator",
    ),
    Problem("quad-sym", {"A": "4x4", "x": "4"}, "x^T A x", "x", "2 x^T A", "incorrect"),
    Problem("xw-num", {"x": "1x4", "W": "4x3"}, "x W", "x", "W^T", "correct"),
    Problem("xw-den", {"x": "1x4", "W": "4x3"}, "x W", "x", "W", "correct", layout="denominator"),
    Problem("vwx", {"V": "2x3", "W": "3x4", "x": "4"}, "V W x", "x", "V W", "correct"),
    Problem(
        "vwx-T",
        {"V": "2x3", "W": "3x4", "x": "4"},
        "V W x",
        "x",
        "W^T V^T",
        "incorrect",
        "transposed",
    ),
    Problem("tanh", WX, "tanh(W x)", "x", "diag(1 - tanh(W x).^2) W", "correct"),
    Problem("tanh-nodiag", WX, "tanh(W x)", "x", "W", "incorrect"),
    Problem("hadamard", {"w": "4", "x": "4"}, "sum(w .* x)", "w", "x^T", "correct"),
    Problem(
        "trace",
        {"A": "3x4", "X": "4x3"},
        "trace(A X)",
        "X",
        "A^T",
        "correct",
        layout="denominator",
    ),
    # Parr & Howard's f(x, y) = [3x^2 y, 2x + y^8] at a pinned point, wrt the stacked (x, y)
    Problem(
        "pinned",
        {"x": "scalar", "y": "scalar"},
        "[3 x^2 y, 2x + y^8]",
        "x,y",
        "[[12, 12], [2, 8]]",
        "correct",
        values={"x": 2, "y": 1},
    ),
    Problem(
        "pinned-T",
        {"x": "scalar", "y": "scalar"},
        "[3 x^2 y, 2x + y^8]",
        "x,y",
        "[[12, 2], [12, 8]]",
        "incorrect",
        values={"x": 2, "y": 1},
    ),
]

# Numerically hard but correct (issue 3): never rejected. Pinned values make them exact.
NEAR_KINK = {"w": [1, 0, 0, 0], "x": [0.5, 1, 2, 3]}
PROBLEMS += [
    Problem(
        "kink+1e-9",
        NEURON,
        "relu(w^T x + b)",
        "w",
        "step(w^T x + b) x^T",
        "correct|undecided",
        values={**NEAR_KINK, "b": -0.5 + 1e-9},
    ),
    Problem(
        "kink+1e-12",
        NEURON,
        "relu(w^T x + b)",
        "w",
        "step(w^T x + b) x^T",
        "correct|undecided",
        values={**NEAR_KINK, "b": -0.5 + 1e-12},
    ),
    Problem(
        "kink-1e-7",
        NEURON,
        "relu(w^T x + b)",
        "w",
        "step(w^T x + b) x^T",
        "correct|undecided",
        values={**NEAR_KINK, "b": -0.5 - 1e-7},
    ),
    Problem(
        "ill-scaled",
        {"a": "scalar", "x": "4"},
        "a x.^2",
        "x",
        "2 a diag(x)",
        "correct",
        values={"a": 1e8, "x": [1e-8, -2e-8, 3e-8, 4e-8]},
    ),
    Problem(
        "ill-scaled-half",
        {"a": "scalar", "x": "4"},
        "a x.^2",
        "x",
        "a diag(x)",
        "incorrect",
        "scaled",
        values={"a": 1e8, "x": [1e-8, -2e-8, 3e-8, 4e-8]},
        factor=0.5,
    ),
    Problem("tiny-zero", WX, "1e-12 W x", "x", "zeros(3, 4)", "incorrect"),
    Problem("tiny-right", WX, "1e-12 W x", "x", "1e-12 W", "correct"),
    Problem(
        "log-near-0",
        {"x": "4:positive"},
        "sum(log(x))",
        "x",
        "(1 ./ x)^T",
        "correct|undecided",
        values={"x": [1e-9, 2e-9, 1, 3]},
    ),
    Problem(
        "inv-cond-1e6",
        {"A": "2x2:invertible"},
        "sum(inv(A))",
        "A",
        "-inv(A)^T ones(2) ones(2)^T inv(A)^T",
        "correct|undecided",
        layout="denominator",
        values={"A": [[1, 2], [0, 1e-6]]},
    ),
    # several wrt variables, stacked; layouts of vector-by-scalar and scalar-by-matrix (DESIGN §4)
    Problem(
        "stacked",
        {"x": "scalar", "y": "scalar"},
        "[3 x^2 y, 2x + y^8]",
        "x,y",
        "[[6 x y, 3 x^2], [2, 8 y^7]]",
        "correct",
    ),
    Problem("vec-by-scalar", {"x": "3", "s": "scalar"}, "s x", "s", "x", "correct"),
    Problem(
        "vec-by-scalar-den",
        {"x": "3", "s": "scalar"},
        "s x",
        "s",
        "x^T",
        "correct",
        layout="denominator",
    ),
    Problem(
        "scalar-by-matrix-den",
        {"a": "3", "X": "3x4", "b": "4"},
        "a^T X b",
        "X",
        "a b^T",
        "correct",
        layout="denominator",
    ),
    Problem(
        "scalar-by-matrix-num",
        {"a": "3", "X": "3x4", "b": "4"},
        "a^T X b",
        "X",
        "b a^T",
        "correct",
    ),
    Problem(
        "scalar-by-matrix-T",
        {"a": "3", "X": "3x4", "b": "4"},
        "a^T X b",
        "X",
        "a b^T",
        "incorrect",
        "transposed",
    ),
]

# I, ones and 0 sized by the answer's context (DESIGN §3)
IDENTITY = {"W": "3x4", "x": "4", "b": "4"}
PROBLEMS += [
    Problem("identity", IDENTITY, "x", "x", "I", "correct"),
    Problem("identity-scaled", IDENTITY, "3 x", "x", "3 I", "correct"),
    Problem("identity-wrong", IDENTITY, "3 x", "x", "I", "incorrect", "scaled", factor=1 / 3),
    Problem("zero", IDENTITY, "W b", "x", "0", "correct"),
    Problem("ones-row", IDENTITY, "sum(x)", "x", "ones(4)^T", "correct"),
    Problem("ones-den", IDENTITY, "sum(x)", "x", "ones(4)", "correct", layout="denominator"),
]

PROBLEMS += IDENTITIES + SLIPS

HOSTILE_ANSWERS = [
    "__import__('os').system('touch {FILE}')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: 1)()",
    "W.__class__",
    "9^9^9^9^9",
    "kron(kron(kron(W,W),W),W)",
    "ones(100000000)",
    "1e999999 * W",
    "-" * 20000 + "W",
]
