"""Writes ``problems.jsonl``: the held-out corpus of graded problems (run it to regenerate).

Each line is ``{"problem": <batch line>, "expect": {"verdict": ..., "diagnosis": ...},
"group": "correct" | "mistake" | "hostile"}``. The identities are textbook ones (Matrix
Cookbook style, Parr & Howard §4–6, MIT 6.390 A.6–A.9, Learned-Miller §1–3), each in both
layouts, with the common mistakes and their expected diagnoses.
"""

from __future__ import annotations

import json
from pathlib import Path

Case = tuple[dict[str, str], str, str, str, str, list[tuple[str, str]]]
# variables, function, wrt, numerator answer, denominator answer, mistakes (numerator layout)
CASES: list[Case] = [
    (
        {"W": "3x4", "x": "4"},
        "W x",
        "x",
        "W",
        "W^T",
        [("-W", "sign"), ("2 W", "scaled"), ("x^T", "wrong_shape"), ("W + 0.1", "entries")],
    ),
    (
        {"x": "1x3", "W": "3x4"},
        "x W",
        "x",
        "W^T",
        "W",
        [("-W^T", "sign"), ("0.5 W^T", "scaled"), ("x", "wrong_shape")],
    ),
    (
        {"a": "4", "x": "4"},
        "a^T x",
        "x",
        "a^T",
        "a",
        [("2 a^T", "scaled"), ("-a^T", "sign"), ("x^T", "entries")],
    ),
    (
        {"A": "4x4", "x": "4"},
        "x^T A x",
        "x",
        "x^T (A + A^T)",
        "(A + A^T) x",
        [("2 x^T A", "entries"), ("-x^T (A + A^T)", "sign"), ("x^T A", "entries")],
    ),
    ({"x": "5"}, "x^T x", "x", "2 x^T", "2 x", [("x^T", "scaled"), ("-2 x^T", "sign")]),
    ({"x": "4"}, "sum(x)", "x", "ones(1, 4)", "ones(4, 1)", [("2 ones(1, 4)", "scaled")]),
    (
        {"w": "4", "x": "4"},
        "w .* x",
        "x",
        "diag(w)",
        "diag(w)",
        [("diag(x)", "entries"), ("w^T", "wrong_shape"), ("-diag(w)", "sign")],
    ),
    (
        {"x": "4"},
        "exp(x)",
        "x",
        "diag(exp(x))",
        "diag(exp(x))",
        [("diag(x)", "entries"), ("exp(x)", "wrong_shape")],
    ),
    (
        {"x": "3"},
        "tanh(x)",
        "x",
        "diag(1 - tanh(x).^2)",
        "diag(1 - tanh(x).^2)",
        [("diag(tanh(x))", "entries"), ("diag(1 + tanh(x).^2)", "entries")],
    ),
    (
        {"x": "3"},
        "sigmoid(x)",
        "x",
        "diag(sigmoid(x) .* (1 - sigmoid(x)))",
        "diag(sigmoid(x) .* (1 - sigmoid(x)))",
        [("diag(sigmoid(x))", "entries")],
    ),
    ({"A": "4x3", "X": "3x4"}, "trace(A X)", "X", "A", "A^T", [("2 A", "scaled"), ("-A", "sign")]),
    ({"X": "3x4"}, "trace(X^T X)", "X", "2 X^T", "2 X", [("X^T", "scaled"), ("-2 X^T", "sign")]),
    (
        {"A": "2x3", "X": "3x4", "B": "4x2"},
        "trace(A X B)",
        "X",
        "B A",
        "A^T B^T",
        [("-B A", "sign"), ("3 B A", "scaled")],
    ),
    (
        {"a": "3", "X": "3x4", "b": "4"},
        "a^T X b",
        "X",
        "b a^T",
        "a b^T",
        [("-b a^T", "sign"), ("2 b a^T", "scaled"), ("a^T", "wrong_shape")],
    ),
    (
        {"X": "3x3:invertible"},
        "det(X)",
        "X",
        "det(X) inv(X)",
        "det(X) inv(X)^T",
        [("inv(X)", "entries"), ("-det(X) inv(X)", "sign")],
    ),
    (
        {"A": "3x3:invertible", "b": "3"},
        "inv(A) b",
        "b",
        "inv(A)",
        "inv(A)^T",
        [("A", "entries"), ("-inv(A)", "sign")],
    ),
    (
        {"V": "2x3", "W": "3x4", "x": "4"},
        "V W x",
        "x",
        "V W",
        "W^T V^T",
        [("-V W", "sign"), ("2 V W", "scaled")],
    ),
    (
        {"W": "3x4", "x": "4", "b": "3"},
        "W x + b",
        "b",
        "eye(3)",
        "eye(3)",
        [("2 eye(3)", "scaled"), ("-eye(3)", "sign")],
    ),
    (
        {"w": "4", "x": "4", "b": "scalar"},
        "relu(w^T x + b)",
        "w",
        "step(w^T x + b) x^T",
        "step(w^T x + b) x",
        [("x^T", "entries"), ("-step(w^T x + b) x^T", "sign")],
    ),
    (
        {"w": "4", "x": "4", "b": "scalar"},
        "relu(w^T x + b)",
        "b",
        "step(w^T x + b)",
        "step(w^T x + b)",
        [("1", "entries")],
    ),
    (
        {"x": "5"},
        "sum(relu(x))",
        "x",
        "step(x)^T",
        "step(x)",
        [("ones(1, 5)", "entries"), ("2 step(x)^T", "scaled")],
    ),
    (
        {"A": "4x3", "x": "3", "b": "4"},
        "(A x - b)^T (A x - b)",
        "x",
        "2 (A x - b)^T A",
        "2 A^T (A x - b)",
        [
            ("(A x - b)^T A", "scaled"),
            ("-2 (A x - b)^T A", "sign"),
            ("2 (A x - b)^T", "wrong_shape"),
        ],
    ),
    (
        {"x": "4:positive"},
        "sum(log(x))",
        "x",
        "(1 ./ x)^T",
        "1 ./ x",
        [("x^T", "entries"), ("-(1 ./ x)^T", "sign")],
    ),
    ({"x": "4", "s": "scalar"}, "s x", "s", "x", "x^T", [("2 x", "scaled"), ("-x", "sign")]),
    ({"A": "2x3", "s": "scalar"}, "s A", "s", "A", "A^T", [("-A", "sign"), ("s A", "entries")]),
    (
        {"x": "scalar", "y": "scalar"},
        "[3 x^2 y, 2 x + y^8]",
        "x,y",
        "[[6 x y, 3 x^2], [2, 8 y^7]]",
        "[[6 x y, 2], [3 x^2, 8 y^7]]",
        [("[[6 x y, 3 x^2], [2, 8 y]]", "entries"), ("[[3 x y, 3 x^2], [2, 8 y^7]]", "entries")],
    ),
    (
        {"X": "5x3", "w": "3", "b": "scalar", "y": "5"},
        "mean((y - relu(X w + b)).^2)",
        "w",
        "-2/5 (step(X w + b) .* (y - relu(X w + b)))^T X",
        "-2/5 X^T (step(X w + b) .* (y - relu(X w + b)))",
        [
            ("-1/5 (step(X w + b) .* (y - relu(X w + b)))^T X", "scaled"),
            ("-2 (step(X w + b) .* (y - relu(X w + b)))^T X", "scaled"),
            ("2/5 (step(X w + b) .* (y - relu(X w + b)))^T X", "sign"),
            ("-2/5 (y - relu(X w + b))^T X", "entries"),
        ],
    ),
    (
        {"W": "3x4", "x": "4", "b": "3"},
        "sum(tanh(W x + b))",
        "W",
        "x (1 - tanh(W x + b).^2)^T",
        "(1 - tanh(W x + b).^2) x^T",
        [("x (1 - tanh(W x + b))^T", "entries"), ("-x (1 - tanh(W x + b).^2)^T", "sign")],
    ),
]

