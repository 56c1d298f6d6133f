"""The skills practice is organised by, and which skill each kind of mistake reveals.

A skill is one idea a learner can have or lack, small enough that a few exercises drill it
and a wrong answer can be blamed on it. Exercises list the skills they exercise (YAML
``skills:``, the first one is the exercise's main skill); the grader's diagnosis of a wrong
answer, and the misconception it matched, say which skill failed (DESIGN §5, §11). The ids
are a contract (DESIGN §11 "Practice"): they appear in the API and in exercise files, so an
id is never renamed; new skills may be added here.

The mathematics follows the lecture notes: layouts and the axis rule (MIT 6.390 notes,
A.2-A.5), the component view of ``y = Wx`` (Learned-Miller, "Vector, Matrix, and Tensor
Derivatives"), element-wise operators and the vector chain rule (Parr & Howard, "The Matrix
Calculus You Need For Deep Learning"), layer derivatives (Wu, "Backpropagation for a
linear layer").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skill:
    id: str
    title: str
    description: str
    lesson: str
    """The lesson that teaches it (a slug of ``app.bank.curriculum``)."""
    drill: str
    """How a drill of it is named in a sentence ("a few layout drills")."""


SKILLS: tuple[Skill, ...] = (
    Skill(
        "partials",
        "Partial derivatives",
        "Differentiate one output with respect to one input and place it in the Jacobian.",
        "partial-derivatives",
        "partial-derivative",
    ),
    Skill(
        "layout",
        "Layouts",
        "Numerator layout puts outputs on the rows, denominator layout puts inputs there; "
        "one is the transpose of the other.",
        "layouts",
        "layout",
    ),
    Skill(
        "shapes",
        "Shapes",
        "The axis rule: the derivative's axes are the output's followed by the input's, so "
        "its shape is known before any entry is.",
        "layouts",
        "shape",
    ),
    Skill(
        "scaling",
        "Constant factors",
        "Constants in front of a function carry through to its derivative, exactly once.",
        "y-equals-wx",
        "constant-factor",
    ),
    Skill(
        "tensor_index",
        "Tensors and index form",
        "Derivatives with more than two axes, such as dy/dW, written entry by entry with "
        "indices and Kronecker deltas, and their compact form.",
        "dy-dw",
        "index-form",
    ),
    Skill(
        "batches",
        "Batches",
        "Many data points at once (Y = XW): which axes the batch adds and how sums over it "
        "appear in gradients.",
        "batches",
        "batch",
    ),
    Skill(
        "elementwise",
        "Element-wise operations",
        "Element-wise products, quotients and functions have diagonal Jacobians; scalar "
        "expansion and sums reduce to ones-vectors.",
        "element-wise",
        "element-wise",
    ),
    Skill(
        "chain_rule",
        "The chain rule",
        "Compose local derivatives in the right order, including the derivative of every "
        "inner function.",
        "chain-rules",
        "chain-rule",
    ),
    Skill(
        "activation_derivative",
        "Activation derivatives",
        "The derivative of relu, tanh or sigmoid at the pre-activation, as diag(f'(z)) or a "
        "mask, in place of the activation itself.",
        "neuron-gradient",
        "activation-derivative",
    ),
    Skill(
        "quadratic_forms",
        "Quadratic forms",
        "Gradients of x^T A x and squared norms: both factors depend on x, so the product "
        "rule gives two terms, (A + A^T) x.",
        "layouts",
        "quadratic-form",
    ),
    Skill(
        "matrix_scalar",
        "Matrix-by-scalar and scalar-by-matrix",
        "Derivatives of a matrix with respect to a scalar and of traces and norms with "
        "respect to a matrix.",
        "matrix-scalar",
        "matrix-by-scalar",
    ),
)

BY_ID: dict[str, Skill] = {skill.id: skill for skill in SKILLS}
SKILL_IDS: tuple[str, ...] = tuple(BY_ID)

DIAGNOSIS_SKILLS: dict[str, str | None] = {
    "transposed": "layout",
    "wrong_shape": "shapes",
    "scaled": "scaling",
    "sign": "chain_rule",
    "entries": None,
}
"""The skill each diagnosis of an incorrect answer (DESIGN §5) reveals.

