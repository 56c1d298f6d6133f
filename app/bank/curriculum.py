"""The twelve lessons of the curriculum, in teaching order, with the sources they follow.

This is the one list the web pages, the exercise bank (an exercise's ``lesson`` must be
one of these slugs) and the lesson content agree on. The four lessons the design card
names keep their slugs: ``y-equals-wx``, ``y-equals-xw``, ``dy-dw``, ``neuron-gradient``.
"""

from __future__ import annotations

from dataclasses import dataclass

PARR_HOWARD = "Terence Parr and Jeremy Howard, “The Matrix Calculus You Need For Deep Learning”"
LEARNED_MILLER = "Erik Learned-Miller, “Vector, Matrix, and Tensor Derivatives”"
MIT_6390 = "MIT 6.390, “Explanatory Notes for 6.390”, Appendix A: Matrix Derivatives"
WU = "Wu Xiaojian, “Notes on Matrix Derivative in Neural Network”"


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    summary: str
    sources: tuple[str, ...]


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "partial-derivatives",
        "Partial derivatives, gradients and the Jacobian",
        "From one variable to many: partial derivatives, the gradient of f(x, y) = 3x²y "
        "and the Jacobian that stacks the gradients of several functions.",
        (f"{PARR_HOWARD}, §3–4",),
    ),
    Lesson(
        2,
        "layouts",
        "Layouts: numerator versus denominator",
        "Two conventions for arranging the same partial derivatives, and the axis rule "
        "that predicts the shape of any derivative.",
        (f"{MIT_6390}, A.2–A.5 and A.8", f"{PARR_HOWARD}, §4.1"),
    ),
    Lesson(
        3,
        "y-equals-wx",
        "The Jacobian of y = Wx",
        "Write one output entry as a sum, remove the sum, differentiate: the Jacobian "
        "of a matrix-vector product is the matrix itself.",
        (f"{LEARNED_MILLER}, §1",),
    ),
    Lesson(
        4,
        "y-equals-xw",
        "The Jacobian of y = xW with row vectors",
        "The same product written with row vectors, and why the layout decides whether "
        "the answer reads W or its transpose.",
        (f"{LEARNED_MILLER}, §2",),
    ),
    Lesson(
        5,
        "dy-dw",
        "dy/dW: a derivative with three axes",
        "Differentiating a vector by a matrix gives a 3-D array that is almost all "
        "zeros; its non-zero part fits in a compact 2-D form.",
        (f"{LEARNED_MILLER}, §3", f"{MIT_6390}, A.9.2"),
    ),
    Lesson(
        6,
        "batches",
        "Many data points: Y = XW and Z = WX + B",
        "Stacking examples into a matrix: what changes in the derivative and what stays the same.",
        (f"{LEARNED_MILLER}, §4", f"{WU}, §3.2"),
    ),
    Lesson(
        7,
        "element-wise",
        "Element-wise operations, scalar expansion and sums",
        "Why element-wise operations have diagonal Jacobians, how a scalar is expanded "
        "to a vector, and the derivative of a sum.",
        (f"{PARR_HOWARD}, §4.2–4.4",),
    ),
    Lesson(
        8,
        "chain-rules",
        "The chain rules",
        "The single-variable, total-derivative and vector chain rules, applied to y = VWx.",
        (f"{PARR_HOWARD}, §4.5", f"{LEARNED_MILLER}, §5"),
    ),
    Lesson(
        9,
        "neuron-gradient",
        "The gradient of a ReLU neuron",
        "The derivative of max(0, w·x + b) with respect to the weights and the bias, "
        "and the mask that the ReLU puts on it.",
        (f"{PARR_HOWARD}, §5",),
    ),
    Lesson(
        10,
        "loss-gradient",
        "The gradient of the loss",
        "Mean squared error of a ReLU neuron over a batch, differentiated with respect to w and b.",
        (f"{PARR_HOWARD}, §6",),
    ),
    Lesson(
        11,
        "layer-derivatives",
        "Derivatives of a layer",
        "dL/dW, dL/db and dL/dx for z = Wx + b, the activation Jacobian diag(f'(z)) and "
        "element-wise products.",
        (f"{WU}, §3", f"{MIT_6390}, A.9.3–A.9.5"),
    ),
    Lesson(
        12,
        "matrix-scalar",
        "Matrix-by-scalar and scalar-by-matrix derivatives",
        "Differentiating a matrix by a scalar and a scalar by a matrix, such as the "
        "trace and the squared Frobenius norm.",
        (f"{MIT_6390}, A.6–A.7",),
    ),
)

BY_SLUG: dict[str, Lesson] = {lesson.slug: lesson for lesson in LESSONS}


def lesson(slug: str) -> Lesson | None:
    return BY_SLUG.get(slug)
