"""Server-rendered MathML: formulas in text and in data-latex become MathML, safely."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.web.mathml import latex_to_mathml, mathml_page


def test_delimited_formulas_become_mathml() -> None:
    page = mathml_page(
        r"<p>Let \(y = Wx\) and $z$; then \[ \frac{\partial y}{\partial x} = W \]</p>"
    )
    assert page.count("<math") == 3
    assert 'data-latex="y = Wx"' in page and 'class="math display"' in page
    assert "<mfrac>" in page and "\\(" not in page


def test_data_latex_elements_get_mathml_instead_of_their_stand_in() -> None:
    page = mathml_page('<span class="math" data-latex="W^{\\top} x">W^T x</span> after')
    assert page.startswith('<span class="math" data-latex="W^{\\top} x"><math')
    assert "W^T x</span>" not in page and page.endswith("</span> after")


def test_code_pre_and_no_math_are_left_alone() -> None:
    source = r'<code>\(x\)</code><pre>$y$</pre><p class="no-math">$z$</p><textarea>\(w\)</textarea>'
    assert mathml_page(source) == source


def test_a_price_is_not_a_formula() -> None:
    assert "<math" not in mathml_page("<p>costs $5 and $ 6</p>")


def test_markup_smuggled_into_latex_is_removed() -> None:
    """Instructor LaTeX reaches pages: \\text{<img ...>} must not become an element."""
    for latex in (r"\text{<img src=x onerror=alert(1)>}", r"\href{javascript:alert(1)}{a}"):
        mathml = latex_to_mathml(latex) or ""
        assert "<img" not in mathml and "javascript" not in mathml and "onerror=" not in mathml
    page = mathml_page(r"<p>\(\text{&lt;script&gt;alert(1)&lt;/script&gt;}\)</p>")
    assert "<script>" not in page


def test_unreadable_latex_falls_back_to_its_source() -> None:
    page = mathml_page(r"<p>\(\notacommand{x}\)</p>")
    assert 'data-latex="\\notacommand{x}"' in page


def test_every_page_and_partial_is_rendered_with_mathml(client: TestClient) -> None:
    lesson = client.get("/lessons/y-equals-wx").text
    assert lesson.count("<math") >= 20 and "\\frac" not in lesson.split("data-latex")[0]
    exercise = client.get("/exercises/wx-jacobian?seed=3").text
    assert 'data-latex="y = Wx"><math' in exercise
    hints = client.get(
        "/exercises/wx-jacobian/hints?seed=3&shown=1", headers={"HX-Request": "true"}
    ).text
    assert "<math" in hints and "<html" not in hints
