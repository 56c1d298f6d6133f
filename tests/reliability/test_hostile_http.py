"""The hostile-input list of the language (issue 2) sent through the HTTP API and the form.

Each input goes to ``POST /api/v1/parse``, ``POST /api/v1/grade`` and, as a learner would
send it, the exercise form (``POST /exercises/{id}/submit`` with the page's CSRF token),
from several threads at once, together with problems declaring huge shapes (1000x1000),
while a probe asks ``GET /healthz`` every 50 ms. The contract: every input is
answered with an error (or an inert value), never a 5xx, nothing in it runs, and the
server keeps answering its health check within 1 s during and after the attack (the one
timed assertion here: it is part of the hostile-input contract, not a benchmark).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.reliability.conftest import BACKENDS
from tests.reliability.live import LiveServer, fresh_postgres_url, postgres_base_url
from tests.reliability.load import EXERCISE

MARKER = Path("/tmp/jtutor-hostile-marker")
HOSTILE = [
    f"__import__('os').system('touch {MARKER}')",
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "(lambda: 1)()",
    "W.__class__",
    "9^9^9^9^9",
    "(" * 3_000 + "x" + ")" * 3_000,
    "(" * 900 + "x" + ")" * 900,
    "-" * 20_000 + "x",
    "-" * 1_500 + "x",
    "+".join(["x"] * 5_000),
    "+".join(["x"] * 900),
    "ones(100000000)",
    "ones(100000000)^T ones(100000000)",
    "kron(kron(kron(W,W),W),W)",
    "kron(kron(kron(W^T W,W^T W),W^T W),W^T W)",
    "1e999999 * x",
    "x\x00 + x",
    "\x00" * 64,
    "exp(exp(exp(exp(1000))))",
]
PROBLEM = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
KRON_GROUP = "sum(kron(kron(W,W),kron(W,W)))"
KRON_TOWERS = " + ".join([KRON_GROUP] * 48) + " + W"  # under the 2,000-character limit
FORM_ANSWERS = [*HOSTILE[:6], HOSTILE[14], HOSTILE[15], KRON_TOWERS, "W"]
HUGE = {"W": "1000x1000", "x": "1000", "A": "1000x1000", "B": "1000x1000"}
HUGE_PROBLEMS = [
    {"variables": HUGE, "function": "exp(W x)", "wrt": "x", "answer": "diag(exp(W x)) W"},
    {"variables": HUGE, "function": "A B", "wrt": "A", "answer": "kron(I, B^T)"},
    {"variables": HUGE, "function": "sum(exp(A B x))", "wrt": "x", "answer": "x"},
]
ERROR_KINDS = {"syntax", "unknown_name", "shape", "limit", "domain"}
HEALTH_BOUND = 1.0


NUL_TEXTS = [text for text in HOSTILE if "\x00" in text]


@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("hostile")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{workdir / 'jtutor.db'}"
        else:
            url = stack.enter_context(fresh_postgres_url(postgres_base_url()))
        server = LiveServer(database_url=url, workdir=workdir)
        server.start()
        stack.callback(server.stop)
        yield server


class HealthProbe:
    """Asks ``/healthz`` every 50 ms on its own connection and keeps each latency."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get(self.base + "/healthz").status_code
                except httpx.HTTPError as exc:
                    status, detail = 0, repr(exc)
                else:
                    detail = str(status)
                self.latencies.append(time.perf_counter() - started)
                if status != 200:
                    self.failures.append(detail)
                self._stop.wait(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)


def _check_parse(response: httpx.Response) -> None:
    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 200:
        body = response.json()
        if not body["ok"]:
            assert body["error"]["kind"] in ERROR_KINDS


def _check_grade(response: httpx.Response) -> None:
    assert response.status_code in (200, 413, 422), response.text[:300]
    if response.status_code == 200:
        body = response.json()
        assert body["verdict"] in {"invalid", "incorrect"}
        if body["verdict"] == "invalid":
            assert body["error"]["kind"] in ERROR_KINDS


def _attack(base: str, text: str) -> tuple[httpx.Response, httpx.Response]:
    with httpx.Client(base_url=base, timeout=30) as client:
        parsed = client.post(
            "/api/v1/parse", json={"variables": PROBLEM["variables"], "expression": text}
        )
        graded = client.post("/api/v1/grade", json={**PROBLEM, "answer": text, "seed": 1})
    return parsed, graded


def _answer_exercise(base: str, text: str) -> tuple[httpx.Response, list[dict[str, object]]]:
    """The hostile text as a learner's answer to an exercise, and that learner's attempts."""
    with httpx.Client(base_url=base, timeout=30) as client:
        reply = client.post(f"/api/v1/exercises/{EXERCISE}/attempts", json={"answer": text})
        listed = client.get("/api/v1/attempts").json()["attempts"]
    return reply, listed


