"""An attempt graded before an edit keeps its version on the dashboard and in the CSV."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.web import test_author_support as support

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon
instructor = support.instructor


def _answer(learner: TestClient, answer: str) -> None:
    response = learner.post("/api/v1/exercises/t-wx/attempts", json={"answer": answer, "seed": 2})
    assert response.status_code == 200, response.text


def test_attempts_before_and_after_an_edit_keep_their_versions(
    instructor: tuple[TestClient, str],
) -> None:
    client, token = instructor
    made = client.post("/author/new", data={**support.GOOD_FIELDS, "csrf_token": token})
    assert made.status_code in (200, 303), made.text
    learner = TestClient(client.app)
    _answer(learner, "W")
    _answer(learner, "W^T")
    edited = {**support.GOOD_FIELDS, "prompt": "Now: give $\\partial (Wx) / \\partial x$.\n"}
    saved = client.post("/author/exercises/t-wx", data={**edited, "csrf_token": token})
    assert saved.status_code in (200, 303), saved.text
    _answer(learner, "W")
    rows = list(csv.DictReader(io.StringIO(client.get("/author/attempts.csv").text)))
    mine = [r for r in rows if r["exercise_id"] == "t-wx"]
    assert [r["exercise_version"] for r in mine] == ["1", "1", "2"]
    assert mine[0]["content_hash"] == mine[1]["content_hash"] != mine[2]["content_hash"]
    assert all(len(r["content_hash"]) == 64 for r in mine)
    page = client.get("/author/dashboard/t-wx").text
    table = page[page.index('id="versions"') : page.index("</table>", page.index('id="versions"'))]
    assert '<tr data-version="1"><td>v1</td><td class="num">2</td>' in table
    assert '<tr data-version="2"><td>v2</td><td class="num">1</td>' in table
