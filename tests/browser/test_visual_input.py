"""The visual math editor: offered beside the answer box, loaded only when asked, and what
is typed there becomes the answer language, is previewed and graded.

The round trip checks the conversion both ways on the language's constructs: an expression
is typeset by the language's own LaTeX printer, loaded into MathLive, read back as MathLive's
ASCII-math, converted, and must mean the same numbers as the expression it started from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.mathlang import check, evaluate, parse, to_latex
from app.web.visual_input import from_ascii_math
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

EXERCISE = "u03-core-wx"


def _open_editor(page: Any, server: str) -> Any:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(f"{server}/exercises/{EXERCISE}?seed=3")
    page.wait_for_function("document.querySelectorAll('.katex').length > 0")
    assert not any("mathlive" in url for url in seen), "MathLive loaded before it was asked for"
    toggle = page.locator("#visual-toggle")
    assert toggle.inner_text() == "Use the visual editor"
    toggle.click()
    field = page.locator("math-field")
    field.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert any("mathlive.min.js" in url for url in seen)
    return field


def test_the_visual_editor_produces_a_graded_answer(page: Any, server: str) -> None:
    field = _open_editor(page, server)
    page.wait_for_function(
        "document.activeElement && document.activeElement.tagName === 'MATH-FIELD'"
    )
    page.keyboard.type("W", delay=50)
    page.wait_for_function("document.getElementById('answer').value.trim() === 'W'")
    page.locator("#preview .read-as .katex").wait_for()
    assert "Read as: capital W" in page.locator("#preview").inner_text()
    page.screenshot(path=str(SHOTS / "visual-editor.png"), full_page=True)
    page.get_by_role("button", name="Check my answer").click()
    page.locator("#feedback .feedback.correct").wait_for()
    assert field.count() == 1


ROUND_TRIP = [
    "W^T x",
    "W x + b",
    "2 A^T (A x - b)",
    "x .* y",
    "x ./ y",
    "relu(W x)",
    "sigmoid(z)",
    "exp(x) .* x",
    "diag(x) W^T",
    "tanh(W x + b)",
    "A^-1 b",
    "(x^T x) A",
    "sqrt(x .* x)",
    "[[1, 2], [3, 4]] b",
    "log(exp(x))",
    "step(z) .* z",
    "W^T (x - y) / 2",
]


def test_the_conversion_round_trips_the_languages_constructs(page: Any, server: str) -> None:
    _open_editor(page, server)
    rng = np.random.default_rng(7)
    values = {
        "W": rng.normal(size=(2, 2)),
        "A": rng.normal(size=(2, 2)),
        "x": rng.uniform(0.5, 2.0, size=(2, 1)),
        "y": rng.uniform(0.5, 2.0, size=(2, 1)),
        "z": rng.normal(size=(2, 1)),
        "b": rng.normal(size=(2, 1)),
    }
    shapes = {name: value.shape for name, value in values.items()}
    latex = [to_latex(parse(text)) for text in ROUND_TRIP]
    asciis = page.evaluate(
        """(all) => { const f = document.querySelector('math-field');
            return all.map(t => { f.setValue(t); return f.getValue('ascii-math'); }); }""",
        latex,
    )
    for text, source, ascii_math in zip(ROUND_TRIP, latex, asciis, strict=True):
        back = from_ascii_math(ascii_math, values)
        want = evaluate(check(parse(text), shapes), values)
        got = evaluate(check(parse(back), shapes), values)
        assert np.allclose(got, want), (text, source, ascii_math, back)