@pytest.mark.timeout(180)
def test_hostile_input_is_refused_and_the_server_stays_healthy(live: LiveServer) -> None:
    MARKER.unlink(missing_ok=True)
    with HealthProbe(live.url) as probe:
        with ThreadPoolExecutor(max_workers=4) as pool:
            replies = list(pool.map(lambda text: _attack(live.url, text), HOSTILE * 2))
        during = len(probe.latencies)
        time.sleep(2.0)  # and after: the health check still answers promptly
    for parsed, graded in replies:
        _check_parse(parsed)
        _check_grade(graded)
    assert not MARKER.exists(), "a hostile answer ran code"
    assert probe.failures == []
    assert during >= 5 and len(probe.latencies) > during
    assert max(probe.latencies) < HEALTH_BOUND, f"slowest /healthz: {max(probe.latencies):.3f} s"


def _submit_form(base: str, text: str) -> httpx.Response:
    """The answer typed into the exercise page's form, with the page's own CSRF token."""
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get(f"/exercises/{EXERCISE}?seed=1")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None, page.text[:300]
        return client.post(
            f"/exercises/{EXERCISE}/submit",
            data={"answer": text, "seed": "1", "csrf_token": token.group(1)},
            headers={"HX-Request": "true"},
        )


def _grade_huge(base: str, problem: dict[str, object]) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as client:
        return client.post("/api/v1/grade", json={**problem, "seed": 1})


@pytest.mark.timeout(240)
def test_hostile_form_answers_and_huge_shapes_leave_the_server_healthy(live: LiveServer) -> None:
    MARKER.unlink(missing_ok=True)
    jobs = [("form", text) for text in FORM_ANSWERS] + [
        ("huge", problem) for problem in HUGE_PROBLEMS * 2
    ]

    def run(job: tuple[str, object]) -> tuple[str, httpx.Response]:
        kind, payload = job
        if kind == "form":
            return kind, _submit_form(live.url, str(payload))
        return kind, _grade_huge(live.url, payload)  # type: ignore[arg-type]

    with HealthProbe(live.url) as probe:
        with ThreadPoolExecutor(max_workers=4) as pool:
            replies = list(pool.map(run, jobs * 2))
        during = len(probe.latencies)
        time.sleep(2.0)
    for kind, reply in replies:
        # refused (too large, invalid, over capacity) or answered: never a server error
        assert reply.status_code in (200, 413, 422, 429, 503), (kind, reply.text[:300])
        if kind == "form" and reply.status_code == 200:
            assert 'id="feedback"' in reply.text or "feedback" in reply.text
        if kind == "huge":  # refused from the declared shapes, before any worker is held
            assert reply.status_code == 422, reply.text[:300]
            assert "entries" in reply.json()["detail"]
        if reply.status_code in (429, 503):
            assert "retry-after" in reply.headers
    assert not MARKER.exists(), "a hostile answer ran code"
    assert probe.failures == []
    assert during >= 5 and len(probe.latencies) > during
    assert max(probe.latencies) < HEALTH_BOUND, f"slowest /healthz: {max(probe.latencies):.3f} s"
    right = _submit_form(live.url, "W")
    assert right.status_code == 200 and "Correct" in right.text


@pytest.mark.timeout(60)
def test_the_server_still_grades_after_the_attack(live: LiveServer) -> None:
    for text in HOSTILE[:4]:
        _attack(live.url, text)
    right = httpx.post(live.url + "/api/v1/grade", json={**PROBLEM, "answer": "W"}, timeout=30)
    assert right.status_code == 200
    assert right.json()["verdict"] == "correct"


def _check_stored(reply: httpx.Response, listed: list[dict[str, object]]) -> None:
    assert reply.status_code in (200, 413, 422), reply.text[:300]
    if reply.status_code != 200:
        assert listed == []  # refused before grading: nothing stored
        return
    body = reply.json()
    assert body["verdict"] in {"invalid", "incorrect"}
    # DESIGN §11: every 2xx answer is stored for the learner; an invalid one is not counted.
    assert [a["id"] for a in listed] == [body["attempt_id"]]
    assert listed[0]["counted"] is (body["verdict"] != "invalid")


@pytest.mark.timeout(120)
def test_hostile_answers_to_an_exercise_are_stored_and_not_counted(live: LiveServer) -> None:
    for text in HOSTILE:
        if text in NUL_TEXTS:
            continue
        reply, listed = _answer_exercise(live.url, text)
        _check_stored(reply, listed)
        if reply.status_code == 200:
            assert listed[0]["answer"] == text
    assert not MARKER.exists()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", NUL_TEXTS, ids=["nul-in-sum", "nul-only"])
def test_an_answer_with_nul_bytes_is_answered_and_stored(live: LiveServer, text: str) -> None:
    reply, listed = _answer_exercise(live.url, text)
    _check_stored(reply, listed)
    assert httpx.get(live.url + "/healthz", timeout=5).status_code == 200
