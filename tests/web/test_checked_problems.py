"""``POST /api/v1/grade`` keeps the problems it has checked (``app.web.checked_problems``) and
grades small requests on the event loop; every limit still holds."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.grading import pipe_exchange
from app.grading.worker import GradingPool
from app.settings import Settings
from app.web import checked_problems as checked_module
from app.web.checked_problems import CheckedProblems
from app.web.errors import BadInput
from app.web.routes import api_grade

PROBLEM: dict[str, Any] = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}


def _problem(n: int) -> dict[str, Any]:
    return {**PROBLEM, "function": f"{n} W x"}


def _tutor(client: TestClient) -> Any:
    return client.app.state.tutor  # type: ignore[attr-defined]


def _warm(pool: GradingPool) -> None:
    """Every worker of the pool started and ready."""
    with ThreadPoolExecutor(max_workers=pool.size) as threads:
        for _ in threads.map(lambda _: pool.probe(0.2), range(pool.size)):
            pass


def _watch_pipes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    original = pipe_exchange.PipeExchange.start

    def start(self: pipe_exchange.PipeExchange, payload: bytes) -> Any:
        started.append(self.worker.pid)
        return original(self, payload)

    monkeypatch.setattr(pipe_exchange.PipeExchange, "start", start)
    return started


def test_a_problem_is_checked_once_and_a_changed_one_again(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    kept = _tutor(client).checked_problems

    def grade(problem: dict[str, Any], answer: str) -> tuple[str, str | None]:
        reply = client.post("/api/v1/grade", json={**problem, "answer": answer, "seed": 1})
        assert reply.status_code == 200, reply.text
        return reply.json()["verdict"], reply.json()["diagnosis"]

    assert grade(PROBLEM, "W") == ("correct", None)
    assert grade(PROBLEM, "W^T") == ("incorrect", "transposed")
    assert kept.checks == 1
    assert grade({**PROBLEM, "function": "2 W x"}, "W") == ("incorrect", "scaled")
    assert kept.checks == 2
    reordered = {**PROBLEM, "variables": {"x": "4", "W": "3x4"}}
    assert grade(reordered, "W") == ("correct", None)
    assert kept.checks == 3
    pinned = {**PROBLEM, "values": {"x": [1, 2, 3, 4]}}
    assert grade(pinned, "W") == ("correct", None)
    assert grade({**pinned, "values": {"x": [1, 2, 3, 5]}}, "W") == ("correct", None)
    assert kept.checks == 5
    assert grade(PROBLEM, "W") == ("correct", None)
    assert kept.checks == 5


def test_the_kept_problems_are_bounded_and_the_least_recently_used_leaves_first() -> None:
    kept = CheckedProblems(Settings(), capacity=3)
    for n in range(1, 4):
        kept.check(_problem(n))
    assert kept.kept(_problem(1)) is not None  # now the most recently used
    kept.check(_problem(4))
    assert len(kept) == 3
    assert kept.kept(_problem(2)) is None
    assert all(kept.kept(_problem(n)) is not None for n in (1, 3, 4))
    checks = kept.checks
    assert kept.check(_problem(2)).problem.function == "2 W x"
    assert kept.checks == checks + 1 and len(kept) == 3


def test_refused_and_oversized_problems_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = CheckedProblems(Settings(max_grading_cost=100))
    costly = {"variables": {"W": "30x30", "x": "30"}, "function": "W x", "wrt": "W"}
    for _ in range(2):
        with pytest.raises(BadInput, match="cost estimate"):
            kept.check(costly)
    assert len(kept) == 0
    monkeypatch.setattr(checked_module, "MAX_KEY_CHARS", 40)
    assert kept.check(PROBLEM).problem.function == "W x"
    assert len(kept) == 0


def test_a_small_request_with_a_kept_problem_is_graded_on_the_loop(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    body = {**PROBLEM, "answer": "W", "seed": 2}
    assert client.post("/api/v1/grade", json=body).json()["verdict"] == "correct"
    _warm(_tutor(client).pool)
    watched = _watch_pipes(monkeypatch)

    async def no_thread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kept problem's grading went to a thread")

    monkeypatch.setattr(api_grade, "off_loop", no_thread)
    reply = client.post("/api/v1/grade", json={**body, "answer": "W^T"})
    assert reply.json()["diagnosis"] == "transposed"
    assert len(watched) == 1


def test_a_large_request_is_checked_and_graded_in_threads(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    values = [[0.0123456789 * (7 * i + j) for j in range(20)] for i in range(20)]
    problem = {
        "variables": {"W": "20x20", "x": "20"},
        "function": "W x",
        "wrt": "x",
        "values": {"W": values},
    }
    watched = _watch_pipes(monkeypatch)
    for answer, verdict in (("W", "correct"), ("W^T", "incorrect")):
        reply = client.post("/api/v1/grade", json={**problem, "answer": answer})
        assert len(reply.request.content) > api_grade.SMALL_BODY_BYTES
        assert reply.json()["verdict"] == verdict
    assert watched == []
    assert _tutor(client).checked_problems.checks == 1


def test_past_the_time_limit_the_loops_grading_is_killed_and_answers_limit(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(grading_timeout=7.0)  # a pool of its own
    pool = _tutor(client).pool
    _warm(pool)
    watched = _watch_pipes(monkeypatch)
    monkeypatch.setattr(pool, "timeout", 0.001)
    restarts = pool.restarts
    reply = client.post("/api/v1/grade", json={**PROBLEM, "answer": "W", "seed": 3})
    data = reply.json()
    assert (reply.status_code, data["verdict"], data["error"]["kind"]) == (200, "invalid", "limit")
    assert data["expected_shape"] == [3, 4]
    assert len(watched) == 1 and watched[0] not in pool.pids()
    assert pool.restarts == restarts + 1
