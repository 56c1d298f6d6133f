"""/explore in a real browser, from the keyboard: declare, type a function, derive, read
the steps one by one with rendered math and the step's picture, and practise it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def test_typing_a_function_and_reading_its_steps_from_the_keyboard(page: Any, server: str) -> None:
    page.goto(f"{server}/explore")
    boxes = page.locator("input[name=var]")
    boxes.nth(0).focus()
    page.keyboard.type("W=3x4")
    page.keyboard.press("Tab")
    page.keyboard.type("x")
    page.locator("#function").focus()
    page.keyboard.type("tanh(W x + b)")
    page.wait_for_selector("#function-preview .read-error")  # b is not declared yet
    assert "add it to the variables" in page.locator("#function-preview").inner_text()
    boxes.nth(2).focus()
    page.keyboard.type("b")
    page.locator("#function").focus()
    page.keyboard.press("End")
    page.keyboard.type(" ")
    page.wait_for_selector("#function-preview .read-as .katex")
    assert "b is a column vector of 3 entries" in page.locator("#function-preview").inner_text()
    page.locator("input[name=wrt]").focus()
    page.keyboard.type("x")
    page.keyboard.press("Enter")
    page.wait_for_selector("#explore-result li.step .katex")
    assert page.locator("#explore-result li.step").count() == 1
    assert "wrt=x" in page.url and "function=tanh" in page.url
    page.locator("#next-step").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#explore-result li.step').length == 2")
    # the focus is on the step just revealed; Tab reaches "Next step" again
    page.wait_for_function(
        "document.activeElement && document.activeElement.matches('li.step')"
        " && document.activeElement.querySelector('.step-number').textContent.trim() === '2'"
    )
    page.locator("#next-step").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#explore-result li.step').length == 3")
    page.wait_for_selector("#picture svg.dataflow .node.lit")
    assert page.locator("#picture svg.jac-heatmap").count() == 1
    assert "∂u2/∂u1" in page.locator("#picture").inner_text()
    assert page.locator(".katex-error").count() == 0
    page.locator("text=show all steps").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".explore-answer code.answer-text")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'the-result'")
    answer = page.locator(".explore-answer code.answer-text").inner_text()
    assert "tanh" in answer
    page.screenshot(path=str(SHOTS / "explore-tanh-by-x.png"), full_page=True)

    page.locator("text=Practise this").click()
    page.wait_for_selector("#answer")
    page.locator("#answer").focus()
    page.keyboard.type(answer)
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback .feedback.correct")


def test_a_shared_url_opens_the_same_derivation_on_a_phone(phone_page: Any, server: str) -> None:
    url = f"{server}/explore?var=x=4&function=softmax(x)&wrt=x&layout=numerator&shown=100"
    phone_page.goto(url)
    phone_page.wait_for_selector(".explore-answer .katex")
    assert phone_page.input_value("#function") == "softmax(x)"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert phone_page.locator(".katex-error").count() == 0
    phone_page.screenshot(path=str(SHOTS / "explore-softmax-phone.png"), full_page=True)
