"""No route blocks the event loop, even under a hostile request (STYLE 13, issue 12).

The app runs in a real uvicorn server (in a thread of this process, so the test can reach
its event loop); a monitor task on that loop wakes every 5 ms. Hostile requests run
against every route that parses, grades, derives, renders or writes: 2,000-character
previews, a tower of Kronecker products through the exercise form and the API, problems
with huge declared shapes, a costly grading, derivations, lesson pages and the authoring
routes' self-check of a long YAML file.

What is measured is the CPU time the loop's own thread spends between two wake-ups: work
done on the loop. How late the loop wakes also counts waits that are not blocking: for
the GIL while threads parse, and for a core on a busy machine (here, at a load average
of 10 on 2 cores, offloaded routes left the loop late by 35 to 200 ms while its own work
between wake-ups stayed under 4 ms). A preview parsed on the loop costs it 16 to 45 ms of
work, a grading its whole time, so the bounds are: at most 10 ms of work between two
wake-ups (the issue's 50 ms, with room for a slower machine), and never late by more than
1 s (a synchronous wait on the loop, which costs no CPU).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.settings import Settings
from app.store import Database
from app.store.instructors import add_instructor
from app.store.migrate import upgrade
from app.web.auth import hash_password
from app.web.main import create_app
from tests.reliability.live import free_port

ROOT = Path(__file__).resolve().parents[2]
BOUND = 0.010
WAIT_BOUND = 1.0
TICK = 0.005
EXERCISE = "u02-quadratic-gradient"  # A is n x n, n up to 5: kron(kron(A,A),kron(A,A))
TOWER = "sum(kron(kron(A,A),kron(A,A)))"
KRON_ANSWER = "x * (" + "+".join(["(" + "+".join([TOWER] * 12) + ")"] * 4) + ")"
LONG_ANSWER = "+".join(["(" + "*".join(["A"] * 30) + ")"] * 30)[:1_999]
LONG_ANSWER = LONG_ANSWER[: LONG_ANSWER.rfind("+")]
HUGE = {"variables": {"W": "1000x1000", "x": "1000"}, "function": "exp(W x)", "wrt": "x"}
COSTLY = {"variables": {"W": "60x60", "x": "60"}, "function": "exp(W x)", "wrt": "x"}
EMAIL = "loop@example.org"
PASSWORD = "a long enough password"


@dataclass
class LagMonitor:
    """Wakes every ``TICK`` on the server's loop and keeps, for the worst late wake-up, the
    CPU time the loop's own thread spent meanwhile: that is work done on the loop.

    Lateness alone would also count the time the loop waited for the GIL (threads parsing)
    or for a core (a busy machine): a wait, not work blocking the loop. A loop that sat in a
    blocking wait without CPU (a synchronous call to the grading pool) is caught by the
    lateness itself, past ``WAIT_BOUND``."""

    worst: float = 0.0
    worst_late: float = 0.0
    ticks: int = 0
    running: bool = True
    in_flight: set[str] = field(default_factory=set)
    worst_during: list[str] = field(default_factory=list)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.running:
            before, cpu_before = loop.time(), time.thread_time()
            await asyncio.sleep(TICK)
            late = loop.time() - before - TICK
            work = time.thread_time() - cpu_before
            self.ticks += 1
            self.worst_late = max(self.worst_late, late)
            if work > self.worst:
                self.worst = work
                self.worst_during = sorted(self.in_flight)


class ThreadedServer:
    """uvicorn serving ``app`` from a thread with its own loop, and the monitor on it."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.monitor = LagMonitor()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.02)
        asyncio.run_coroutine_threadsafe(self.monitor.run(), self.loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self.monitor.running = False
        self.server.should_exit = True
        self.thread.join(30)
        # The loop's self-pipe sockets stay open until the loop is closed; left to the
        # garbage collector they fail whichever test runs next with a ResourceWarning.
        self.loop.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ThreadedServer]:
    url = f"sqlite:///{tmp_path / 'jtutor.db'}"
    upgrade(url)
    database = Database(url)
    with database.write() as session:
        add_instructor(session, email=EMAIL, password_hash=hash_password(PASSWORD))
    settings = Settings(
        database_url=url,
        home=ROOT,
        check_on_start=False,
        secret_key="event-loop-test-" + "k" * 32,
    )
    with ThreadedServer(create_app(settings, database=database)) as server:
        yield server


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _learner(base: str, clients: ExitStack) -> tuple[httpx.Client, str]:
    client = clients.enter_context(httpx.Client(base_url=base, timeout=60))
    page = client.get(f"/exercises/{EXERCISE}?seed=1")
    assert page.status_code == 200
    return client, _csrf(page.text)


