"""The pool awaited on an event loop (``GradingPool.grade_async``, ``app.grading.pipe_exchange``):
the same verdicts and the same limits as the blocking path, with the loop watching the pipe."""

from __future__ import annotations

import asyncio
import os
import signal
import struct
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler
from typing import Any, TypeVar

import pytest

from app.grading import pipe_exchange
from app.grading.pipe_exchange import complete_frame
from app.grading.worker import GradingPool
from tests.grading.processes import alive

PROBLEM = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """``scenario`` on a loop of its own thread (another loop may run on this one)."""

    async def main() -> T:
        return await scenario()

    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(lambda: asyncio.run(main())).result()


def warm(pool: GradingPool) -> None:
    """Every worker started and ready (a worker still starting is waited for in a thread)."""
    with ThreadPoolExecutor(max_workers=pool.size) as threads:
        for _ in threads.map(lambda _: pool.probe(0.2), range(pool.size)):
            pass


@pytest.fixture
def pool(shared: GradingPool) -> GradingPool:
    warm(shared)
    return shared


@pytest.fixture(scope="module")
def shared() -> Iterator[GradingPool]:
    with GradingPool(size=2, timeout=3.0, memory_mb=512) as created:
        yield created


def _watched_on_loop(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each exchange the loop makes with a worker's pipe."""
    started: list[int] = []
    original = pipe_exchange.PipeExchange.start

    def start(self: pipe_exchange.PipeExchange, payload: bytes) -> asyncio.Future[Any]:
        started.append(self.worker.pid)
        return original(self, payload)

    monkeypatch.setattr(pipe_exchange.PipeExchange, "start", start)
    return started


def test_the_same_verdicts_as_the_blocking_path(
    pool: GradingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _watched_on_loop(monkeypatch)
    answers = ["W", "W^T", "-W", "2 W", "x^T", "W W"]

    async def scenario() -> list[tuple[str, str | None]]:
        results = await asyncio.gather(*(pool.grade_async(PROBLEM, a, seed=3) for a in answers))
        return [(r.verdict, r.diagnosis) for r in results]

    assert run(scenario) == [
        (r.verdict, r.diagnosis) for r in pool.grade_many([(PROBLEM, a, 3) for a in answers])
    ]
    assert watched  # at least the gradings that found a worker idle went through the loop


def test_past_the_time_limit_the_worker_is_killed_and_replaced(
    pool: GradingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _watched_on_loop(monkeypatch)
    before, restarts = set(pool.pids()), pool.restarts
    result = run(lambda: pool.probe_async(30.0))
    assert (result["verdict"], result["error"]["kind"]) == ("invalid", "limit")
    assert "longer than 3 s" in result["error"]["message"]
    assert len(watched) == 1
    assert pool.restarts == restarts + 1
    after = set(pool.pids())
    assert before - after == {watched[0]} and len(after) == 2
    assert not alive(watched[0])
    assert run(lambda: pool.grade_async(PROBLEM, "W", seed=2)).verdict == "correct"


def test_a_worker_that_dies_while_watched_is_replaced(
    pool: GradingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _watched_on_loop(monkeypatch)
    restarts = pool.restarts

    async def scenario() -> dict[str, Any]:
        probe = asyncio.ensure_future(pool.probe_async(2.5))
        for _ in range(500):
            if watched:
                break
            await asyncio.sleep(0.01)
        os.kill(watched[0], signal.SIGKILL)
        return await probe

    result = run(scenario)
    assert (result["verdict"], result["error"]["kind"]) == ("invalid", "limit")
    assert "stopped" in result["error"]["message"]
    assert pool.restarts == restarts + 1
    assert watched[0] not in pool.pids() and len(pool.pids()) == 2


def test_the_memory_limit_holds(pool: GradingPool, monkeypatch: pytest.MonkeyPatch) -> None:
    watched = _watched_on_loop(monkeypatch)
    result = run(lambda: pool.probe_async(0.0, megabytes=2048))
    assert (result["verdict"], result["error"]["kind"]) == ("invalid", "limit")
    assert watched
    assert run(lambda: pool.probe_async(0.0, megabytes=8)).get("ok") is True


def test_a_cancelled_wait_gives_the_worker_back_only_once_it_has_answered(
    pool: GradingPool,
) -> None:
    async def scenario() -> tuple[int, int]:
        probes = [asyncio.ensure_future(pool.probe_async(0.5)) for _ in range(2)]
        await asyncio.sleep(0.1)  # both sent to their workers
        for probe in probes:
            probe.cancel()
        await asyncio.sleep(0)
        busy = pool.idle()
        await asyncio.sleep(1.0)
        return busy, pool.idle()

    assert run(scenario) == (0, 2)
    assert run(lambda: pool.grade_async(PROBLEM, "W^T", seed=4)).diagnosis == "transposed"


def test_a_large_answer_is_read_in_pieces_and_in_a_thread(
    pool: GradingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipe_exchange, "INLINE_BYTES", 16)
    monkeypatch.setattr(pipe_exchange, "READ_BYTES", 7)
    watched = _watched_on_loop(monkeypatch)
    result = run(lambda: pool.grade_async(PROBLEM, "2 W", seed=5))
    assert (result.verdict, result.diagnosis, result.factor) == ("incorrect", "scaled", 2.0)
    assert watched


def test_a_time_limit_result_still_gives_the_expected_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GradingPool(size=1, timeout=5.0, memory_mb=512) as tight:
        tight.probe(0.0)  # warm
        monkeypatch.setattr(tight, "timeout", 0.001)
        watched = _watched_on_loop(monkeypatch)
        result = run(lambda: tight.grade_async(PROBLEM, "W", seed=1))
    assert watched
    assert (result.verdict, result.error["kind"]) == ("invalid", "limit")
    assert result.expected_shape == [3, 4]


def test_a_frame_is_complete_only_with_all_its_bytes() -> None:
    payload = bytes(ForkingPickler.dumps({"verdict": "correct", "seed": 3}))
    framed = struct.pack("!i", len(payload)) + payload
    for cut in (0, 3, 4, len(framed) - 1):
        assert complete_frame(bytearray(framed[:cut])) is None
    whole = complete_frame(bytearray(framed))
    assert whole is not None and bytes(whole) == payload
    long_form = struct.pack("!i", -1) + struct.pack("!Q", len(payload)) + payload
    assert complete_frame(bytearray(long_form[:11])) is None
    whole = complete_frame(bytearray(long_form))
    assert whole is not None and bytes(whole) == payload
