"""Exam mode turns off the public grade and derive endpoints (and /explore), nothing else."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

PROBLEM = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}


def _probe(client: TestClient) -> dict[str, int]:
    return {
        "grade": client.post("/api/v1/grade", json={**PROBLEM, "answer": "W"}).status_code,
        "derive": client.post("/api/v1/derive", json=PROBLEM).status_code,
        "explore": client.get("/explore").status_code,
        "parse": client.post(
            "/api/v1/parse", json={"variables": PROBLEM["variables"], "expression": "W x"}
        ).status_code,
        "attempt": client.post(
            "/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W", "seed": 1}
        ).status_code,
        "exercise": client.get("/exercises/wx-jacobian").status_code,
    }


def test_exam_mode_turns_off_grade_derive_and_explore_only(
    make_client: Callable[..., TestClient],
) -> None:
    usual = _probe(make_client())
    assert usual == {k: 200 for k in usual} | {"attempt": usual["attempt"]}
    assert usual["attempt"] in (200, 201)
    exam = make_client(exam_mode=True)
    during = _probe(exam)
    assert during == usual | {"grade": 403, "derive": 403, "explore": 403}
    refused = exam.post("/api/v1/grade", json={**PROBLEM, "answer": "W"})
    assert "exam mode" in refused.json()["detail"]
    page = exam.get("/explore")
    assert "exam mode" in page.text and "<html" in page.text
    assert exam.post("/api/v1/derive", json={"not": "valid"}).status_code == 403


def test_exam_mode_hides_the_links_to_explore(make_client: Callable[..., TestClient]) -> None:
    """A link to a page that answers 403 during the exam is not offered."""
    pages = ("/", "/lessons/y-equals-wx")
    usual = make_client()
    assert all('href="/explore"' in usual.get(p).text for p in pages)
    exam = make_client(exam_mode=True)
    assert not any('href="/explore"' in exam.get(p).text for p in pages)
