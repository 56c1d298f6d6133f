"""Admission control: limits per learner and per address, a bounded queue, fair turns, and
the public API's limits on declared shapes (issue 12)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.admission import Caller, Gate, Refused

HONEST = Caller(client="10.0.0.1", learner="honest", known=True)


def flooder(n: int, client: str = "10.0.0.9") -> Caller:
    return Caller(client=client, learner=f"flood-{n}", known=True)


def gate(**limits: int) -> Gate:
    settings = {"capacity": 1, "queue_limit": 4, "per_client": 8, "per_learner": 2} | limits
    return Gate("grading", **settings)


async def hold(g: Gate, caller: Caller, release: asyncio.Event, log: list[str]) -> None:
    async with g.admit(caller):
        log.append(caller.learner)
        await release.wait()


def run(scenario: Callable[[], Any]) -> Any:
    """``scenario`` on a loop of its own thread: after the browser tests, Playwright keeps an
    event loop running on this one, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def test_a_learner_over_its_limit_gets_429_with_retry_after() -> None:
    async def scenario() -> Refused:
        g, release, log = gate(per_learner=1), asyncio.Event(), []
        first = asyncio.create_task(hold(g, HONEST, release, log))
        await asyncio.sleep(0)
        with pytest.raises(Refused) as refused:
            async with g.admit(HONEST):
                pass
        release.set()
        await first
        return refused.value

    refused = run(scenario)
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1


def test_an_address_over_its_limit_gets_429_whatever_its_cookies() -> None:
    async def scenario() -> int:
        g, release, log = gate(per_client=2, capacity=4), asyncio.Event(), []
        tasks = [asyncio.create_task(hold(g, flooder(i), release, log)) for i in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(Refused) as refused:
            async with g.admit(flooder(3)):
                pass
        release.set()
        await asyncio.gather(*tasks)
        return refused.value.status

    assert run(scenario) == 429


def test_a_full_queue_answers_503_at_once() -> None:
    async def scenario() -> tuple[int, int]:
        g, release, log = gate(capacity=1, queue_limit=2), asyncio.Event(), []
        # one caller (requests without a cookie share their address's place in line)
        anonymous = Caller(client="10.0.0.9", learner="", known=False)
        tasks = [asyncio.create_task(hold(g, anonymous, release, log)) for _ in range(3)]
        await asyncio.sleep(0)
        assert g.running == 1 and len(g.waiting) == 2
        with pytest.raises(Refused) as refused:
            async with g.admit(anonymous):
                pass
        release.set()
        await asyncio.gather(*tasks)
        return refused.value.status, len(log)

    assert run(scenario) == (503, 3)


def test_the_learner_goes_ahead_of_a_flood_that_came_first() -> None:
    """Five flooding learners queue up first; the honest learner still gets the next turn."""

    async def scenario() -> list[str]:
        g, log = gate(capacity=1, queue_limit=16), []
        releases = {name: asyncio.Event() for name in ["flood-0", "flood-1", "flood-2", "honest"]}
        busy = asyncio.create_task(hold(g, flooder(0), releases["flood-0"], log))
        await asyncio.sleep(0)
        waiting = [
            asyncio.create_task(hold(g, flooder(0), releases["flood-0"], log)),
            asyncio.create_task(hold(g, flooder(1), releases["flood-1"], log)),
            asyncio.create_task(hold(g, flooder(2), releases["flood-2"], log)),
        ]
        await asyncio.sleep(0)
        honest = asyncio.create_task(hold(g, HONEST, releases["honest"], log))
        await asyncio.sleep(0)
        for event in releases.values():
            event.set()
        await asyncio.gather(busy, honest, *waiting)
        return log

    order = run(scenario)
    # flood-0 was served first; flood-1 and flood-2 have never been served, so they go
    # by arrival like the learner, but flood-0's second request waits for everyone
    assert order[0] == "flood-0"
    assert order.index("honest") < len(order) - 1
    assert order[-1] == "flood-0"


def test_a_full_queue_makes_room_for_a_lighter_caller() -> None:
    """The queue is full of one caller's requests: a learner with nothing in flight takes
    the place of that caller's newest request, which is answered 503."""

    async def scenario() -> tuple[list[str], list[int]]:
        g, release, log = gate(capacity=1, queue_limit=2), asyncio.Event(), []
        anonymous = Caller(client="10.0.0.9", learner="", known=False)
        statuses: list[int] = []

        async def flood() -> None:
            try:
                await hold(g, anonymous, release, log)
            except Refused as refused:
                statuses.append(refused.status)

        tasks = [asyncio.create_task(flood()) for _ in range(3)]
        await asyncio.sleep(0)
        honest = asyncio.create_task(hold(g, HONEST, release, log))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(honest, *tasks)
        return log, statuses

    log, statuses = run(scenario)
    assert statuses == [503]
    assert "honest" in log and log.index("honest") == 1


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    async def scenario() -> tuple[int, int]:
        g, release, log = gate(capacity=1), asyncio.Event(), []
        busy = asyncio.create_task(hold(g, flooder(0), release, log))
        await asyncio.sleep(0)
        waiter = asyncio.create_task(hold(g, HONEST, release, log))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.sleep(0)
        release.set()
        await busy
        return g.running, len(g.waiting)

    assert run(scenario) == (0, 0)


def test_huge_declared_shapes_are_refused_before_grading(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    huge = {"variables": {"W": "1000x1000", "x": "1000"}, "function": "exp(W x)", "wrt": "x"}
    reply = client.post("/api/v1/grade", json={**huge, "answer": "W"})
    assert reply.status_code == 422
    assert "entries" in reply.json()["detail"]


def test_a_costly_problem_within_the_size_cap_is_refused_by_its_estimate(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_grading_cost=100_000)
    problem = {"variables": {"W": "100x100", "x": "100"}, "function": "W x", "wrt": "W"}
    reply = client.post("/api/v1/grade", json={**problem, "answer": "W"})
    assert reply.status_code == 422
    assert "cost estimate" in reply.json()["detail"]
    small = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
    assert client.post("/api/v1/grade", json={**small, "answer": "W"}).status_code == 200


def test_overload_reaches_the_client_as_429_with_retry_after(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    tutor = client.app.state.tutor  # type: ignore[attr-defined]
    tutor.grading_gate.per_client = 0  # every request from this address is over the limit
    problem = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
    reply = client.post("/api/v1/grade", json={**problem, "answer": "W"})
    assert reply.status_code == 429
    assert int(reply.headers["Retry-After"]) >= 1
    assert "try again" in reply.json()["detail"]
