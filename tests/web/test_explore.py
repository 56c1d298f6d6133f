"""``/explore``: the URL holds the problem, shapes are inferred, errors point into the
function, sizes are capped, derivations run in the workers, and "Practise this" grades."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

HX = {"HX-Request": "true"}
WX = "/explore?var=W=3x4&var=x=4&function=W%20x&wrt=x&layout=numerator"


def _links(page: str, pattern: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page) if pattern in h]


def test_the_url_holds_the_problem_and_every_link_keeps_it(client: TestClient) -> None:
    response = client.get(WX)
    assert response.status_code == 200
    page = response.text
    assert 'value="W=3x4"' in page and 'value="x=4"' in page
    assert 'id="function" name="function" type="text" value="W x"' in page
    assert 'value="numerator" selected' in page
    next_step = _links(page, "shown=2")
    assert next_step, "a link to the next step"
    params = parse_qs(urlsplit(next_step[0]).query)
    assert params["var"] == ["W=3x4", "x=4"]
    assert params["function"] == ["W x"] and params["wrt"] == ["x"]
    assert params["layout"] == ["numerator"]
    practise = _links(page, "/explore/practice?")
    assert parse_qs(urlsplit(practise[0]).query)["function"] == ["W x"]


def test_all_steps_give_both_views_and_the_result_in_the_answer_language(
    client: TestClient,
) -> None:
    page = client.get(WX + "&shown=100").text
    assert "Component view" in page and "Chain-rule view" in page
    assert page.count('class="step-title"') >= 6
    assert '<code class="answer-text">W</code>' in page
    assert "every step checked" in page


def test_the_layout_changes_the_result(client: TestClient) -> None:
    page = client.get(WX.replace("numerator", "denominator") + "&shown=100").text
    assert '<code class="answer-text">W^T</code>' in page


def test_htmx_gets_only_the_result(client: TestClient) -> None:
    response = client.get(WX + "&shown=2", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.count('class="step-title"') == 2
    assert '<div id="function-preview" class="preview" aria-live="polite" hx-swap-oob="true">' in (
        response.text
    )
    assert "We read your function as" in response.text


def test_a_function_error_is_shown_once_under_the_function(client: TestClient) -> None:
    page = client.get("/explore?var=W=3x4&var=x&function=W%20xx&wrt=x").text
    assert page.count('class="read-error"') == 1
    assert "Nothing to derive until the function reads" in page
    wrt_error = client.get("/explore?var=W=3x4&var=x&function=W%20x&wrt=z").text
    assert wrt_error.count('class="read-error"') == 1
    assert "z" in wrt_error


def test_left_out_shapes_are_inferred_and_the_page_says_so(client: TestClient) -> None:
    page = client.get(
        "/explore?var=W=3x4&var=b&function=tanh(W%20x%20%2B%20b)&wrt=x&shown=100"
    ).text
    assert "Inferred:" in page
    assert "b is a column vector of 3 entries" in page
    preview = page[page.index('id="function-preview"') :][:1500]
    assert "b is a column vector of 3 entries, as the function implies" in preview
    assert "x is a column vector of 4 entries" in page


@pytest.mark.parametrize(
    ("query", "message", "caret"),
    [
        ("var=x=4&function=x%20%2B%20*%20x&wrt=x", "Syntax", "x + * x\n    ^"),
        ("var=W=3x4&var=x&function=W%20xx&wrt=x", "did you mean", "W xx\n  ^"),
        ("var=W&var=x=4&function=W%20x&wrt=x", "the shape of W is not implied", "W x\n^"),
    ],
)
def test_errors_read_like_the_live_preview_with_a_caret(
    client: TestClient, query: str, message: str, caret: str
) -> None:
    response = client.get(f"/explore?{query}")
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert 'class="read-error"' in response.text
    assert message in page
    assert f'<pre class="caret" aria-label="where">{caret}</pre>' in page


def test_a_function_with_no_rule_says_so_without_a_crash(client: TestClient) -> None:
    response = client.get("/explore?var=A=3x3&var=x=3&function=det(A)%20x&wrt=A")
    assert response.status_code in (200, 422)
    assert "Internal" not in response.text


def test_sizes_are_capped_and_the_page_says_so(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    assert "Sizes up to 12 per axis" in client.get("/explore").text
    response = client.get("/explore?var=W=13x4&var=x&function=W%20x&wrt=x")
    assert response.status_code == 422
    assert "up to 12 entries per axis" in response.text
    small = make_client(explore_max_dim=3)
    assert "Sizes up to 3 per axis" in small.get("/explore").text
    refused = small.get("/explore?var=W=3x4&var=x&function=W%20x&wrt=x")
    assert refused.status_code == 422
    assert "W is 3x4: Explore derives functions of variables up to 3" in refused.text


def test_derivations_run_in_a_worker_under_its_time_limit(
    make_client: Callable[..., TestClient],
) -> None:
    """With a time limit no derivation can meet, the worker is killed and the page says so:
    a derivation run anywhere but in a worker would not be stopped."""
    client = make_client(grading_timeout=0.001, grading_workers=1)
    response = client.get("/explore?var=W=12x12&var=x=12&function=tanh(W%20x)&wrt=W")
    assert response.status_code == 422
    assert "took longer than" in response.text


def test_the_function_preview_reads_it_and_names_what_was_inferred(client: TestClient) -> None:
    page = client.get("/explore/preview?var=W=3x4&var=x&function=W%20x&wrt=x", headers=HX).text
    assert "We read your function as" in page
    assert "x is a column vector of 4 entries" in page
    bad = client.get("/explore/preview?var=x=4&function=x%20%2B&wrt=x", headers=HX).text
    assert 'class="caret"' in bad


PRACTICE = {"var": ["W=3x4", "x=4"], "function": "W x", "wrt": "x", "layout": "numerator"}


def test_practise_this_shows_the_problem_without_its_answer(client: TestClient) -> None:
    page = client.get("/explore/practice?var=W=3x4&var=x&function=W%20x&wrt=x").text
    assert "the answer is 3×4" in page
    assert "answer-text" not in page
    assert 'name="answer"' in page


@pytest.mark.parametrize(
    ("answer", "verdict", "text"),
    [("W", "correct", "Correct"), ("W^T", "incorrect", "transpose"), ("W +", "invalid", "")],
)
def test_practise_this_grades_against_finite_differences(
    client: TestClient, answer: str, verdict: str, text: str
) -> None:
    response = client.post("/explore/practice", data=PRACTICE | {"answer": answer}, headers=HX)
    assert response.status_code == 200
    assert f'class="feedback {verdict}"' in response.text
    assert text in response.text


def test_practise_this_takes_index_form_for_a_three_axis_derivative(client: TestClient) -> None:
    problem = {"var": ["W=3x4", "x=4"], "function": "W x", "wrt": "W", "layout": "numerator"}
    page = client.get(
        "/explore/practice?var=W=3x4&var=x=4&function=W%20x&wrt=W&layout=numerator"
    ).text
    assert "D[i, j, k]" in page
    right = client.post(
        "/explore/practice", data=problem | {"answer": "delta(i, j) x[k]"}, headers=HX
    )
    assert 'class="feedback correct"' in right.text
    wrong = client.post(
        "/explore/practice", data=problem | {"answer": "delta(i, k) x[j]"}, headers=HX
    )
    assert 'class="feedback correct"' not in wrong.text


def test_practise_this_without_javascript_renders_the_whole_page(client: TestClient) -> None:
    response = client.post("/explore/practice", data=PRACTICE | {"answer": "W"})
    assert "<html" in response.text and 'class="feedback correct"' in response.text


def test_home_and_every_lesson_link_to_explore(client: TestClient) -> None:
    from app.bank.curriculum import LESSONS

    assert 'href="/explore"' in client.get("/").text
    for lesson in LESSONS:
        assert 'href="/explore"' in client.get(f"/lessons/{lesson.slug}").text, lesson.slug


def test_the_function_preview_does_not_wait_for_the_variable_to_differentiate_by(
    client: TestClient,
) -> None:
    page = client.get("/explore/preview?var=W=3x4&var=x&function=tanh(W%20x%20%2B%20b)", headers=HX)
    assert page.status_code == 200
    assert "unknown name" in page.text.lower() and "add it to the variables" in page.text


def test_the_learners_function_is_read_and_derived_only_in_a_worker(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading, inferring and deriving the function never happen in the web process: they
    are broken here, and the pages still work, because the workers do that work."""

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the learner's function was read in the web process")

    import app.calculus.derivation as derivation
    import app.explore.declare as declare
    import app.explore.task as task

    for module, name in [(declare, "resolve"), (task, "read_function"), (task, "explore")]:
        monkeypatch.setattr(module, name, not_here)
    monkeypatch.setattr(derivation, "derive", not_here)
    page = client.get(WX.replace("W%20x", "W%20x%20%2B%200") + "&shown=100")
    assert page.status_code == 200 and "answer-text" in page.text
    preview = client.get("/explore/preview?var=W=3x4&var=x&function=W%20x%20-%20x", headers=HX)
    assert "read-error" in preview.text  # W x - x: 3x1 and 4x1, found by the worker
    practice = client.get("/explore/practice?var=W=3x4&var=x&function=W%20x%20%2B%201&wrt=x")
    assert "the answer is 3×4" in practice.text


def test_every_explore_route_is_admitted_by_a_gate(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Derivations and gradings wait at the grading gate, readings at the parse gate: a busy
    gate answers 503 with Retry-After instead of queueing work without bound."""
    from app.web.admission import Refused

    async def busy(*args: object, **kwargs: object) -> None:
        raise Refused("the tutor is busy", status=503, retry_after=3)

    tutor = client.app.state.tutor  # type: ignore[attr-defined]
    monkeypatch.setattr(tutor, "grading_job", busy)
    monkeypatch.setattr(tutor, "parsing_job", busy)
    problem = "var=W=3x4&var=x&function=W%20x&wrt=x"
    for response in [
        client.get(WX),
        client.get(f"/explore/preview?{problem}", headers=HX),
        client.get(f"/explore/practice?{problem}"),
        client.post("/explore/practice", data=PRACTICE | {"answer": "W"}, headers=HX),
        client.post("/explore/practice/preview", data=PRACTICE | {"answer": "W"}, headers=HX),
    ]:
        assert response.status_code == 503, response.url
        assert response.headers["Retry-After"] == "3"
    assert client.get("/explore").status_code == 200  # the empty page derives nothing
