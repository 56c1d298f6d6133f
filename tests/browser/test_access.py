"""A page that works for everyone: without JavaScript, from the keyboard, at phone width.

- with JavaScript off, formulas are MathML sent by the server;
- after every htmx swap (hint, step, feedback, worked-example sizes) keyboard focus is on
  the new content, not on the page body;
- at 390 px a wide formula scrolls inside its box and says so; the page never scrolls
  sideways; grid cells hold "-0.0625" whole; the answer box grows with long answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

FOCUS_INSIDE = "(sel) => { const a = document.activeElement; return !!(a && a.closest(sel)); }"


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a full-page POST waits for grading on a busy machine
    yield tab
    context.close()


def test_without_javascript_a_lesson_holds_mathml(no_js_page: Any, server: str) -> None:
    page = no_js_page
    page.goto(f"{server}/lessons/y-equals-wx")
    maths = page.locator("math")
    assert maths.count() >= 20
    assert page.locator(".katex").count() == 0  # nothing drew them but the server
    text = page.locator("main").inner_text()
    assert "\\(" not in text and "\\frac" not in text and "\\partial" not in text
    # the key result, ∂y/∂x = W, is a fraction in MathML
    assert page.locator("math mfrac").count() >= 1
    page.screenshot(path=str(SHOTS / "no-js-y-equals-wx.png"), full_page=True)


def test_without_javascript_an_exercise_reads_and_answers(no_js_page: Any, server: str) -> None:
    page = no_js_page
    page.goto(f"{server}/exercises/u03-core-wx?seed=3")
    assert page.locator(".prompt math").count() >= 1
    page.locator("#answer").fill("W")
    page.get_by_role("button", name="Check my answer").click()
    page.locator(".feedback.correct").wait_for()
    assert page.locator("#preview math").count() >= 1


def _open_exercise(page: Any, server: str, exercise: str = "u03-core-wx") -> None:
    page.goto(f"{server}/exercises/{exercise}?seed=3")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")


def test_focus_moves_to_each_revealed_hint(page: Any, server: str) -> None:
    _open_exercise(page, server)
    page.get_by_role("link", name="Show a hint (1 of 2)").focus()
    page.keyboard.press("Enter")
    page.locator("#hints .hint-list li").first.wait_for()
    page.wait_for_function(f"({FOCUS_INSIDE})('#hints .hint-list li:nth-child(1)')")
    # Tab reaches the next "Show another hint" link, and Enter reveals the second hint
    page.keyboard.press("Tab")
    assert "another hint" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_function(f"({FOCUS_INSIDE})('#hints .hint-list li:nth-child(2)')")


def test_focus_moves_to_the_feedback(page: Any, server: str) -> None:
    _open_exercise(page, server)
    page.locator("#answer").focus()
    page.keyboard.type("W^T", delay=20)
    page.keyboard.press("Enter")
    page.locator("#feedback .feedback").wait_for()
    page.wait_for_function(f"({FOCUS_INSIDE})('#feedback .feedback')")
    assert "transpose" in page.evaluate("document.activeElement.textContent")


def test_focus_moves_to_each_revealed_step(page: Any, server: str) -> None:
    page.goto(f"{server}/lessons/y-equals-wx")
    page.wait_for_selector("#steps-wx li.step")
    button = page.locator("#next-wx button.reveal")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#steps-wx li.step').length == 2")
    page.wait_for_function(f"({FOCUS_INSIDE})('#steps-wx li.step:nth-child(2)')")
    page.keyboard.press("Tab")  # the next reveal button follows the new step
    assert "Reveal step 3" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_function(f"({FOCUS_INSIDE})('#steps-wx li.step:nth-child(3)')")


def test_focus_stays_on_a_size_control_when_the_example_is_redrawn(page: Any, server: str) -> None:
    page.goto(f"{server}/lessons/dy-dw")
    page.wait_for_selector("#d-dydw .derivation")
    size = page.locator("#d-dydw input[name=m]")
    size.focus()
    page.keyboard.press("ArrowDown")  # a number input: changes the value and fires change
    page.keyboard.press("Tab")
    page.wait_for_function(
        "document.querySelector('#d-dydw .derivation-result').textContent.includes('2 × 2 × 4')"
    )
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('#d-dydw') !== null"
    )


def test_phone_width_formulas_scroll_in_their_box(phone_page: Any, server: str) -> None:
    page = phone_page
    page.goto(f"{server}/lessons/neuron-gradient")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    page.wait_for_timeout(300)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways at phone width"
    wide = page.locator(".math.display.scrolls")
    assert wide.count() >= 1, "no wide formula is marked as scrolling"
    first = wide.first
    assert first.evaluate("el => el.scrollWidth > el.clientWidth")
    assert first.get_attribute("tabindex") == "0"  # reachable and scrollable by keyboard
    after = first.evaluate("el => { el.scrollLeft = 40; return el.scrollLeft; }")
    assert after > 0
    hint = first.evaluate("el => getComputedStyle(el, '::after').content")
    assert "scroll" in hint
    page.screenshot(path=str(SHOTS / "phone-neuron-gradient.png"), full_page=True)


def test_phone_width_grid_cells_and_answer_box(phone_page: Any, server: str) -> None:
    page = phone_page
    page.goto(f"{server}/exercises/u01-core-jacobian-xy?seed=2")
    cell = page.locator('input[name="cell-1-1"]')
    cell.fill("-0.0625")
    assert cell.evaluate("el => el.scrollWidth <= el.clientWidth")
    header = page.locator('.grid-table th[scope="col"]').first
    assert header.inner_text() == "column 1"
    assert page.locator('.grid-table th[scope="row"]').first.inner_text() == "row 1"
    page.goto(f"{server}/exercises/u03-core-wx?seed=3")
    box = page.locator("#answer")
    before = box.evaluate("el => el.clientHeight")
    box.fill("")
    box.press_sequentially(" + ".join(["W"] + ["0 W"] * 20), delay=2)
    grown = box.evaluate("el => el.clientHeight")
    assert grown > before
    assert box.evaluate("el => el.scrollHeight <= el.clientHeight + 2")
    page.screenshot(path=str(SHOTS / "phone-long-answer.png"), full_page=True)
