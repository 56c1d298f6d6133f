"""A learner's wrong answer to a quadratic form, the misconception named, and the worked
solution with the step where the answer left the right path highlighted, at desktop and
phone width (screenshots in /tmp/shots for a person to look at)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

EXERCISE = "u02-quadratic-gradient"


def _flow(tab: Any, server: str, name: str) -> None:
    tab.goto(f"{server}/exercises/{EXERCISE}?seed=3")
    tab.wait_for_function("document.querySelectorAll('.katex').length > 0")
    box = tab.locator("#answer")
    box.fill("")
    box.press_sequentially("2 x^T A", delay=20)
    tab.get_by_role("button", name="Check my answer").click()
    note = tab.locator("#feedback .misconception")
    note.wait_for()
    text = note.inner_text()
    assert "assumed symmetric" in text and "symmetric" in text.split("assumed symmetric", 1)[1]
    tab.screenshot(path=str(SHOTS / f"misconception-{name}.png"), full_page=True)

    while tab.locator("#open-solution").count() == 0:
        tab.locator("#hints a.button").first.click()
        tab.wait_for_timeout(150)
    tab.locator("#open-solution").click()
    highlighted = tab.locator("#solution-slot .solution-step.diverged")
    highlighted.wait_for()
    assert highlighted.count() == 1
    assert tab.locator("#solution-slot .solution-step").count() >= 3
    assert "left the path here" in highlighted.inner_text().lower()
    note_text = tab.locator("#diverged-note").inner_text()
    assert "2 x^T A" in note_text
    # the note names the step by its number and title, as the step's heading shows them
    number = highlighted.locator(".step-number").inner_text().rstrip(".").lower()
    title = highlighted.locator(".step-title").inner_text()
    assert number in note_text.lower() and title.split(". ", 1)[1].split("\n")[0][:12] in note_text
    tab.wait_for_function("document.querySelectorAll('#solution-slot .katex').length > 0")
    assert tab.locator("#solution-slot .katex-error").count() == 0
    highlighted.scroll_into_view_if_needed()
    box_ = highlighted.bounding_box()
    width = tab.viewport_size["width"]
    assert box_ is not None and box_["x"] >= 0 and box_["x"] + box_["width"] <= width + 1
    # the highlighted step's formulas fit its box: nothing hidden behind a scroll
    tab.wait_for_function("document.querySelectorAll('#diverged-step .katex').length > 0")
    assert highlighted.locator(".step-math").evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    # no horizontal scrolling of the whole page at this width
    assert tab.evaluate("document.documentElement.scrollWidth") <= width + 1
    tab.screenshot(path=str(SHOTS / f"solution-{name}-step.png"))  # the highlighted step in view
    tab.screenshot(path=str(SHOTS / f"solution-{name}.png"), full_page=True)


def test_misconception_and_worked_solution_desktop(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        _flow(tab, server, "1280")
    finally:
        context.close()


def test_misconception_and_worked_solution_phone(phone_page: Any, server: str) -> None:
    _flow(phone_page, server, "390")
