"""The JSON API: the grade and parse contracts of DESIGN §11, and 4xx (never 5xx) on bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.grading import Problem, grade

WX = {
    "variables": {"W": "3x4", "x": "4"},
    "function": "W x",
    "wrt": "x",
    "layout": "numerator",
}


def test_grade_names_the_transpose(client: TestClient) -> None:
    response = client.post("/api/v1/grade", json={**WX, "answer": "W^T", "seed": 11})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "incorrect"
    assert body["diagnosis"] == "transposed"
    assert body["expected_shape"] == [3, 4]
    assert body["answer_shape"] == [4, 3]
    assert body["seed"] == 11


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        (WX, "W"),
        (WX, "-W"),
        ({**WX, "layout": "denominator"}, "W"),
        (
            {"variables": {"x": "3"}, "function": "x^T x", "wrt": "x", "layout": "numerator"},
            "2 x^T",
        ),
        ({**WX, "wrt": ["x"]}, "W +"),
    ],
)
def test_api_verdicts_equal_the_library_grader(
    client: TestClient, line: dict[str, Any], answer: str
) -> None:
    response = client.post("/api/v1/grade", json={**line, "answer": answer, "seed": 5})
    assert response.status_code == 200
    body = response.json()
    wrt = line["wrt"] if isinstance(line["wrt"], list) else [line["wrt"]]
    expected = grade(
        Problem(
            variables=line["variables"], function=line["function"], wrt=wrt, layout=line["layout"]
        ),
        answer,
        seed=5,
    )
    expected_dict = expected if isinstance(expected, dict) else expected.to_dict()
    assert (body["verdict"], body["diagnosis"]) == (
        expected_dict["verdict"],
        expected_dict["diagnosis"],
    )


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"{not json", 422),
        (b"[1, 2, 3]", 422),
        (b'{"variables": {"W": "3x4"}}', 422),
        (b'{"variables": {"W": "100000x100000", "x": "100000"}, "function": "W x", '
         b'"wrt": "x", "answer": "W"}', 422),
        (b'{"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "y", '
         b'"answer": "W"}', 422),
        (b'{"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", '
         b'"layout": "sideways", "answer": "W"}', 422),
        (b'{"variables": "W", "function": 3, "wrt": "x", "answer": "W"}', 422),
    ],
)  # fmt: skip
def test_bad_grade_bodies_are_4xx_with_a_message(
    client: TestClient, content: bytes, status: int
) -> None:
    response = client.post(
        "/api/v1/grade", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_a_broken_problem_function_is_reported_like_the_cli_does(client: TestClient) -> None:
    response = client.post("/api/v1/grade", json={**WX, "function": "W x +", "answer": "W"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "invalid"
    assert "cannot be graded" in body["message"]


def test_an_oversized_answer_is_refused_before_grading(client: TestClient) -> None:
    response = client.post("/api/v1/grade", json={**WX, "answer": "W + " * 1000})
    assert response.status_code == 422
    assert "limit" in response.json()["detail"]


def test_an_oversized_body_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2_000)
    response = client.post("/api/v1/grade", json={**WX, "answer": "x" * 5_000})
    assert response.status_code == 413
    assert "larger than 2000 bytes" in response.json()["detail"]


def test_an_oversized_body_without_length_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2_000)

    def chunks() -> Any:
        for _ in range(10):
            yield b"x" * 500

    response = client.post(
        "/api/v1/grade", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_an_unparsable_answer_is_invalid_not_an_error(client: TestClient) -> None:
    response = client.post("/api/v1/grade", json={**WX, "answer": "W +* x"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "invalid"
    assert body["error"]["kind"] == "syntax"
    assert isinstance(body["error"]["position"], int)


def test_parse_reads_latex_and_shape(client: TestClient) -> None:
    response = client.post(
        "/api/v1/parse", json={"variables": {"W": "3x4", "x": "4"}, "expression": "W^T"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["shape"] == [4, 3]
    assert "W" in body["latex"]


def test_parse_reports_the_error_with_its_position(client: TestClient) -> None:
    response = client.post(
        "/api/v1/parse", json={"variables": {"W": "3x4", "x": "4"}, "expression": "W x)"}
    )
    body = response.json()
    assert response.status_code == 200
    assert body["ok"] is False
    assert body["error"]["kind"] == "syntax"
    assert body["error"]["position"] == 3


def test_parse_reports_shape_errors(client: TestClient) -> None:
    response = client.post(
        "/api/v1/parse", json={"variables": {"W": "3x4", "x": "3"}, "expression": "W x"}
    )
    body = response.json()
    assert body["ok"] is False and body["error"]["kind"] == "shape"


def test_parse_refuses_bad_declarations(client: TestClient) -> None:
    response = client.post("/api/v1/parse", json={"variables": {"W": "99999x3"}, "expression": "W"})
    assert response.status_code == 422


def test_exercises_are_listed_and_served_with_their_variant(client: TestClient) -> None:
    listing = client.get("/api/v1/exercises").json()["exercises"]
    assert {e["id"] for e in listing} == {"wx-jacobian", "xw-numeric"}
    one = client.get("/api/v1/exercises/wx-jacobian?seed=9")
    assert one.status_code == 200
    body = one.json()
    assert body["seed"] == 9
    assert body["variant"]["expected_shape"] == [3, 4]
    assert body["hint_count"] == 2
    assert client.get("/api/v1/exercises/none").status_code == 404
    assert client.get("/api/v1/exercises/wx-jacobian?seed=-1").status_code == 422


def test_unknown_api_routes_are_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_openapi_documents_the_api(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.text and "https://" not in docs.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/grade",
        "/api/v1/parse",
        "/api/v1/exercises",
        "/api/v1/exercises/{exercise_id}",
        "/api/v1/exercises/{exercise_id}/attempts",
        "/api/v1/attempts",
        "/healthz",
    ):
        assert path in paths


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True


def test_healthz_is_503_when_the_database_is_gone(make_client: Callable[..., TestClient]) -> None:
    client = make_client(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False
