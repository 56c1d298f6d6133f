"""Attempts through the API and the forms: stored for the calling learner, and only theirs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient


def form_token(client: TestClient, exercise_id: str) -> str:
    """The CSRF token the exercise page hands this learner's answer form."""
    page = client.get(f"/exercises/{exercise_id}").text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match, "the answer form carries no CSRF token"
    return match.group(1)


def submit(
    client: TestClient, exercise_id: str, *, data: dict[str, str], **kw: Any
) -> httpx.Response:
    """Post the answer form as the page would, with its token."""
    token = form_token(client, exercise_id)
    return client.post(f"/exercises/{exercise_id}/submit", data=data | {"csrf_token": token}, **kw)


def test_an_attempt_is_graded_stored_and_listed(client: TestClient) -> None:
    response = client.post(
        "/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W^T", "seed": 4}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "incorrect" and body["diagnosis"] == "transposed"
    assert isinstance(body["attempt_id"], int)
    listed = client.get("/api/v1/attempts").json()["attempts"]
    assert [(a["id"], a["answer"], a["seed"]) for a in listed] == [(body["attempt_id"], "W^T", 4)]
    assert listed[0]["counted"] is True
    assert listed[0]["created_at"].endswith("+00:00")


def test_invalid_attempts_are_stored_but_not_counted(client: TestClient) -> None:
    body = client.post(
        "/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W +", "seed": 1}
    ).json()
    assert body["verdict"] == "invalid"
    assert body["counted"] is False
    [stored] = client.get("/api/v1/attempts").json()["attempts"]
    assert stored["counted"] is False


def test_learners_see_only_their_own_attempts(make_client: Callable[..., TestClient]) -> None:
    alice = make_client()
    bob = TestClient(alice.app)
    alice.post("/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W"})
    bob.post("/api/v1/exercises/wx-jacobian/attempts", json={"answer": "-W"})
    bob.post("/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W^T"})
    assert [a["answer"] for a in alice.get("/api/v1/attempts").json()["attempts"]] == ["W"]
    assert sorted(a["answer"] for a in bob.get("/api/v1/attempts").json()["attempts"]) == [
        "-W",
        "W^T",
    ]
    stranger = TestClient(alice.app)
    assert stranger.get("/api/v1/attempts").json()["attempts"] == []


def test_the_learner_cookie_is_signed_httponly_and_lax(client: TestClient) -> None:
    response = client.get("/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("jtutor_learner=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    again = client.get("/lessons")
    assert "set-cookie" not in again.headers  # the same learner on the next visit


def test_the_cookie_is_secure_behind_https(make_client: Callable[..., TestClient]) -> None:
    client = make_client(https=True)
    assert "Secure" in client.get("/").headers["set-cookie"]


def test_a_forged_cookie_gets_a_new_learner(client: TestClient) -> None:
    client.post("/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W"})
    client.cookies.clear()
    client.cookies.set("jtutor_learner", "someone-else")
    assert client.get("/api/v1/attempts").json()["attempts"] == []


