"""When a mastered skill should come back: FSRS, through the ``fsrs`` package.

Knowledge tracing says whether a skill is known now; it does not say when it will be
forgotten. The Free Spaced Repetition Scheduler (Ye et al., "A Stochastic Shortest Path
Algorithm for Optimizing Spaced Repetition Scheduling", KDD 2022; FSRS-6 weights) does:
each skill that reaches mastery gets a card, every later answer that bears on the skill is
a review (right: ``Good``; a mistake that reveals the skill: ``Again``), and the card's due
date is when recall is predicted to drop to 90 %. A skill past its due date is offered
again "just before it would be forgotten".

Learning steps are left out (a skill gets its card only once it is mastered, so the
minutes-apart steps of a new flash card do not apply) and fuzzing is off, so the same
answers always give the same schedule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(
    desired_retention=0.9,
    learning_steps=(),
    relearning_steps=(),
    enable_fuzzing=False,
)


def first_card(at: datetime) -> dict[str, Any]:
    """The card of a skill mastered at ``at``: its first review is the mastering answer."""
    card, _ = SCHEDULER.review_card(Card(card_id=1, due=at), Rating.Good, review_datetime=at)
    return dict(card.to_dict())


def review(card: dict[str, Any], remembered: bool, at: datetime) -> dict[str, Any]:
    """The card after an answer at ``at`` that shows the skill remembered or not."""
    rating = Rating.Good if remembered else Rating.Again
    updated, _ = SCHEDULER.review_card(Card.from_dict(card), rating, review_datetime=at)  # type: ignore[arg-type]
    return dict(updated.to_dict())


def due(card: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(card["due"]))


def retrievability(card: dict[str, Any], at: datetime) -> float:
    """The predicted probability of recall at ``at`` (1 just after a review)."""
    return float(SCHEDULER.get_card_retrievability(Card.from_dict(card), at))  # type: ignore[arg-type]
