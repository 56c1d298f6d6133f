"""A flood of hostile requests against a real server, with an honest learner and a probe.

Six flooding clients (threads, each with its own cookies, on loopback) for a bounded time:

- two send problems with huge declared shapes to ``POST /api/v1/grade`` (1000x1000, and
  60x60 ``exp(W x)``, near the most the public limits allow);
- two answer an exercise through its form (``POST /exercises/{id}/submit``) with about
  1,500 characters of ``sum(kron(kron(A,A),kron(A,A)))`` terms;
- two ask for 2,000-character previews (``POST /exercises/{id}/preview``).

Meanwhile an honest learner answers an exercise through the API one answer at a time and
``/healthz`` is asked every 100 ms. :func:`flood` returns every latency and status; the
suite's test (``test_flood.py``) holds the server to the issue's figures, and
``python -m tests.reliability.flood --seconds 15`` runs it by hand and prints them.

Every choice is fixed (answers, seeds, order), so two runs send the same requests.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.reliability.live import LiveServer

FLOOD_EXERCISE = "u02-quadratic-gradient"  # A is n x n; seed 1 gives n = 5
FLOOD_SEED = "1"
TOWER = "sum(kron(kron(A,A),kron(A,A)))"
KRON_ANSWER = "x * (" + "+".join(["(" + "+".join([TOWER] * 12) + ")"] * 4) + ")"
_GROUPS = "+".join(["(" + "*".join(["A"] * 30) + ")"] * 30)
PREVIEW_TEXT = _GROUPS + "+A" * ((2_000 - len(_GROUPS)) // 2)
HUGE = {"variables": {"W": "1000x1000", "x": "1000"}, "function": "exp(W x)", "wrt": "x"}
AT_CAP = {"variables": {"W": "60x60", "x": "60"}, "function": "exp(W x)", "wrt": "x"}
LEARNER_EXERCISE = "u03-core-wx"
LEARNER_ANSWERS = ("W", "W^T", "W")
PROBE_EVERY = 0.1
LEARNER_PAUSE = 0.2


@dataclass
class Figures:
    """What one flood measured (latencies in seconds)."""

    seconds: float
    health: list[float] = field(default_factory=list)
    health_failures: list[str] = field(default_factory=list)
    learner: list[float] = field(default_factory=list)
    learner_statuses: Counter[int] = field(default_factory=Counter)
    learner_verdicts: Counter[str] = field(default_factory=Counter)
    flood_statuses: Counter[str] = field(default_factory=Counter)
    flood_errors: Counter[str] = field(default_factory=Counter)

    @staticmethod
    def p99(values: list[float]) -> float:
        if not values:
            return float("inf")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]

    def summary(self) -> str:
        h, learner = sorted(self.health), sorted(self.learner)
        return "\n".join(
            [
                f"flood: {self.seconds:.0f} s, six clients; requests by route and status: "
                f"{dict(sorted(self.flood_statuses.items()))}"
                + (f"; transport errors {dict(self.flood_errors)}" if self.flood_errors else ""),
                f"/healthz: {len(h)} probes, p50 {_ms(h, 0.5)}, p99 {self.p99(h) * 1000:.0f} ms,"
                f" max {h[-1] * 1000 if h else 0:.0f} ms, failures {len(self.health_failures)}",
                f"learner: {len(learner)} answers, p50 {_ms(learner, 0.5)}, "
                f"p99 {self.p99(learner) * 1000:.0f} ms, max "
                f"{learner[-1] * 1000 if learner else 0:.0f} ms, statuses "
                f"{dict(self.learner_statuses)}, verdicts {dict(self.learner_verdicts)}",
            ]
        )


def _ms(ordered: list[float], q: float) -> str:
    return f"{ordered[int(q * (len(ordered) - 1))] * 1000:.0f} ms" if ordered else "-"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    return match.group(1) if match else ""


def _api_flooder(client: httpx.Client, n: int) -> tuple[str, httpx.Response]:
    body = HUGE if n % 2 == 0 else AT_CAP
    return "api grade", client.post("/api/v1/grade", json={**body, "answer": "W", "seed": n})


def _form_flooder(client: httpx.Client, token: str) -> tuple[str, httpx.Response]:
    data = {"seed": FLOOD_SEED, "csrf_token": token, "answer": KRON_ANSWER}
    return "form submit", client.post(f"/exercises/{FLOOD_EXERCISE}/submit", data=data)


def _preview_flooder(client: httpx.Client, token: str) -> tuple[str, httpx.Response]:
    data = {"seed": FLOOD_SEED, "csrf_token": token, "answer": PREVIEW_TEXT}
    return "preview", client.post(f"/exercises/{FLOOD_EXERCISE}/preview", data=data)


def warm_up(base: str, timeout: float = 120.0) -> float:
    """Wait until the server grades and previews promptly (its workers have loaded), as a
    server that has been up a little while does; the seconds it took."""
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=timeout) as client:
        token = _csrf(client.get(f"/exercises/{FLOOD_EXERCISE}?seed={FLOOD_SEED}").text)
        while time.perf_counter() - started < timeout:
            began = time.perf_counter()
            graded = client.post(
                f"/api/v1/exercises/{LEARNER_EXERCISE}/attempts", json={"answer": "W", "seed": 0}
            )
            previewed = client.post(
                f"/exercises/{FLOOD_EXERCISE}/preview",
                data={"seed": FLOOD_SEED, "csrf_token": token, "answer": "A x"},
            )
            prompt = time.perf_counter() - began < 0.5
            if graded.status_code == previewed.status_code == 200 and prompt:
                break
            time.sleep(0.2)
    return time.perf_counter() - started


def flood(base: str, seconds: float) -> Figures:
    """Flood ``base`` for ``seconds`` and measure (see the module docstring)."""
    figures = Figures(seconds)
    stop = threading.Event()
    lock = threading.Lock()

    def flooder(kind: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            token = _csrf(client.get(f"/exercises/{FLOOD_EXERCISE}?seed={FLOOD_SEED}").text)
            send: dict[str, Callable[[int], tuple[str, httpx.Response]]] = {
                "api": lambda n: _api_flooder(client, n),
                "form": lambda n: _form_flooder(client, token),
                "preview": lambda n: _preview_flooder(client, token),
            }
            n = 0
            while not stop.is_set():
                try:
                    route, reply = send[kind](n)
                except httpx.HTTPError as exc:
                    with lock:
                        figures.flood_errors[type(exc).__name__] += 1
                    continue
                finally:
                    n += 1
                with lock:
                    figures.flood_statuses[f"{route} {reply.status_code}"] += 1

    def learner() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            n = 0
            while not stop.is_set():
                answer = LEARNER_ANSWERS[n % len(LEARNER_ANSWERS)]
                started = time.perf_counter()
                try:
                    reply = client.post(
                        f"/api/v1/exercises/{LEARNER_EXERCISE}/attempts",
                        json={"answer": answer, "seed": n},
                    )
                    status = reply.status_code
                except httpx.HTTPError:
                    status = 0
                figures.learner.append(time.perf_counter() - started)
                figures.learner_statuses[status] += 1
                if status == 200:
                    figures.learner_verdicts[reply.json()["verdict"]] += 1
                n += 1
                stop.wait(LEARNER_PAUSE)

    def probe() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/healthz").status_code
                except httpx.HTTPError as exc:
                    status = 0
                    figures.health_failures.append(repr(exc))
                figures.health.append(time.perf_counter() - started)
                if status != 200 and status != 0:
                    figures.health_failures.append(str(status))
                stop.wait(max(0.0, PROBE_EVERY - (time.perf_counter() - started)))

    kinds = ["api", "api", "form", "form", "preview", "preview"]
    threads = [threading.Thread(target=flooder, args=(kind,), daemon=True) for kind in kinds]
    threads += [
        threading.Thread(target=learner, daemon=True),
        threading.Thread(target=probe, daemon=True),
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(90)
    return figures


def main() -> None:  # pragma: no cover - a tool for measuring by hand
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--url", help="flood a server that is already running")
    parser.add_argument(
        "--warm-up", type=float, default=2.0, help="seconds to wait once the workers answer"
    )
    args = parser.parse_args()
    if args.url:
        print(flood(args.url, args.seconds).summary())
        return
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        server = LiveServer(database_url=f"sqlite:///{workdir / 'jtutor.db'}", workdir=workdir)
        server.start()
        try:
            print(f"warm after {warm_up(server.url):.1f} s")
            time.sleep(args.warm_up)
            print(flood(server.url, args.seconds).summary())
        finally:
            server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