def test_submitting_the_form_grades_stores_and_updates_progress(client: TestClient) -> None:
    wrong = submit(
        client,
        "wx-jacobian",
        data={"answer": "W^T", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert wrong.status_code == 200
    assert "<html" not in wrong.text
    assert "transpose" in wrong.text
    assert "3×4" in wrong.text and "4×3" in wrong.text
    assert 'id="progress"' in wrong.text and "hx-swap-oob" in wrong.text
    right = submit(
        client,
        "wx-jacobian",
        data={"answer": "W", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert "Correct" in right.text
    assert "solved" in right.text
    assert "1 of 2 exercises solved" in client.get("/").text
    assert "solved" in client.get("/lessons/y-equals-wx").text


def test_the_form_works_without_javascript(client: TestClient) -> None:
    response = submit(client, "wx-jacobian", data={"answer": "-W", "seed": "3"})
    assert response.status_code == 200
    assert "<html" in response.text
    assert "sign" in response.text.lower()
    assert ">-W</textarea>" in response.text


def test_a_wrong_entry_answer_shows_a_heat_map(client: TestClient) -> None:
    response = submit(
        client,
        "wx-jacobian",
        data={"answer": "W .* [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 2]]", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert "Not quite" in response.text
    assert '<svg class="heatmap"' in response.text
    assert response.text.count("<rect") == 12


def test_a_numeric_grid_is_submitted_as_a_matrix_literal(client: TestClient) -> None:
    data = {"seed": "2"} | {f"cell-{i}-{j}": "1.5" for i in (1, 2) for j in (1, 2, 3)}
    response = submit(client, "xw-numeric", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    [stored] = client.get("/api/v1/attempts").json()["attempts"]
    assert stored["answer"] == "[[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]"


def test_a_grid_keeps_its_cells_on_a_full_page_post(client: TestClient) -> None:
    data = {"seed": "2"} | {f"cell-{i}-{j}": f"{i}.{j}" for i in (1, 2) for j in (1, 2, 3)}
    page = submit(client, "xw-numeric", data=data)
    assert "<html" in page.text
    assert 'value="2.3"' in page.text and 'value="1.1"' in page.text


def test_an_empty_grid_cell_is_a_422_naming_the_cell(client: TestClient) -> None:
    data = {"seed": "2", "cell-1-1": "1"}
    response = submit(client, "xw-numeric", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "row 1, column 2" in response.text


def test_the_preview_shows_latex_and_shape_or_a_caret(client: TestClient) -> None:
    ok = client.post(
        "/exercises/wx-jacobian/preview",
        data={"answer": "W^T", "seed": "1"},
        headers={"HX-Request": "true"},
    )
    assert "read your answer as" in ok.text
    assert "4×3" in ok.text
    bad = client.post(
        "/exercises/wx-jacobian/preview",
        data={"answer": "W x)", "seed": "1"},
        headers={"HX-Request": "true"},
    )
    assert "W x)\n   ^" in bad.text


def test_the_answer_form_needs_its_token(client: TestClient) -> None:
    """A page on another site cannot submit answers in a learner's name."""
    client.get("/exercises/wx-jacobian")
    forged = client.post("/exercises/wx-jacobian/submit", data={"answer": "W", "seed": "3"})
    assert forged.status_code == 403
    other = client.post(
        "/exercises/wx-jacobian/submit",
        data={"answer": "W", "seed": "3", "csrf_token": "0" * 64},
    )
    assert other.status_code == 403
    assert client.get("/api/v1/attempts").json()["attempts"] == []
    assert submit(client, "wx-jacobian", data={"answer": "W", "seed": "3"}).status_code == 200
    assert len(client.get("/api/v1/attempts").json()["attempts"]) == 1


PAGING_REFUSED = [
    {"offset": "-1"},
    {"offset": "9223372036854775808"},  # 2**63: past a 64-bit integer
    {"offset": str(10**30)},
    {"offset": "1000000001"},
    {"limit": "-1"},
    {"limit": "0"},
    {"limit": "501"},
    {"limit": "9223372036854775808"},
    {"offset": "1.5"},
    {"limit": "ten"},
]


@pytest.mark.parametrize(
    "params", PAGING_REFUSED, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_paging_outside_its_range_is_a_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/v1/attempts", params=params)
    assert response.status_code == 422, response.text
    assert next(iter(params)) in response.text


def test_paging_at_its_limits_is_answered(client: TestClient) -> None:
    client.post("/api/v1/exercises/wx-jacobian/attempts", json={"answer": "W", "seed": 1})
    far = client.get("/api/v1/attempts", params={"offset": "1000000000", "limit": "500"})
    assert far.status_code == 200 and far.json() == {"attempts": [], "solution_views": []}
    first = client.get("/api/v1/attempts", params={"offset": "0", "limit": "1"}).json()
    assert len(first["attempts"]) == 1


@pytest.mark.parametrize("seed", ["-1", "2147483648", "9223372036854775808", str(10**40), "x"])
def test_a_seed_outside_its_range_is_a_4xx_everywhere(client: TestClient, seed: str) -> None:
    assert client.get(f"/api/v1/exercises/wx-jacobian?seed={seed}").status_code == 422
    assert client.get(f"/exercises/wx-jacobian?seed={seed}").status_code == 422
    body: Any = {"answer": "W", "seed": seed}
    posted = client.post("/api/v1/exercises/wx-jacobian/attempts", json=body)
    assert posted.status_code == 422


def test_a_comma_decimal_in_a_grid_cell_is_one_number(client: TestClient) -> None:
    """0,5 in a cell is the learner's decimal comma, not two entries of a longer row."""
    cells = {f"cell-{i}-{j}": "0" for i in (1, 2) for j in (1, 2, 3)}
    response = submit(
        client,
        "xw-numeric",
        data={**cells, "cell-1-1": "0,5", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "same number of entries" not in response.text
    assert "[[0.5, 0, 0], [0, 0, 0]]" in client.get("/api/v1/attempts").text
    other = submit(
        client,
        "xw-numeric",
        data={**cells, "cell-2-3": "1,2,3", "seed": "3"},
        headers={"HX-Request": "true"},
    )
    assert other.status_code == 422 and "row 2, column 3" in other.text
