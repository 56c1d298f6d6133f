"""The worked examples the lessons show, with size symbols the learner can change.

Each lesson's derivation widget names one of these by key. Sizes are symbols (``m``,
``n``) with defaults, so a learner can watch a derivation, its heat map or its slices
change shape; the functions follow the seeds' running examples (Parr & Howard's
f(x, y), Learned-Miller's Wx, xW and dy/dW, the ReLU neuron and its loss, Wu's layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Example:
    """A derivation a lesson shows: variables with size symbols, and default sizes."""

    function: str
    variables: dict[str, tuple[int | str, int | str]]
    wrt: str
    sizes: dict[str, int] = field(default_factory=dict)
    layout: str = "numerator"
    caption: str = ""


EXAMPLES: dict[str, Example] = {
    "partials": Example(
        "[3 x^2 y, 2 x + y^8]",
        {"x": (1, 1), "y": (1, 1)},
        "x,y",
        caption="f(x, y) = [3x²y, 2x + y⁸] by x and y",
    ),
    "gradient": Example(
        "a^T x", {"a": ("n", 1), "x": ("n", 1)}, "x", {"n": 3}, caption="f = aᵀx by x"
    ),
    "wx": Example(
        "W x", {"W": ("m", "n"), "x": ("n", 1)}, "x", {"m": 3, "n": 4}, caption="y = Wx by x"
    ),
    "xw": Example(
        "x W",
        {"x": (1, "n"), "W": ("n", "m")},
        "x",
        {"m": 3, "n": 4},
        caption="y = xW by the row vector x",
    ),
    "dydw": Example(
        "W x", {"W": ("m", "n"), "x": ("n", 1)}, "W", {"m": 3, "n": 4}, caption="y = Wx by W"
    ),
    "batch": Example(
        "X W",
        {"X": ("b", "n"), "W": ("n", "m")},
        "W",
        {"b": 2, "n": 3, "m": 2},
        caption="Y = XW by W",
    ),
    "elementwise": Example(
        "sum(w .* x)", {"w": ("n", 1), "x": ("n", 1)}, "w", {"n": 4}, caption="f = sum(w ⊙ x) by w"
    ),
    "chain": Example(
        "V W x",
        {"V": ("p", "m"), "W": ("m", "n"), "x": ("n", 1)},
        "x",
        {"p": 2, "m": 3, "n": 4},
        caption="y = VWx by x",
    ),
    "neuron-w": Example(
        "relu(w^T x + b)",
        {"w": ("n", 1), "x": ("n", 1), "b": (1, 1)},
        "w",
        {"n": 4},
        caption="a = max(0, wᵀx + b) by w",
    ),
    "neuron-b": Example(
        "relu(w^T x + b)",
        {"w": ("n", 1), "x": ("n", 1), "b": (1, 1)},
        "b",
        {"n": 4},
        caption="a = max(0, wᵀx + b) by b",
    ),
    "loss": Example(
        "mean((y - relu(X w + b)).^2)",
        {"X": ("N", "n"), "w": ("n", 1), "b": (1, 1), "y": ("N", 1)},
        "w",
        {"N": 5, "n": 3},
        caption="mean squared error by w",
    ),
    "layer": Example(
        "sum((sigmoid(W x + b) - t).^2)",
        {"W": ("m", "n"), "x": ("n", 1), "b": ("m", 1), "t": ("m", 1)},
        "W",
        {"m": 3, "n": 4},
        layout="denominator",
        caption="L = ‖σ(Wx + b) − t‖² by W",
    ),
    "layer-x": Example(
        "sigmoid(W x + b)",
        {"W": ("m", "n"), "x": ("n", 1), "b": ("m", 1)},
        "x",
        {"m": 3, "n": 4},
        caption="a = σ(Wx + b) by x",
    ),
    "trace": Example(
        "trace(A B)",
        {"A": ("m", "n"), "B": ("n", "m")},
        "A",
        {"m": 2, "n": 3},
        layout="denominator",
        caption="f = tr(AB) by A",
    ),
    "matrix-by-scalar": Example(
        "t^2 A + t B",
        {"t": (1, 1), "A": ("m", "n"), "B": ("m", "n")},
        "t",
        {"m": 2, "n": 3},
        caption="Y = t²A + tB by t",
    ),
    "frobenius": Example(
        "sum(X .* X)",
        {"X": ("m", "n")},
        "X",
        {"m": 2, "n": 3},
        layout="denominator",
        caption="f = ‖X‖²_F by X",
    ),
}
