"""The simulation behind the README's practice figures: its learners behave as described,
and on a small seeded run practice is not beaten by either baseline."""

from __future__ import annotations

import statistics

from benchmarks.bench_practice import CAP, compare, shipped_items, simulate


def test_a_learner_is_done_only_after_the_misconception_is_fixed() -> None:
    items = shipped_items()
    for policy in ("fixed", "skip", "practice"):
        outcome = simulate(items, "activation_derivative", 0, policy)
        assert outcome.to_fix <= outcome.to_mastery < CAP


def test_practice_needs_fewer_items_and_fixes_sooner() -> None:
    results = compare(shipped_items(), learners=3)

    def mean(policy: str, field: str) -> float:
        return statistics.mean(
            getattr(o, field) for by_policy in results.values() for o in by_policy[policy]
        )

    assert mean("practice", "to_mastery") < mean("skip", "to_mastery") < mean("fixed", "to_mastery")
    assert mean("practice", "to_fix") < mean("skip", "to_fix")
