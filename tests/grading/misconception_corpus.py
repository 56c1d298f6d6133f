"""Problems that are not in the exercise bank, each with right answers, wrong answers that
embody one catalogue misconception, and control answers that embody none.

The shapes and functions differ from the bank's on purpose: the misconceptions must be
named from the buggy rules applied to the function, never from a list of known answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    variables: dict[str, str]
    function: str
    wrt: str
    layout: str
    right: list[str]
    wrong: dict[str, list[str]]
    controls: list[str] = field(default_factory=list)


CORPUS: list[Case] = [
    # assumed_symmetric
    Case(
        {"y": "5", "B": "5x5"},
        "y^T B y",
        "y",
        "numerator",
        ["y^T (B + B^T)"],
        {"assumed_symmetric": ["2 y^T B", "2 y^T B^T"], "product_rule_one_term": ["y^T B"]},
        ["3 y^T B", "y^T B B", "2 y^T", "y^T (B - B^T)"],
    ),
    Case(
        {"X": "4x3", "C": "4x4"},
        "trace(X^T C X)",
        "X",
        "denominator",
        ["(C + C^T) X"],
        {"assumed_symmetric": ["2 C X", "2 C^T X"], "product_rule_one_term": ["C X", "C^T X"]},
        ["C X + X", "2 X", "(C + C^T) X + X"],
    ),
    Case(
        {"z": "3", "P": "4x3", "Q": "4x4"},
        "z^T P^T Q P z",
        "z",
        "numerator",
        ["z^T P^T (Q + Q^T) P"],
        {"assumed_symmetric": ["2 z^T P^T Q P", "2 z^T P^T Q^T P"]},
        ["z^T P^T P", "2 z^T P^T P", "z^T P^T (Q + Q^T) P + z^T"],
    ),
    Case(
        {"x": "4", "A": "4x4", "b": "4"},
        "x^T A x + b^T x",
        "x",
        "denominator",
        ["(A + A^T) x + b"],
        {"assumed_symmetric": ["2 A x + b"], "product_rule_one_term": ["A x + b", "A^T x + b"]},
        ["(A + A^T) x", "2 x + b", "(A + A^T) x - b"],
    ),
    # product_rule_one_term
    Case(
        {"x": "4", "a": "4", "b": "4"},
        "(a^T x) (b^T x)",
        "x",
        "numerator",
        ["(b^T x) a^T + (a^T x) b^T"],
        {"product_rule_one_term": ["(b^T x) a^T", "(a^T x) b^T"]},
        ["a^T + b^T", "(a^T x) a^T", "(b^T x) a^T - (a^T x) b^T"],
    ),
    Case(
        {"x": "3", "M": "3x3"},
        "x .* (M x)",
        "x",
        "numerator",
        ["diag(M x) + diag(x) M"],
        {"product_rule_one_term": ["diag(M x)", "diag(x) M"]},
        ["M", "diag(x) + M", "diag(M x) + M"],
    ),
    Case(
        {"x": "3"},
        "(x^T x) x",
        "x",
        "numerator",
        ["2 x x^T + (x^T x) I"],
        {"product_rule_one_term": ["2 x x^T", "(x^T x) I"]},
        ["x x^T + I", "2 x x^T + I", "x x^T"],
    ),
    # activation_not_derivative
    Case(
        {"W": "3x4", "x": "4"},
        "sigmoid(W x)",
        "x",
        "numerator",
        ["diag(sigmoid(W x) .* (1 - sigmoid(W x))) W"],
        {
            "activation_not_derivative": ["diag(sigmoid(W x)) W"],
            "missing_activation_derivative": ["W"],
        },
        ["diag(1 - sigmoid(W x)) W", "diag(sigmoid(W x) .* (1 + sigmoid(W x))) W"],
    ),
    Case(
        {"X": "5x3", "w": "3"},
        "sum(tanh(X w))",
        "w",
        "numerator",
        ["(1 - tanh(X w).^2)^T X"],
        {
            "activation_not_derivative": ["tanh(X w)^T X"],
            "missing_activation_derivative": ["ones(5)^T X"],
        },
        ["(1 + tanh(X w).^2)^T X", "(tanh(X w).^2)^T X"],
    ),
    Case(
        {"a": "4", "x": "4", "c": "scalar"},
        "relu(a^T x + c)",
        "x",
        "numerator",
        ["step(a^T x + c) a^T"],
        {
            "activation_not_derivative": ["relu(a^T x + c) a^T"],
            "missing_activation_derivative": ["a^T"],
        },
        ["2 a^T", "step(a^T x + c) x^T", "(a^T x + c) a^T"],
    ),
    Case(
        {"x": "4:positive"},
        "sum(log(x))",
        "x",
        "denominator",
        ["1 ./ x"],
        {"activation_not_derivative": ["log(x)"]},
        ["x", "-1 ./ x", "1 ./ (x .* x)"],
    ),
    # missing_activation_derivative
    Case(
        {"B": "3x3", "z": "3", "c": "3"},
        "tanh(B z + c)",
        "z",
        "numerator",
        ["diag(1 - tanh(B z + c).^2) B"],
        {"missing_activation_derivative": ["B"]},
        ["diag(1 - tanh(B z + c)) B", "2 B"],
    ),
    Case(
        {"X": "6x3", "w": "3", "y": "6"},
        "mean((relu(X w) - y).^2)",
        "w",
        "numerator",
        ["(2/6) ((relu(X w) - y) .* step(X w))^T X"],
        {"missing_activation_derivative": ["(2/6) (relu(X w) - y)^T X"]},
        ["(2/6) (X w - y)^T X", "(1/6) (relu(X w) + y)^T X"],
    ),
    Case(
        {"v": "4", "h": "4"},
        "sigmoid(v^T h)",
        "h",
        "denominator",
        ["sigmoid(v^T h) (1 - sigmoid(v^T h)) v"],
        {"missing_activation_derivative": ["v"], "activation_not_derivative": ["sigmoid(v^T h) v"]},
        ["(1 - sigmoid(v^T h)) h", "h"],
    ),
    # missing_inner_derivative
    Case(
        {"C": "4x4", "z": "4", "d": "4"},
        "sum((C z + d).^2)",
        "z",
        "numerator",
        ["2 (C z + d)^T C"],
        {"missing_inner_derivative": ["2 (C z + d)^T"]},
        ["(C z + d)^T", "2 z^T C", "2 (C z + d)^T C^T C"],
    ),
    Case(
        {"M": "3x3", "x": "3"},
        "sum(sin(M x))",
        "x",
        "denominator",
        ["M^T cos(M x)"],
        {"missing_inner_derivative": ["cos(M x)"]},
        ["M^T cos(x)", "-M^T cos(M x)", "2 M^T cos(M x)"],
    ),
    Case(
        {"K": "3x3", "u": "3"},
        "tanh(K u)",
        "u",
        "numerator",
        ["diag(1 - tanh(K u).^2) K"],
        {"missing_inner_derivative": ["diag(1 - tanh(K u).^2)"]},
        ["diag(1 - tanh(u).^2) K", "diag(1 - tanh(K u))", "-diag(1 - tanh(K u).^2) K"],
    ),
    Case(
        {"A": "5x5", "x": "5", "b": "5"},
        "norm(A x - b)",
        "x",
        "numerator",
        ["(A x - b)^T A / norm(A x - b)"],
        {"missing_inner_derivative": ["(A x - b)^T / norm(A x - b)"]},
        ["(A x - b)^T A", "x^T / norm(x)"],
    ),
    # product_order
    Case(
        {"P": "4x4", "Q": "4x4", "r": "4"},
        "P Q r",
        "r",
        "numerator",
        ["P Q"],
        {"product_order": ["Q P"], "transposed_factor": ["P^T Q", "P Q^T"]},
        ["Q", "P + Q", "2 P Q"],
    ),
    Case(
        {"W": "3x3", "x": "3"},
        "relu(W x)",
        "x",
        "numerator",
        ["diag(step(W x)) W"],
        {"product_order": ["W diag(step(W x))"]},
        ["diag(step(x)) W", "diag(W x) W"],
    ),
    Case(
        {"A": "3x3", "B": "3x3", "C": "3x3", "x": "3"},
        "A B C x",
        "x",
        "numerator",
        ["A B C"],
        {"product_order": ["B C A", "A C B"], "transposed_factor": ["A^T B C"]},
        ["A B C + I", "C B A", "A + B + C"],
    ),
    Case(
        {"W": "4x4", "z": "4"},
        "sigmoid(W z)",
        "z",
        "numerator",
        ["diag(sigmoid(W z) .* (1 - sigmoid(W z))) W"],
        {"product_order": ["W diag(sigmoid(W z) .* (1 - sigmoid(W z)))"]},
        ["W diag(sigmoid(W z))", "diag(sigmoid(z) .* (1 - sigmoid(z))) W"],
    ),
    # transposed_factor
    Case(
        {"U": "3x3", "x": "3", "c": "3"},
        "tanh(U x + c)",
        "x",
        "numerator",
        ["diag(1 - tanh(U x + c).^2) U"],
        {"transposed_factor": ["diag(1 - tanh(U x + c).^2) U^T"]},
        ["diag(1 + tanh(U x + c).^2) U", "diag(tanh(U x + c).^2) U"],
    ),
    Case(
        {"S": "5x5", "T": "5x5", "v": "5"},
        "S (T v)",
        "v",
        "numerator",
        ["S T"],
        {"transposed_factor": ["S^T T", "S T^T"]},
        ["S + T", "S T S"],
    ),
    # diagonal_as_vector
    Case(
        {"a": "5", "z": "5"},
        "a .* z",
        "z",
        "numerator",
        ["diag(a)"],
        {"diagonal_as_vector": ["a", "a^T"]},
        ["z", "2 a"],
    ),
    Case(
        {"x": "4"},
        "exp(x)",
        "x",
        "numerator",
        ["diag(exp(x))"],
        {"diagonal_as_vector": ["exp(x)", "exp(x)^T"]},
        ["x", "exp(2 x)"],
    ),
    Case(
        {"z": "3"},
        "sigmoid(z)",
        "z",
        "denominator",
        ["diag(sigmoid(z) .* (1 - sigmoid(z)))"],
        {"diagonal_as_vector": ["sigmoid(z) .* (1 - sigmoid(z))"]},
        ["sigmoid(z)", "1 - sigmoid(z)"],
    ),
    Case(
        {"x": "4"},
        "x.^3",
        "x",
        "denominator",
        ["3 diag(x.^2)"],
        {"diagonal_as_vector": ["3 x.^2"]},
        ["3 x", "x.^2"],
    ),
    # controls only: a sign or a factor that a buggy rule would also give is not named
    Case(
        {"x": "4", "y": "4"},
        "sum((y - x).^2)",
        "x",
        "numerator",
        ["-2 (y - x)^T"],
        {},
        ["2 (y - x)^T", "-(y - x)^T", "-4 (y - x)^T"],
    ),
    Case(
        {"v": "3"},
        "v^T v",
        "v",
        "denominator",
        ["2 v"],
        {},
        ["v", "-2 v", "4 v"],
    ),
    Case(
        {"x": "3"},
        "exp(-x)",
        "x",
        "numerator",
        ["-diag(exp(-x))"],
        {"diagonal_as_vector": ["-exp(-x)"]},
        ["diag(exp(-x))", "-2 diag(exp(-x))"],
    ),
    # the chain stopped where the inside has another size than the variable (wrong shape)
    Case(
        {"P": "5x3", "z": "3", "q": "5"},
        "sum((P z - q).^2)",
        "z",
        "denominator",
        ["2 P^T (P z - q)"],
        {"missing_inner_derivative": ["2 (P z - q)"]},
        ["2 (P z - q)^T", "2 P^T q", "2 z"],
    ),
    Case(
        {"W": "4x2", "x": "2"},
        "sigmoid(W x)",
        "x",
        "numerator",
        ["diag(sigmoid(W x) .* (1 - sigmoid(W x))) W"],
        {"missing_inner_derivative": ["diag(sigmoid(W x) .* (1 - sigmoid(W x)))"]},
        ["diag(sigmoid(W x))", "sigmoid(W x) .* (1 - sigmoid(W x))"],
    ),
]
