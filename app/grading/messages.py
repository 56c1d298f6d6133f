"""Learner-facing text for each verdict and diagnosis: every sentence a learner reads about
a grade comes from here, the grader's messages and the page's headings alike.

The sentences teach the rule behind the mistake: the axis rule for shapes (MIT 6.390
A.8: axes(dY/dX) = axes(Y) + axes(X)), the two layouts (numerator: rows follow the
outputs, Parr & Howard §4.1; denominator: rows follow the inputs, MIT 6.390 A.2), and
where factors and signs usually come from in a loss (Parr & Howard §6).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from app.grading.function_context import FunctionContext, scale_hint, sign_hint

if TYPE_CHECKING:
    from app.grading.diagnosis import Diagnosis
    from app.grading.result import GradeResult

VERDICT_HEADINGS = {
    "correct": "Correct",
    "incorrect": "Not quite",
    "invalid": "We could not read that answer",
    "undecided": "Undecided",
}

_LAYOUT_RULE = {
    "numerator": "rows follow the outputs yᵢ (numerator layout)",
    "denominator": "rows follow the inputs xⱼ (denominator layout)",
}


def shape_text(shape: tuple[int, ...] | list[int]) -> str:
    if not shape:
        return "a scalar"
    return "x".join(str(n) for n in shape)


def correct(layout: str, required: str) -> str:
    if required == "any":
        return f"Correct. Your answer is in {layout} layout."
    return "Correct."


def wrong_shape(
    answer_shape: tuple[int, ...],
    expected_shape: tuple[int, ...],
    out_shape: tuple[int, int],
    in_description: str,
    layout: str,
) -> str:
    rule = _LAYOUT_RULE.get(layout, "either layout is accepted")
    return (
        f"Your answer is {shape_text(answer_shape)}, but this derivative is "
        f"{shape_text(expected_shape)}. The axis rule: axes(dY/dX) = axes(Y) + axes(X); "
        f"here Y is {shape_text(out_shape)} and X is {in_description}, and {rule}."
    )


def transposed(required: str, matched: str) -> str:
    if len(_LAYOUT_RULE) and required in _LAYOUT_RULE:
        return (
            f"You gave the {matched}-layout derivative (the transpose). This exercise uses "
            f"{required} layout: {_LAYOUT_RULE[required].split(' (')[0]}."
        )
    return "You gave the derivative in the other layout (the transpose)."


def diagnosis_message(diag: Diagnosis, context: FunctionContext | None = None) -> str:
    """The diagnosis in words; ``context`` (what the function contains) picks the hint for
    a sign or a factor that fits this function."""
    ctx = context if context is not None else FunctionContext(loss=True, square=True, mean=True)
    if diag.kind == "sign":
        return "Your answer has the wrong sign: it is the negative of the derivative. " + sign_hint(
            ctx
        )
    if diag.kind == "scaled":
        return (
            f"Your answer is off by a factor of {diag.factor_text}: it is "
            f"{diag.factor_text} times the derivative. "
            + scale_hint(ctx, diag.factor, diag.factor_text)
        )
    if diag.kind == "entries":
        count = len(diag.wrong_entries)
        if count <= 1 or diag.description.startswith("only the entry"):
            return f"Some entries are wrong: {diag.description}."
        where = ", ".join("(" + ", ".join(map(str, p)) + ")" for p in diag.wrong_entries[:5])
        more = "" if count <= 5 else " and more"
        return f"Some entries are wrong: {diag.description}. Wrong entries include {where}{more}."
    return "Your answer does not match the derivative."


UNRESOLVED = (
    "at these values the finite-difference error is not small against the tolerance for "
    "some entries, so no answer can be confirmed there: the function is nearly flat "
    "(saturated), ill-conditioned (a nearly singular matrix), close to a pole or the "
    "edge of its domain, or oscillating faster than any step can follow (a periodic "
    "function of a huge argument)"
)


def undecided(reason: str) -> str:
    return (
        f"The numbers could not decide ({reason}). This attempt is not counted as wrong; "
        "try again, or simplify your answer."
    )


def invalid(message: str) -> str:
    message = message.strip()
    if message and message[-1] not in ".!?":
        message += "."
    return f"Your answer could not be read: {message} It is not counted as an attempt."


def verdict_text(verdict: str | None) -> str:
    """The heading of the feedback for a verdict."""
    return VERDICT_HEADINGS.get(verdict or "", "Graded")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def matched_at(instances: int) -> str:
    return (
        "Your answer matches the finite-difference derivative at "
        f"{_count(instances, 'random instance')}."
    )


def feedback_text(result: GradeResult, layout: str | None = None) -> str:
    """The sentence under the verdict heading (``layout``: the exercise's layout)."""
    if result.verdict == "correct" and result.instances:
        text = matched_at(result.instances)
        if layout == "any" and result.layout:
            text += f" It is in {result.layout} layout."
        return text
    return result.message or diagnosis_text(result, layout)


def _shape(shape: list[int] | None) -> str:
    return "×".join(str(n) for n in shape) if shape else "?"


def diagnosis_text(result: GradeResult, layout: str | None = None) -> str:
    """The diagnosis in plain words from the result alone (when it carries no message)."""
    diagnosis = result.diagnosis
    if diagnosis == "wrong_shape":
        return (
            f"Your answer is {_shape(result.answer_shape)} but the derivative is "
            f"{_shape(result.expected_shape)}. The axis rule: the axes of dY/dX are the axes "
            "of Y followed by the axes of X."
        )
    if diagnosis == "transposed":
        required = "denominator" if layout == "denominator" else "numerator"
        other = "numerator" if required == "denominator" else "denominator"
        return transposed(required, other)
    if diagnosis == "sign":
        return "Every entry has the wrong sign: check a minus that was dropped or added."
    if diagnosis == "scaled":
        factor = result.factor
        if isinstance(factor, int | float) and math.isfinite(factor):
            shown = result.factor_text or f"{factor:.3g}"
            return f"The pattern is right but every entry is off by a factor of {shown}."
        return "The pattern is right but every entry is off by a constant factor."
    if diagnosis == "entries":
        return (
            f"Some entries are wrong ({len(result.wrong_entries)} shown in the map below); "
            "the others agree with the derivative."
        )
    return ""
