"""The held-out expression table for ``jtutor parse --json`` (DESIGN §3, §11; issue 2).

Each expected shape is worked out by hand from DESIGN §3: products by shape, the four
transpose spellings, element-wise operators, literals, functions, and ``I``/``ones``/``0``
sized from their context. Scalars are ``[1, 1]`` and column vectors ``[n, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BASE = {
    "W": "3x4",
    "B": "3x4",
    "x": "4",
    "b": "4",
    "c": "3",
    "A": "4x4",
    "V": "2x3",
    "X": "5x4",
    "r": "1x4",
    "z": "scalar",
}


@dataclass(frozen=True)
class Good:
    text: str
    shape: list[int]
    variables: dict[str, str] = field(default_factory=lambda: dict(BASE))
    indices: str | None = None


SCALARS = {"x": "scalar", "y": "scalar"}

GOOD: list[Good] = [
    # products by shape
    Good("W x", [3, 1]),
    Good("W * x", [3, 1]),
    Good("W @ x", [3, 1]),
    Good("V W x", [2, 1]),
    Good("x^T x", [1, 1]),
    Good("x x^T", [4, 4]),
    Good("x r", [4, 4]),
    Good("r W^T", [1, 3]),
    Good("x^T A x", [1, 1]),
    Good("2 A^T (A x - b)", [4, 1]),
    Good("2x", [4, 1]),
    Good("z W", [3, 4]),
    Good("1e-3 x", [4, 1]),
    Good("2.5e+2", [1, 1]),
    Good("x - -x", [4, 1]),
    # the four transpose spellings
    Good("W^T", [4, 3]),
    Good("W'", [4, 3]),
    Good("W.T", [4, 3]),
    Good("transpose(W)", [4, 3]),
    Good("x^T W^T", [1, 3]),
    Good("x' W'", [1, 3]),
    Good("x.T W.T", [1, 3]),
    Good("transpose(x) transpose(W)", [1, 3]),
    # element-wise operators, powers, inverses
    Good("W .* B", [3, 4]),
    Good("W ./ B", [3, 4]),
    Good("W ⊙ B", [3, 4]),
    Good("W ⊘ B", [3, 4]),
    Good("W .^ 2", [3, 4]),
    Good("W / 2", [3, 4]),
    Good("W / B", [3, 4]),
    Good("z^2", [1, 1]),
    Good("A^2", [4, 4]),
    Good("A^-1", [4, 4]),
    Good("inv(A)", [4, 4]),
    # literals
    Good("[1, 2, 3]", [3, 1]),
    Good("[[1, 2], [3, 4], [5, 6]]", [3, 2]),
    Good("[[6 x y, 3 x^2], [2, 8 y^7]]", [2, 2], dict(SCALARS)),
    Good("[3 x^2 y, 2x + y^8]", [2, 1], dict(SCALARS)),
    Good("log(sin(x^3)^2)", [1, 1], dict(SCALARS)),
    # functions
    Good("exp(x)", [4, 1]),
    Good("ln(z)", [1, 1]),
    Good("sqrt(abs(x))", [4, 1]),
    Good("cos(z) + sin(z) + tan(z)", [1, 1]),
    Good("sigmoid(W x)", [3, 1]),
    Good("tanh(W x) .* (W x)", [3, 1]),
    Good("relu(W x)", [3, 1]),
    Good("step(x)", [4, 1]),
    Good("max(x, b)", [4, 1]),
    Good("sum(x)", [1, 1]),
    Good("mean(W)", [1, 1]),
    Good("dot(x, b)", [1, 1]),
    Good("outer(x, c)", [4, 3]),
    Good("kron(eye(2), W)", [6, 8]),
    Good("diag(x)", [4, 4]),
    Good("diag(x) - x x^T", [4, 4]),
    Good("trace(W^T W)", [1, 1]),
    Good("tr(A)", [1, 1]),
    Good("det(A) inv(A)^T", [4, 4]),
    Good("logdet(A)", [1, 1]),
    Good("norm(x)", [1, 1]),
    Good("softmax(x)", [4, 1]),
    Good("relu(X x + z)", [5, 1]),
    Good("mean((c - relu(W x + z)).^2)", [1, 1]),
    # constructors and context-sized I, ones, 0
    Good("ones(3, 4)", [3, 4]),
    Good("zeros(2, 5)", [2, 5]),
    Good("eye(3)", [3, 3]),
    Good("ones(4)^T x", [1, 1]),
    Good("z I + A", [4, 4]),
    Good("I W", [3, 4]),
    Good("W I", [3, 4]),
    Good("W + ones", [3, 4]),
    Good("x + ones", [4, 1]),
    Good("ones^T x", [1, 1]),
    Good("x + 0", [4, 1]),
    Good("max(W x, 0)", [3, 1]),
    # index form: D[i,j,k] = dy_i/dW_{j,k}
    Good("delta(i,j) * x[k]", [3, 3, 4], indices="i=3,j=3,k=4"),
    Good("[i==j] * x[k]", [3, 3, 4], indices="i=3,j=3,k=4"),
    Good("W[i,k]", [3, 4], indices="i=3,k=4"),
]


@dataclass(frozen=True)
class Bad:
    """An input that must be refused with ``kind``.

    ``positions``: the acceptable 0-based positions. Syntax errors must have one (usually a
    single caret; two where the offending character is honestly debatable, e.g. an unclosed
    bracket may be blamed on the bracket or on the end of the text). For the other kinds,
    ``None`` means any position or null.
    """

    text: str
    kind: str
    positions: tuple[int | None, ...] | None = None
    variables: dict[str, str] = field(default_factory=lambda: dict(BASE))
    message_has: tuple[str, ...] = ()


DEEP = 45  # more than the depth limit of 40
BAD: list[Bad] = [
    # syntax, with the offending character
    Bad("W x )", "syntax", (4,)),
    Bad("x +", "syntax", (3,)),
    Bad("W ** x", "syntax", (2, 3)),  # the "**" token, or its second "*"
    Bad("x + * W", "syntax", (4,)),
    Bad("2 x $", "syntax", (4,)),
    Bad("W x;", "syntax", (3,)),
    Bad("W = x", "syntax", (2,)),
    Bad("x @@ W", "syntax", (3,)),
    Bad("[1, , 2]", "syntax", (4,)),
    Bad("exp()", "syntax", (4,)),
    Bad("(W x", "syntax", (0, 4)),
    Bad("[1, 2", "syntax", (0, 5)),
    Bad("", "syntax", (0,)),
    # unknown names, with a suggestion when close
    Bad("W y", "unknown_name", (None, 2)),  # the name, when a position is given
    Bad("f(x)", "unknown_name"),
    Bad("exq(x)", "unknown_name", message_has=("exp",)),
    Bad("sigmoud(x)", "unknown_name", message_has=("sigmoid",)),
    # shapes: which operation and which shapes
    Bad(
        "W x",
        "shape",
        variables={"W": "3x4", "x": "3"},
        message_has=("W x", "3x4", "3x1", "4", "3"),
    ),
    Bad("x^2", "shape", message_has=(".^",)),
    Bad("W^2", "shape"),
    Bad("W + x", "shape"),
    Bad("W .* x", "shape"),
    Bad("inv(W)", "shape"),
    Bad("x x", "shape"),
    Bad("dot(x, c)", "shape"),
    Bad("W x^T", "shape"),
    # limits: too long, too deep, too large
    Bad("+".join(["x"] * 1001), "limit"),  # 2,001 characters
    Bad("exp(" * DEEP + "z" + ")" * DEEP, "limit"),  # depth 46
    Bad("+".join(["z"] * 300), "limit"),  # 599 nodes
    Bad("ones(100000000)", "limit"),
    Bad("kron(kron(kron(W,W),W),W)", "limit", variables={"W": "10x10"}),
]

KINDS = {"syntax", "unknown_name", "shape", "limit"}

# Hostile inputs of issue 2 that must come back as an error of the language and run nothing.
# ``{FILE}`` is replaced by a path that must not exist afterwards.
HOSTILE_ERRORS: list[str] = [
    "__import__('os').system('touch {FILE}')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: 1)()",
    "W.__class__",
    "open('{FILE}', 'w').write('x')",
    "exec(\"open('{FILE}', 'w')\")",
    "-" * 20000 + "x",
    "(" * 3000 + "x" + ")" * 3000,
    "+".join(["x"] * 5000),
]

# Hostile inputs that may be answered either by an error or by an inert value.
HOSTILE_ERROR_OR_INERT: list[str] = [
    "9^9^9^9^9",
    "1e999999 * x",
    "x .^ 1e308",
]