def _instructor(base: str, clients: ExitStack) -> tuple[httpx.Client, str]:
    client = clients.enter_context(httpx.Client(base_url=base, timeout=60))
    token = _csrf(client.get("/login").text)
    signed = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert signed.status_code in (200, 303), signed.text[:300]
    return client, _csrf(client.get("/author/new").text)


def hostile_requests(base: str, clients: ExitStack) -> dict[str, Callable[[], httpx.Response]]:
    """The hostile requests by name; their clients close with ``clients``."""
    learner, token = _learner(base, clients)
    author, author_token = _instructor(base, clients)
    form = {"seed": "1", "csrf_token": token}
    many_tests = "tests:\n" + "".join(
        f"  - {{answer: '{TOWER} + {i}', verdict: incorrect}}\n" for i in range(60)
    )
    return {
        "preview": lambda: learner.post(
            f"/exercises/{EXERCISE}/preview", data={**form, "answer": LONG_ANSWER}
        ),
        "submit kron": lambda: learner.post(
            f"/exercises/{EXERCISE}/submit", data={**form, "answer": KRON_ANSWER}
        ),
        "submit long": lambda: learner.post(
            f"/exercises/{EXERCISE}/submit", data={**form, "answer": LONG_ANSWER}
        ),
        "api attempt kron": lambda: learner.post(
            f"/api/v1/exercises/{EXERCISE}/attempts", json={"answer": KRON_ANSWER, "seed": 1}
        ),
        "api grade huge": lambda: learner.post("/api/v1/grade", json={**HUGE, "answer": "W"}),
        "api grade costly": lambda: learner.post(
            "/api/v1/grade", json={**COSTLY, "answer": "diag(exp(W x)) W"}
        ),
        "api parse": lambda: learner.post(
            "/api/v1/parse",
            json={"variables": {"A": "5x5", "x": "5"}, "expression": LONG_ANSWER},
        ),
        "api derive": lambda: learner.post(
            "/api/v1/derive",
            json={"variables": {"W": "4x5", "x": "5"}, "function": "tanh(W x)", "wrt": "x"},
        ),
        "lesson": lambda: learner.get("/lessons/neuron-gradient"),
        "widget": lambda: learner.get("/derivations/chain?m=6&n=5&k=4&layout=denominator"),
        "author check": lambda: author.post(
            "/author/check",
            data={"csrf_token": author_token, "function": "x^T A x", "rest": many_tests},
        ),
        "author import": lambda: author.post(
            "/author/import", data={"csrf_token": author_token, "yaml": many_tests}
        ),
    }


@contextmanager
def _tracked(monitor: LagMonitor, name: str) -> Iterator[None]:
    monitor.in_flight.add(name)
    try:
        yield
    finally:
        monitor.in_flight.discard(name)


@pytest.mark.timeout(300)
def test_no_route_blocks_the_event_loop_under_hostile_requests(served: ThreadedServer) -> None:
    clients = ExitStack()
    with clients:
        _attack_all(served, hostile_requests(served.url, clients))


def _attack_all(served: ThreadedServer, requests: dict[str, Callable[[], httpx.Response]]) -> None:
    statuses: dict[str, set[int]] = {name: set() for name in requests}

    def attack(name: str) -> None:
        with _tracked(served.monitor, name):
            statuses[name].add(requests[name]().status_code)

    served.monitor.worst = served.monitor.worst_late = 0.0  # the warm-up is not under test
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(attack, [name for name in requests for _ in range(3)]))
    served.monitor.running = False

    assert served.monitor.ticks > 50
    for name, seen in statuses.items():
        assert seen and max(seen) < 500, f"{name}: {sorted(seen)}"
    assert served.monitor.worst <= BOUND, (
        f"the event loop worked for {served.monitor.worst * 1000:.0f} ms without a break "
        f"while {served.monitor.worst_during} ran"
    )
    assert served.monitor.worst_late <= WAIT_BOUND, (
        f"the event loop was late by {served.monitor.worst_late * 1000:.0f} ms"
    )
