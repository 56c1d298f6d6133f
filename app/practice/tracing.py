"""Bayesian knowledge tracing: the probability that a learner has a skill, from their answers.

Corbett & Anderson ("Knowledge tracing: Modeling the acquisition of procedural knowledge",
1995) model a skill as either known or not. Before any answer it is known with probability
``prior``; a learner who knows it still slips with probability ``slip``, one who does not
guesses right with probability ``guess``; after each practice opportunity an unknown skill
becomes known with probability ``learn``. Observing an answer updates the probability by
Bayes' rule, then the learning step applies::

    correct:   p' = p (1 - slip) / (p (1 - slip) + (1 - p) guess)
    incorrect: p' = p slip / (p slip + (1 - p) (1 - guess))
    then:      p'' = p' + (1 - p') learn

Parameters here are set, not fitted (no attempt data to fit them on yet): ``guess`` is low
because answers are matrices graded numerically (a right Jacobian is hardly ever a lucky
guess), ``slip`` is the usual 0.1, and both stay inside the bounds Baker, Corbett & Aleven
(2008) recommend against degenerate models (guess < 0.3, slip < 0.1 is their strict form;
0.1 sits on it). A skill counts as mastered at 0.95, the threshold of the cognitive tutors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TracingParameters:
    prior: float = 0.3
    learn: float = 0.15
    guess: float = 0.1
    slip: float = 0.1
    mastered: float = 0.95

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip", "mastered"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must lie strictly between 0 and 1, not {value}")
        if self.guess + self.slip >= 1.0:
            raise ValueError("guess + slip must stay below 1, or a right answer means nothing")


DEFAULT = TracingParameters()


def update(mastery: float, correct: bool, params: TracingParameters = DEFAULT) -> float:
    """The mastery after one observed answer (Bayes' rule, then the learning step).

    >>> round(update(0.3, True), 3), round(update(0.3, False), 3)
    (0.825, 0.189)
    """
    p = min(max(mastery, 0.0), 1.0)
    if correct:
        known = p * (1.0 - params.slip)
        unknown = (1.0 - p) * params.guess
    else:
        known = p * params.slip
        unknown = (1.0 - p) * (1.0 - params.guess)
    posterior = known / (known + unknown)
    return posterior + (1.0 - posterior) * params.learn


def p_correct(mastery: float, params: TracingParameters = DEFAULT) -> float:
    """The probability of a right answer the model predicts."""
    return mastery * (1.0 - params.slip) + (1.0 - mastery) * params.guess
