"""Practice in a real browser: three transposes bring layout drills with their reason, and
five practice items answered right move the skill bars. Screenshots at 1280 and 390 px land
in /tmp/shots for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.bank.loader import load_bank
from app.mathlang import check, evaluate, parse
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

BANK = load_bank(Path(__file__).resolve().parents[2] / "exercises")


def right_answer(exercise_id: str, seed: int) -> str | list[list[str]]:
    """The reference answer; for a numeric grid, its numbers at the variant's values."""
    exercise = BANK.get(exercise_id)
    assert exercise is not None
    if exercise.answer_form != "numeric":
        return exercise.reference
    problem = exercise.problem(seed)
    shapes = {name: tuple(shape) for name, shape in problem.shapes().items()}
    typed = check(parse(exercise.reference), shapes)
    values = {
        name: np.asarray(value, dtype=float).reshape(shapes[name])
        for name, value in (problem.values or {}).items()
    }
    grid = np.atleast_2d(evaluate(typed, values))
    return [[repr(float(v)) for v in row] for row in grid]


def bar(page: Any, skill: str) -> int:
    value = page.locator(f'#skills [data-skill="{skill}"] [role="progressbar"]').get_attribute(
        "aria-valuenow"
    )
    return int(value)


def answer(page: Any, exercise_id: str, seed: int) -> None:
    expected = right_answer(exercise_id, seed)
    if isinstance(expected, str):
        page.locator("#answer").fill(expected)
    else:
        for i, row in enumerate(expected, start=1):
            for j, value in enumerate(row, start=1):
                page.locator(f'input[name="cell-{i}-{j}"]').fill(value)
    page.get_by_role("button", name="Check my answer").click()
    page.wait_for_selector(".feedback.correct")


@pytest.fixture
def wide_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_five_practice_items_move_the_skill_bars(wide_page: Any, server: str) -> None:
    page = wide_page
    page.goto(f"{server}/exercises/u03-core-wx?seed=3")
    for _ in range(3):
        page.locator("#answer").fill("W^T")
        page.get_by_role("button", name="Check my answer").click()
        page.wait_for_selector(".feedback.incorrect")
    page.get_by_role("link", name="Practice", exact=True).click()
    page.wait_for_selector("#practice-reason")
    reason = page.locator("#practice-reason").inner_text()
    assert reason == "You gave the transpose three times: a few layout drills."
    assert page.locator(".skill-row.target").get_attribute("data-skill") == "layout"
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    page.screenshot(path=str(SHOTS / "practice-1280.png"), full_page=True)

    moved = []
    for _ in range(5):
        page.wait_for_selector("#practice-reason")
        skill = page.locator(".skill-row.target").get_attribute("data-skill")
        action = page.locator("#answer-form").get_attribute("action")
        exercise_id = re.fullmatch(r"/exercises/(.+)/submit", action).group(1)  # type: ignore[union-attr]
        seed = int(page.locator('#answer-form input[name="seed"]').get_attribute("value"))
        before = bar(page, skill)
        answer(page, exercise_id, seed)
        page.wait_for_function(
            '([s, b]) => Number(document.querySelector(`#skills [data-skill="${s}"] '
            "[role=progressbar]`).getAttribute('aria-valuenow')) > b",
            arg=[skill, before],
        )
        moved.append((skill, before, bar(page, skill)))
        if len(moved) == 1:
            page.screenshot(path=str(SHOTS / "practice-answered-1280.png"), full_page=True)
        page.get_by_role("link", name="Next practice item →").focus()
        page.keyboard.press("Enter")  # the keyboard reaches the next item
    print("practice walk (skill, bar before, after):", moved)
    assert len(moved) == 5 and all(after > before for _, before, after in moved)
    assert moved[0][0] == "layout"
    page.wait_for_selector("#practice-reason")
    assert bar(page, "layout") > 50


def test_practice_at_phone_width(phone_page: Any, server: str) -> None:
    page = phone_page
    page.goto(f"{server}/practice")
    page.wait_for_selector("#practice-reason")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    assert page.locator("#skills .skill-row").count() >= 9
    page.screenshot(path=str(SHOTS / "practice-390.png"), full_page=True)
