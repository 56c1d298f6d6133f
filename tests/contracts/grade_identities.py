"""Textbook identities in both layouts and their usual slips, as batch problems.

Expected answers worked out by hand from the seeds' tables (MIT 6.390 notes, Appendix A.6-A.8;
Parr & Howard §4): e.g. d(a^T x)/dx is a^T in numerator layout and a in denominator layout;
d tr(C X)/dX is C^T in the shape of X (denominator) and C in numerator layout.
"""

from __future__ import annotations

from tests.contracts.grade_contract import Problem

# Textbook identities in both layouts (6.390 A.6-A.8; Parr & Howard §4), and their usual slips.
T = {
    "x": "4", "a": "4", "A": "4x4", "B": "3x4", "c": "3", "s": "scalar", "X": "3x4",
    "C": "4x3", "S": "4x4:spd", "D": "4x4:invertible", "xp": "4:positive",
}  # fmt: skip
LSQ = "(B x - c)^T (B x - c)"


def _both(name: str, function: str, wrt: str, numerator: str, denominator: str) -> list[Problem]:
    return [
        Problem(f"{name}-num", T, function, wrt, numerator, "correct"),
        Problem(f"{name}-den", T, function, wrt, denominator, "correct", layout="denominator"),
    ]


IDENTITIES = [
    *_both("aTx", "a^T x", "x", "a^T", "a"),
    *_both("xTa", "x^T a", "x", "a^T", "a"),
    *_both("xTx", "x^T x", "x", "2 x^T", "2 x"),
    *_both("lsq", LSQ, "x", "2 (B x - c)^T B", "2 B^T (B x - c)"),
    *_both("Ax", "A x", "x", "A", "A^T"),
    *_both("ATx", "A^T x", "x", "A^T", "A"),
    *_both("sx-s", "s x", "s", "x", "x^T"),
    *_both("trXTX", "trace(X^T X)", "X", "2 X^T", "2 X"),
    *_both("trCX", "trace(C X)", "X", "C", "C^T"),
    *_both("sumX", "sum(X)", "X", "ones(4, 3)", "ones(3, 4)"),
    *_both("det", "det(D)", "D", "det(D) inv(D)", "det(D) inv(D)^T"),
    *_both("xAx-A", "x^T A x", "A", "x x^T", "x x^T"),
    Problem("sumexp", T, "sum(exp(x))", "x", "exp(x)^T", "correct"),
    Problem("sumlog", T, "sum(log(xp))", "xp", "(1 ./ xp)^T", "correct"),
    Problem(
        "sigmoid-aTx",
        T,
        "sigmoid(a^T x)",
        "x",
        "sigmoid(a^T x) (1 - sigmoid(a^T x)) a^T",
        "correct",
    ),
    Problem("tanh-aTx", T, "tanh(a^T x)", "x", "(1 - tanh(a^T x)^2) a^T", "correct"),
    Problem("hadamard-x", T, "x .* a", "x", "diag(a)", "correct"),
    Problem("exp-x", T, "exp(x)", "x", "diag(exp(x))", "correct"),
    Problem("affine-c", T, "B x + c", "c", "eye(3)", "correct"),
    Problem("scaled-x", T, "s x", "x", "s I", "correct"),
    Problem(
        "softmax", T, "softmax(x)", "x", "diag(softmax(x)) - softmax(x) softmax(x)^T", "correct"
    ),
    Problem("relu-x", T, "relu(x)", "x", "diag(step(x))", "correct"),
    Problem("exp-s", T, "exp(s) a", "s", "exp(s) a", "correct"),
    Problem("logdet", T, "logdet(S)", "S", "inv(S)^T", "correct", layout="denominator"),
    Problem("norm", T, "norm(x)", "x", "x^T / norm(x)", "correct"),
    Problem("mean", T, "mean(x)", "x", "ones(4)^T / 4", "correct"),
    Problem("dot", T, "dot(a, x)", "x", "a^T", "correct"),
]
SLIPS = [
    Problem("slip-aTx", T, "a^T x", "x", "a", "incorrect", "transposed"),
    Problem("slip-xTx", T, "x^T x", "x", "x^T", "incorrect", "scaled", factor=0.5),
    Problem("slip-lsq-T", T, LSQ, "x", "2 B^T (B x - c)", "incorrect", "transposed"),
    Problem("slip-lsq-2", T, LSQ, "x", "(B x - c)^T B", "incorrect", "scaled", factor=0.5),
    Problem("slip-lsq-sign", T, LSQ, "x", "-2 (B x - c)^T B", "incorrect", "sign"),
    Problem("slip-exp", T, "exp(x)", "x", "exp(x)", "incorrect", "wrong_shape"),
    Problem("slip-hadamard", T, "x .* a", "x", "diag(x)", "incorrect", "entries"),
    Problem("slip-softmax", T, "softmax(x)", "x", "diag(softmax(x))", "incorrect", "entries"),
    Problem("slip-relu", T, "relu(x)", "x", "I", "incorrect", "entries"),
    Problem(
        "slip-trXTX-2",
        T,
        "trace(X^T X)",
        "X",
        "X",
        "incorrect",
        "scaled",
        layout="denominator",
        factor=0.5,
    ),
    Problem("slip-trXTX-T", T, "trace(X^T X)", "X", "2 X", "incorrect", "transposed"),
    Problem(
        "slip-det",
        T,
        "det(D)",
        "D",
        "det(D) inv(D)",
        "incorrect",
        "transposed",
        layout="denominator",
    ),
    Problem("slip-sumX", T, "sum(X)", "X", "ones(3, 4)", "incorrect", "transposed"),
    Problem("slip-trCX", T, "trace(C X)", "X", "C^T", "incorrect", "transposed"),
    Problem("slip-sigmoid", T, "sigmoid(a^T x)", "x", "sigmoid(a^T x) a^T", "incorrect"),
    Problem("slip-norm", T, "norm(x)", "x", "x^T", "incorrect"),
    Problem("slip-mean", T, "mean(x)", "x", "ones(4)^T", "incorrect", "scaled", factor=4.0),
    Problem("slip-sx-s", T, "s x", "s", "x", "incorrect", "transposed", layout="denominator"),
    Problem("slip-exp-s", T, "exp(s) a", "s", "a", "incorrect"),
    Problem("slip-xAx-A", T, "x^T A x", "A", "2 x x^T", "incorrect", "scaled", factor=2.0),
]
