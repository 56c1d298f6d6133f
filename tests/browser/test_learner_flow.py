"""What a learner sees in a real browser: math rendered, preview, feedback, progress,
phone width and keyboard-only use. Screenshots land in /tmp/shots for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

EXERCISE = "u03-core-wx"
SEED = 3  # a variant whose W is not square, so W^T has a different shape


def _answer(page: Any, text: str) -> None:
    box = page.locator("#answer")
    box.fill("")
    box.press_sequentially(text, delay=30)


def _open_exercise(page: Any, server: str) -> None:
    page.goto(f"{server}/exercises/{EXERCISE}?seed={SEED}")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")


def test_lesson_formulas_render(page: Any, server: str) -> None:
    page.goto(f"{server}/lessons/y-equals-wx")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    assert page.locator(".katex").count() >= 1
    assert page.locator(".katex-error").count() == 0
    page.screenshot(path=str(SHOTS / "lesson-y-equals-wx.png"), full_page=True)


def test_preview_feedback_and_progress(page: Any, server: str) -> None:
    _open_exercise(page, server)
    assert "not attempted yet" in page.locator("#progress").inner_text()
    _answer(page, "W^T")
    preview = page.locator("#preview .read-as")
    preview.locator(".katex").wait_for()
    shape = preview.locator(".shape").inner_text()
    variant = page.locator(".shapes").inner_text()
    assert "×" in shape and shape not in variant.split("the answer is")[1]
    page.screenshot(path=str(SHOTS / "exercise-preview.png"), full_page=True)

    page.get_by_role("button", name="Check my answer").click()
    feedback = page.locator("#feedback .feedback")
    feedback.wait_for()
    assert "incorrect" in (feedback.get_attribute("class") or "")
    assert "transpose" in feedback.inner_text()
    page.locator("#preview .katex").wait_for()  # the preview swapped in with the feedback
    assert "\\" not in page.locator("#preview").inner_text()
    page.screenshot(path=str(SHOTS / "exercise-transposed.png"), full_page=True)

    _answer(page, "W")
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback .feedback.correct").wait_for()
    assert "Correct" in page.locator("#feedback").inner_text()
    assert "solved on attempt 2" in page.locator("#progress").inner_text().lower()
    page.screenshot(path=str(SHOTS / "exercise-correct.png"), full_page=True)

    page.goto(f"{server}/lessons/y-equals-wx")
    assert page.locator(".badge.ok").count() >= 1


def test_a_syntax_error_shows_a_caret(page: Any, server: str) -> None:
    _open_exercise(page, server)
    _answer(page, "W x)")
    caret = page.locator("#preview pre.caret")
    caret.wait_for()
    assert caret.inner_text().splitlines()[1].index("^") == 3


def test_phone_width(phone_page: Any, server: str) -> None:
    page = phone_page
    _open_exercise(page, server)
    _answer(page, "W^T")
    page.locator("#preview .read-as .katex").wait_for()
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback .feedback").wait_for()
    assert "transpose" in page.locator("#feedback").inner_text()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways at phone width"
    page.screenshot(path=str(SHOTS / "phone-transposed.png"), full_page=True)
    _answer(page, "W")
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback .feedback.correct").wait_for()
    assert "solved on attempt 2" in page.locator("#progress").inner_text().lower()
    page.screenshot(path=str(SHOTS / "phone-correct.png"), full_page=True)
    page.goto(f"{server}/lessons")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(SHOTS / "phone-lessons.png"), full_page=True)


def test_keyboard_only(page: Any, server: str) -> None:
    _open_exercise(page, server)
    for _ in range(40):  # tab from the top of the page to the answer box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "answer":
            break
    else:
        pytest.fail("the answer box cannot be reached with Tab")
    page.keyboard.type("-W", delay=30)
    page.keyboard.press("Enter")
    feedback = page.locator("#feedback .feedback")
    feedback.wait_for()
    assert "sign" in feedback.inner_text().lower()
    # focus moved to the feedback; one step back is the button: submit again with Space
    # (focus moves once the swap has settled, a moment after the feedback appears)
    page.wait_for_function("!!document.activeElement.closest('#feedback')", timeout=5_000)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.evaluate("document.getElementById('answer').value = 'W'")
    page.keyboard.press("Space")
    page.locator("#feedback .feedback.correct").wait_for()
    page.screenshot(path=str(SHOTS / "keyboard-correct.png"), full_page=True)


def test_hints_are_revealed_one_at_a_time(page: Any, server: str) -> None:
    _open_exercise(page, server)
    page.get_by_role("link", name="Show a hint (1 of 2)").click()
    page.locator("#hints .hint-list li").first.wait_for()
    assert page.locator("#hints .hint-list li").count() == 1
    page.get_by_role("link", name="Show another hint (2 of 2)").click()
    page.wait_for_function("document.querySelectorAll('#hints .hint-list li').length === 2")
    assert "every hint" in page.locator("#hints").inner_text()


def test_no_request_leaves_the_server(page: Any, server: str) -> None:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    for path in ("/", "/lessons", "/lessons/y-equals-wx", f"/exercises/{EXERCISE}?seed=1", "/docs"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
    assert seen and all(url.startswith(server) for url in seen), [
        u for u in seen if not u.startswith(server)
    ]


def test_numeric_grid_with_the_keyboard(page: Any, server: str) -> None:
    page.goto(f"{server}/exercises/u01-core-jacobian-xy?seed=2")
    first = page.locator('input[name="cell-1-1"]')
    first.focus()
    page.keyboard.type("1.5")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.name") == "cell-1-2"
    page.keyboard.type("2")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.name") == "cell-2-2"
    page.keyboard.type("4")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")  # the first press moves the caret out of "4"
    assert page.evaluate("document.activeElement.name") == "cell-2-1"
    page.keyboard.type("-3")
    page.locator("#preview .read-as .katex").wait_for()
    assert "2×2" in page.locator("#preview").inner_text()
    page.keyboard.press("Enter")
    feedback = page.locator("#feedback .feedback")
    feedback.wait_for()
    classes = (feedback.get_attribute("class") or "").split()
    assert "incorrect" in classes or "correct" in classes
    page.screenshot(path=str(SHOTS / "numeric-grid.png"), full_page=True)