INDEX_CASES = [
    # variables, function, wrt, indices, numerator, denominator, mistakes (numerator)
    (
        {"W": "3x4", "x": "4"},
        "W x",
        "W",
        "i,j,k",
        "delta(i,j) * x[k]",
        "delta(k,i) * x[j]",
        [("x[k]", "entries"), ("2 delta(i,j) * x[k]", "scaled"), ("-delta(i,j) * x[k]", "sign")],
    ),
    (
        {"X": "2x3", "W": "3x4"},
        "X W",
        "W",
        "i,j,k,l",
        "X[i,k] * delta(j,l)",
        "X[k,i] * delta(l,j)",
        [("X[i,k]", "entries"), ("delta(j,l)", "entries")],
    ),
]

HOSTILE = [
    "__import__('os').system('true')",
    "eval('1+1')",
    "exec('x=1')",
    "open('/etc/passwd')",
    "lambda: 0",
    "W.__class__",
    "W; import os",
    "W x" + " + W" * 400,
    "(" * 300 + "W" + ")" * 300,
    "ones(100000, 100000)",
    "W^99999999",
    "x" * 2500,
    "W @@ x",
    "[[1, 2], [3]]",
    "\u202eW",
    "W # comment",
    "`W`",
    "$W$",
    "\\frac{1}{2} W",
    "W\x00",
]


def lines() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(problem: dict[str, object], verdict: str, diagnosis: str | None, group: str) -> None:
        out.append(
            {
                "problem": problem,
                "expect": {"verdict": verdict, "diagnosis": diagnosis},
                "group": group,
            }
        )

    for variables, function, wrt, num, den, mistakes in CASES:
        base = {"variables": variables, "function": function, "wrt": wrt}
        transposable = num != den
        add({**base, "layout": "numerator", "answer": num}, "correct", None, "correct")
        add({**base, "layout": "denominator", "answer": den}, "correct", None, "correct")
        add({**base, "layout": "any", "answer": den}, "correct", None, "correct")
        if transposable:
            add(
                {**base, "layout": "numerator", "answer": den}, "incorrect", "transposed", "mistake"
            )
        for answer, diagnosis in mistakes:
            add(
                {**base, "layout": "numerator", "answer": answer}, "incorrect", diagnosis, "mistake"
            )
    for variables, function, wrt, indices, num, den, mistakes in INDEX_CASES:
        base = {"variables": variables, "function": function, "wrt": wrt, "indices": indices}
        add({**base, "layout": "numerator", "answer": num}, "correct", None, "correct")
        add({**base, "layout": "denominator", "answer": den}, "correct", None, "correct")
        for answer, diagnosis in mistakes:
            add(
                {**base, "layout": "numerator", "answer": answer}, "incorrect", diagnosis, "mistake"
            )
    wx = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
    for answer in HOSTILE:
        add({**wx, "answer": answer}, "invalid", None, "hostile")
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("problems.jsonl")
    target.write_text("".join(json.dumps(line) + "\n" for line in lines()))
    print(f"wrote {len(lines())} problems to {target}")
