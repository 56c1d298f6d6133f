"""What a step says about its rule, for the function and the shapes at hand.

One table of sentences for a rule would say "the Jacobian is ±I" of a sum of two scalars,
or "a function applied to each entry" of a scalar. These sentences name the function
(tanh' = 1 - tanh², relu' = step) and speak of scalars, vectors or matrices as the
operands are.
"""

from __future__ import annotations

from app.mathlang.ast import Call, Node

Shape = tuple[int, int]

DERIVATIVE_WORDS = {
    "exp": "exp is its own derivative",
    "log": "log′(a) = 1/a",
    "ln": "ln′(a) = 1/a",
    "sqrt": "sqrt′(a) = 1/(2 sqrt(a))",
    "sin": "sin′ = cos",
    "cos": "cos′ = -sin",
    "tan": "tan′ = 1 + tan²",
    "tanh": "tanh′ = 1 - tanh²",
    "sigmoid": "σ′ = σ (1 - σ)",
    "relu": "relu′ = step: 1 where the argument is positive, 0 where it is negative",
    "abs": "abs′ = sign: step(a) - step(-a)",
    "step": "step is flat on each side of 0, so its derivative is 0",
}


def kind(shape: Shape) -> str:
    rows, cols = shape
    if (rows, cols) == (1, 1):
        return "scalar"
    return "vector" if 1 in shape else "matrix"


def title(rule_title: str, display: Node, shape: Shape) -> str:
    """A step's title naming the function: ``tanh, entry by entry`` rather than
    ``Element-wise function`` (``tanh`` alone for a scalar)."""
    if isinstance(display, Call) and display.func in DERIVATIVE_WORDS:
        name = {"relu": "ReLU", "abs": "Absolute value"}.get(display.func, display.func)
        return name if shape == (1, 1) else f"{name}, entry by entry"
    return rule_title


def chain_text(key: str, display: Node, shape: Shape, operands: list[Shape]) -> str:
    """The chain-rule view's sentence for one intermediate (Parr & Howard §4)."""
    scalar = shape == (1, 1) and all(s == (1, 1) for s in operands)
    fname = display.func if isinstance(display, Call) else ""
    if key == "sum_diff":
        if scalar:
            return "A sum or difference of scalars: each term's derivative, with its sign."
        return VECTOR_TEXT["sum_diff"]
    if key == "hadamard":
        if scalar:
            return "A product of scalars: the ordinary product rule."
        return VECTOR_TEXT["hadamard"]
    if key == "ew_divide":
        if scalar:
            return "A quotient of scalars: the ordinary quotient rule."
        return VECTOR_TEXT["ew_divide"]
    if key == "elementwise_fn":
        if not fname:
            return VECTOR_TEXT["elementwise_fn"]
        said = DERIVATIVE_WORDS.get(fname, f"the derivative of {fname}")
        if scalar:
            return f"{fname} of a scalar: {said}."
        return (
            f"{fname} acts on each entry separately: entry k of the output depends only on "
            f"entry k of the input, so the Jacobian is diagonal, with f′ of each entry on the "
            f"diagonal ({said})."
        )
    if key == "power":
        return "The power rule." if scalar else VECTOR_TEXT["power"]
    if key == "scalar_product":
        if scalar:
            return "A product of scalars: the ordinary product rule."
        return VECTOR_TEXT["scalar_product"]
    return CHAIN_TEXT.get(key, "")


CHAIN_TEXT = {
    "scalar_expansion": "A scalar added to every entry of a vector is first expanded to a "
    "vector of copies; every output entry moves one-for-one with the scalar, so the "
    "derivative is a column of ones.",
    "matrix_product": "A matrix times a vector is linear in the vector: entry i is a sum of "
    "row i's entries times the vector's, so the Jacobian is the matrix (its transpose for a "
    "row vector on the left).",
    "dot": "A dot product is a sum of entry-wise products: its derivative with respect to one "
    "vector is the other vector, written as a row.",
    "sum": "Summing the entries: each entry contributes with slope 1, so the derivative is a "
    "row of ones.",
    "mean": "The mean is the sum divided by the number of entries n: a row of 1/n.",
    "max": "max(a, b) follows whichever operand is larger: its derivative is 1 where that "
    "operand wins and 0 elsewhere, a step mask on the diagonal.",
    "transpose": "Transposing a vector lists the same entries, so it does not change the Jacobian.",
    "norm": "The Euclidean norm's gradient is the vector divided by its length.",
    "literal": "Each entry of the vector is differentiated on its own.",
    "softmax": "Softmax's Jacobian is diag(s) - s sᵀ with s = softmax(a): each output moves "
    "with its own input and against every other.",
    "product_rule": "The product rule, with the factors kept in their order: matrix products "
    "do not commute.",
}


VECTOR_TEXT = CHAIN_TEXT | {
    "sum_diff": "Adding or subtracting vectors entry by entry: each entry of the result depends "
    "only on the same entry of each operand, with slope ±1, so the Jacobian is ±I.",
    "hadamard": "In an element-wise product, output entry k is a_k b_k: it depends only on "
    "entry k of each operand, so the Jacobian is diagonal with the other operand on its "
    "diagonal.",
    "ew_divide": "An element-wise quotient, entry by entry: diagonal Jacobians from the "
    "quotient rule.",
    "elementwise_fn": "A function applied to each entry separately: entry k of the output "
    "depends only on entry k of the input, so the Jacobian is diagonal, with f' of each entry "
    "on the diagonal.",
    "power": "The power rule, entry by entry.",
    "scalar_product": "A scalar times a vector: with respect to the vector it is the scalar "
    "times I; with respect to the scalar it is the vector itself.",
}
"""The sentences for vector operands (the gradient view's backward steps use them)."""
