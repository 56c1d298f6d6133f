"""Held-out acceptance: misconceptions named on problems the bank does not contain.

At least 90 % of the answers that embody one catalogue entry are named with that id,
no control answer gets a misconception, and every verdict is right (run with ``-s`` to
see the figures)."""

from __future__ import annotations

from app.grading.grader import grade_dict
from tests.grading.misconception_corpus import CORPUS

SEEDS = (1, 2)


def _grade(case, answer: str, seed: int) -> dict:  # type: ignore[no-untyped-def]
    problem = {
        "variables": case.variables,
        "function": case.function,
        "wrt": case.wrt,
        "layout": case.layout,
    }
    if case.indices is not None:
        problem["indices"] = case.indices
    return grade_dict(problem, answer, seed=seed)


def test_corpus_covers_every_catalogue_id_several_times() -> None:
    from app.calculus.buggy.candidates import CATALOGUE

    counts = {key: 0 for key in CATALOGUE}
    for case in CORPUS:
        for key in case.wrong:
            counts[key] += 1
    assert all(n >= 2 for n in counts.values()), counts


def test_held_out_corpus() -> None:
    named = total = 0
    misses: list[str] = []
    attributions: list[str] = []
    verdicts: list[str] = []
    controls = 0
    for case in CORPUS:
        for seed in SEEDS:
            for answer in case.right:
                result = _grade(case, answer, seed)
                if result["verdict"] != "correct" or result["misconception"] is not None:
                    verdicts.append(f"{case.function}: {answer} -> {result['verdict']}")
            for key, answers in case.wrong.items():
                for answer in answers:
                    result = _grade(case, answer, seed)
                    total += 1
                    if result["verdict"] != "incorrect":
                        verdicts.append(f"{case.function}: {answer} -> {result['verdict']}")
                    got = (result["misconception"] or {}).get("id")
                    if got == key:
                        named += 1
                    else:
                        misses.append(f"{case.function}: {answer} expected {key}, got {got}")
            for answer in case.controls:
                result = _grade(case, answer, seed)
                controls += 1
                if result["verdict"] != "incorrect":
                    verdicts.append(f"{case.function}: {answer} -> {result['verdict']}")
                if result["misconception"] is not None:
                    attributions.append(
                        f"{case.function}: {answer} -> {result['misconception']['id']}"
                    )
    rate = named / total
    print(
        f"\nmisconception answers named with the expected id: {named}/{total} ({rate:.1%}); "
        f"control attributions: {len(attributions)}/{controls}; wrong verdicts: {len(verdicts)}"
    )
    assert not verdicts, verdicts
    assert not attributions, attributions
    assert rate >= 0.9, misses
