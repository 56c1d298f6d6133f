"""Markdown sanitising, the heat map and the plain-words text helpers."""

from __future__ import annotations

import re

import pytest

from app.grading.messages import diagnosis_text, feedback_text
from app.grading.result import GradeResult
from app.web.formatting import matrix_latex, shape_text
from app.web.heatmap import heatmap_svg
from app.web.markdown import render_markdown


def test_markdown_renders_and_keeps_math_verbatim() -> None:
    html = str(render_markdown("Give **dy/dx** for $y_i = \\sum_k W_{ik} x_k$ and $$a*b*c$$"))
    assert "<strong>dy/dx</strong>" in html
    assert "$y_i = \\sum_k W_{ik} x_k$" in html
    assert "$$a*b*c$$" in html
    assert "<em>" not in html


def test_markdown_strips_active_content() -> None:
    html = str(
        render_markdown(
            '<script>alert(1)</script> <a href="javascript:alert(1)" onclick="x">a</a> '
            "[b](javascript:alert(2)) [c](https://example.org)"
        )
    )
    assert "<script" not in html and '<a href="javascript' not in html
    assert "onclick" not in html.replace("&quot;", '"').split("&lt;")[0]
    assert 'href="https://example.org"' in html


def test_the_sanitiser_removes_what_markdown_itself_lets_through() -> None:
    """markdown-it (with raw HTML off) still emits images and data: links; only nh3 stands
    between them and the page: no tracking image, no data: URL, links marked rel=noopener."""
    html = str(
        render_markdown(
            "![t](https://tracker.example/p.png) [x](data:image/png;base64,AAAA) "
            "[y](https://example.org)"
        )
    )
    assert "<img" not in html and "tracker.example" not in html
    assert "data:" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">y</a>' in html


def test_the_sanitiser_holds_even_if_markdown_passed_raw_html(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second line of defence: were raw HTML ever switched on in the Markdown renderer,
    nh3 would still drop scripts, handlers, frames and styles."""
    from markdown_it import MarkdownIt

    from app.web import markdown

    monkeypatch.setattr(markdown, "_md", MarkdownIt("commonmark", {"html": True}))
    html = str(
        render_markdown(
            "<script>alert(1)</script>\n\n"
            '<p onclick="x()" style="position:fixed">d</p> <iframe src="https://evil"></iframe> '
            '<a href="javascript:alert(2)">j</a> <em>kept</em>'
        )
    )
    assert "<script" not in html and "alert(1)" not in html
    assert "onclick" not in html and "style=" not in html and "<iframe" not in html
    assert "javascript:" not in html
    assert "<em>kept</em>" in html and ">d</p>" in html


def test_math_with_html_inside_is_escaped() -> None:
    html = str(render_markdown("$<img src=x onerror=alert(1)>$"))
    assert "<img" not in html
    assert "&lt;img" in html


def test_heatmap_draws_one_cell_per_entry_darkest_where_furthest() -> None:
    svg = str(heatmap_svg([[0.0, 0.5, 0.0], [0.0, 0.0, 1.0]]))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    opacities = [float(x) for x in re.findall(r'fill-opacity="([0-9.]+)"', svg)]
    assert len(opacities) == 6
    assert opacities[5] == 1.0 and opacities[1] == 0.5 and opacities[0] == 0.0
    assert "entry (2, 3)" in svg


def test_heatmap_folds_extra_axes_and_ignores_garbage() -> None:
    svg = str(heatmap_svg([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]]))
    assert svg.count("<rect") == 8
    assert str(heatmap_svg([])) == ""
    assert str(heatmap_svg([[1.0], [1.0, 2.0]])) == ""
    assert str(heatmap_svg("<script>")) == ""


def test_heatmap_is_capped() -> None:
    svg = str(heatmap_svg([[1.0] * 100 for _ in range(100)]))
    assert svg.count("<rect") == 40 * 40


def test_shape_and_matrix_text() -> None:
    assert shape_text([3, 4]) == "3×4"
    assert shape_text([3, 3, 4]) == "3×3×4"
    assert shape_text(None) == "?"
    assert matrix_latex([[1, 2], [3, 4.5]]) == r"\begin{bmatrix}1 & 2 \\ 3 & 4.5\end{bmatrix}"
    assert matrix_latex(2.0) == "2"


def test_diagnosis_text_explains_each_mistake() -> None:
    def text(**fields: object) -> str:
        return diagnosis_text(GradeResult(seed=1, verdict="incorrect", **fields), "numerator")  # type: ignore[arg-type]

    transposed = text(diagnosis="transposed")
    assert "denominator-layout" in transposed and "numerator layout" in transposed
    shape = text(diagnosis="wrong_shape", expected_shape=[3, 4], answer_shape=[3, 1])
    assert "3×1" in shape and "3×4" in shape and "axes" in shape
    assert "factor of 2" in text(diagnosis="scaled", factor=2.0)
    assert "sign" in text(diagnosis="sign")
    assert text(diagnosis=None) == ""


@pytest.mark.parametrize(
    ("instances", "words"), [(1, "at 1 random instance."), (3, "at 3 random instances.")]
)
def test_the_success_line_counts_its_instances(instances: int, words: str) -> None:
    result = GradeResult(seed=1, verdict="correct", message="Correct.", instances=instances)
    assert feedback_text(result).endswith(words)
    assert "at 1 random instances" not in feedback_text(result)


def test_a_correct_answer_under_any_layout_names_its_layout() -> None:
    result = GradeResult(seed=1, verdict="correct", instances=3, layout="denominator")
    assert feedback_text(result, "any").endswith("It is in denominator layout.")
    assert "layout" not in feedback_text(result, "numerator")
