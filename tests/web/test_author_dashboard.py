"""The instructor's dashboard and the CSV of every attempt."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from app.store.instructors import CSV_COLUMNS
from app.web.charts import bar_chart
from app.web.routes.author_dashboard import csv_cell
from tests.web import test_author_support as support

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon
instructor = support.instructor

EXERCISE = "u03-core-wx"


def _answer(learner: TestClient, answer: str, seed: int = 3) -> dict[str, object]:
    response = learner.post(
        f"/api/v1/exercises/{EXERCISE}/attempts", json={"answer": answer, "seed": seed}
    )
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def _learners(client: TestClient) -> tuple[TestClient, TestClient]:
    alice, bob = TestClient(client.app), TestClient(client.app)
    _answer(alice, "W W")  # invalid: not counted, so not her first try
    _answer(alice, "W^T")  # incorrect, transposed: her first counted try
    _answer(alice, "W")
    _answer(bob, "W")
    _answer(bob, "-W")
    return alice, bob


def test_dashboard_counts_attempts_learners_and_first_tries(
    instructor: tuple[TestClient, str],
) -> None:
    client, _ = instructor
    _learners(client)
    page = client.get("/author/dashboard")
    assert page.status_code == 200
    row = re.search(rf'<tr data-exercise="{EXERCISE}">(.*?)</tr>', page.text, re.DOTALL)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells == ["5", "2", "50%"]
    untouched = re.search(r'<tr data-exercise="u04-core-xw">(.*?)</tr>', page.text, re.DOTALL)
    assert untouched is not None and "–" in untouched.group(1)


def test_exercise_dashboard_charts_diagnoses_and_lists_wrong_answers(
    instructor: tuple[TestClient, str],
) -> None:
    client, _ = instructor
    _learners(client)
    page = client.get(f"/author/dashboard/{EXERCISE}").text
    assert 'data-stat="attempts">5<' in page and 'data-stat="learners">2<' in page
    assert 'data-stat="first-try">50%<' in page
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count("<rect") == 2
    assert "transposed: 1" in chart and "sign: 1" in chart
    wrong = page[page.index('id="wrong-answers"') :]
    assert "<code>-W</code>" in wrong and "<code>W^T</code>" in wrong
    assert "<code>W W</code>" not in wrong  # invalid answers are not wrong answers
    assert "transpose" in wrong.lower()  # the feedback the learner got


def test_csv_has_one_row_per_attempt(instructor: tuple[TestClient, str]) -> None:
    client, _ = instructor
    alice, _ = _learners(client)
    response = client.get("/author/attempts.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 5
    assert [r["answer"] for r in rows] == ["W W", "W^T", "W", "W", "'-W"]
    assert [r["verdict"] for r in rows] == [
        "invalid",
        "incorrect",
        "correct",
        "correct",
        "incorrect",
    ]
    assert [r["counted"] for r in rows] == ["false", "true", "true", "true", "true"]
    assert rows[1]["diagnosis"] == "transposed" and rows[1]["message"]
    assert len({r["learner_id"] for r in rows}) == 2
    assert all(r["exercise_id"] == EXERCISE and r["seed"] == "3" for r in rows)
    alice_ids = {a["id"] for a in alice.get("/api/v1/attempts").json()["attempts"]}
    assert alice_ids == {int(r["attempt_id"]) for r in rows[:3]}


def test_csv_cells_cannot_start_a_spreadsheet_formula() -> None:
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_cell("+1") == "'+1" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("W^T") == "W^T" and csv_cell(3) == 3


def test_bar_chart_escapes_labels_and_scales_bars() -> None:
    svg = str(bar_chart([("<b>x</b>", 4), ("sign", 2)], title="t & u"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "t &amp; u" in svg
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert str(bar_chart([], title="none")) == ""


def test_the_dashboard_shows_a_skill_by_learner_heat_map(
    instructor: tuple[TestClient, str],
) -> None:
    client, _ = instructor
    assert "No learner has answered yet." in client.get("/author/dashboard").text
    _learners(client)
    page = client.get("/author/dashboard").text
    table = page[page.index('id="skill-heat-map"') :]
    assert len(re.findall(r'<tr data-learner="([^"]+)">', table)) == 2
    # alice: transposed, then right (layout shown twice); bob: right, then a sign slip
    assert re.search(r'class="num heat-\d+" data-skill="layout" title="2 answers"', table)
    assert re.search(r'class="num heat-\d+" data-skill="chain_rule" title="1 answer"', table)
    assert re.search(r'class="num heat-none" data-skill="batches"', table)


def test_exercise_dashboard_charts_misconceptions_with_an_example_and_solutions_opened(
    instructor: tuple[TestClient, str],
) -> None:
    client, _ = instructor
    exercise = "u02-quadratic-gradient"
    alice, bob = TestClient(client.app), TestClient(client.app)
    for learner, answer in ((alice, "2 A x"), (bob, "2 A^T x"), (bob, "A x"), (alice, "3 A x")):
        response = learner.post(
            f"/api/v1/exercises/{exercise}/attempts", json={"answer": answer, "seed": 4}
        )
        assert response.status_code == 200
    assert alice.get(f"/api/v1/exercises/{exercise}/solution?seed=4").status_code == 200
    page = client.get(f"/author/dashboard/{exercise}").text
    assert 'data-stat="solutions">1<' in page
    openings = page[page.index('id="solution-openings"') : page.index("Latest wrong answers")]
    assert len(re.findall(r"<tr><td><code>[^<]+</code></td><td>4</td>", openings)) == 1
    assert "<td>4</td><td>–</td>" in openings  # alice's last wrong answer, 3 A x, named none
    section = page[page.index("Most common misconceptions") : page.index("Latest wrong answers")]
    chart = section[section.index("<svg") : section.index("</svg>")]
    assert "assumed symmetric: 2" in chart and "product rule one term: 1" in chart
    table = section[section.index('id="misconceptions"') :]
    rows = re.findall(
        r"<tr><td><code>(\w+)</code></td><td>(\d+)</td><td><code>([^<]*)</code>", table
    )
    assert rows[0][:2] == ("assumed_symmetric", "2") and rows[0][2] in ("2 A x", "2 A^T x")
    assert rows[1] == ("product_rule_one_term", "1", "A x")