A transposed answer is the other layout; a wrong shape breaks the axis rule; a constant
factor off is a scaling slip; a lost minus sign comes, in this curriculum, from an inner
derivative left out (``b - Ax``, ``y - f(x)``). ``entries`` (some entries wrong, no other
pattern) reveals the exercise's own main skill: ``None`` stands for "the first skill the
exercise lists".
"""

MISCONCEPTION_SKILLS: dict[str, str] = {
    "assumed_symmetric": "quadratic_forms",
    "product_rule_one_term": "quadratic_forms",
    "activation_not_derivative": "activation_derivative",
    "missing_activation_derivative": "activation_derivative",
    "missing_inner_derivative": "chain_rule",
    "product_order": "chain_rule",
    "transposed_factor": "layout",
    "diagonal_as_vector": "elementwise",
    "power_rule": "partials",
    "dropped_kronecker_delta": "tensor_index",
    "constant_treated_as_variable": "partials",
    "linear_map_transposed": "layout",
}
"""The skill each misconception of the catalogue (DESIGN §11) reveals. A misconception is
more specific than a diagnosis, so when a result names one it decides the skill."""

MISTAKE_PHRASES: dict[str, str] = {
    "transposed": "You gave the transpose",
    "wrong_shape": "Your answer had the wrong shape",
    "scaled": "Your answer was off by a constant factor",
    "sign": "Your answer had the wrong sign",
    "entries": "Some entries of your answer were wrong",
    "assumed_symmetric": "You treated a matrix as symmetric",
    "product_rule_one_term": "You kept one term of the product rule",
    "activation_not_derivative": "You used the activation in place of its derivative",
    "missing_activation_derivative": "You left out the activation's derivative",
    "missing_inner_derivative": "You left out an inner derivative",
    "product_order": "You multiplied the chain rule's factors in the other order",
    "transposed_factor": "You transposed one factor",
    "diagonal_as_vector": "You wrote a diagonal Jacobian as a vector",
    "power_rule": "You misapplied the power rule",
    "dropped_kronecker_delta": "You dropped a Kronecker delta",
    "constant_treated_as_variable": "You differentiated with respect to a constant",
    "linear_map_transposed": "You gave the transpose",  # always with ``transposed``
}
"""How the reason for a drill names the mistake it answers (one phrase per kind)."""

LESSON_SKILLS: dict[str, tuple[str, ...]] = {
    "partial-derivatives": ("partials", "shapes"),
    "layouts": ("layout", "shapes"),
    "y-equals-wx": ("layout", "shapes"),
    "y-equals-xw": ("layout", "shapes"),
    "dy-dw": ("tensor_index", "shapes"),
    "batches": ("batches", "tensor_index"),
    "element-wise": ("elementwise",),
    "chain-rules": ("chain_rule",),
    "neuron-gradient": ("activation_derivative", "chain_rule"),
    "loss-gradient": ("chain_rule", "activation_derivative"),
    "layer-derivatives": ("activation_derivative", "chain_rule"),
    "matrix-scalar": ("matrix_scalar",),
}
"""The skills of an exercise that lists none (e.g. one authored before ``skills:`` existed):
those its lesson teaches."""


def revealed_skill(
    diagnosis: str | None, misconception: str | None, exercise_skills: tuple[str, ...]
) -> str | None:
    """The skill a wrong answer reveals: the misconception's, else the diagnosis's, else the
    exercise's main skill (an unexplained wrong answer is evidence about what it drills)."""
    if misconception is not None and misconception in MISCONCEPTION_SKILLS:
        return MISCONCEPTION_SKILLS[misconception]
    if diagnosis is not None and DIAGNOSIS_SKILLS.get(diagnosis) is not None:
        return DIAGNOSIS_SKILLS[diagnosis]
    return exercise_skills[0] if exercise_skills else None


def mistake_kind(diagnosis: str | None, misconception: str | None) -> str | None:
    """The name of the mistake for the reason shown to the learner (misconception first)."""
    if misconception is not None and misconception in MISTAKE_PHRASES:
        return misconception
    if diagnosis is not None and diagnosis in MISTAKE_PHRASES:
        return diagnosis
    return None


def unknown_skills(skills: list[str]) -> list[str]:
    return [skill for skill in skills if skill not in BY_ID]
