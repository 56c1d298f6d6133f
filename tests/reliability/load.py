"""Concurrent learners answering exercises, keeping the books on what was acknowledged.

Each learner is a thread with its own cookie jar. An attempt counts as *acknowledged* only
when the server answered 2xx with an ``attempt_id``: that is the promise the API makes
(DESIGN §11, "every 2xx answer is stored"), and what the tests hold the server to after a
crash. A refused connection or a reply cut short is not an acknowledgement; the learner
waits a moment and tries again, as a browser's user would.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from tests.reliability.live import Learner

EXERCISE = "u03-core-wx"
# Right, wrong (transposed) and unreadable answers: all three must be stored.
ANSWERS = ("W", "W^T", "W (", "2 W", "W^T W")


@dataclass
class Load:
    """Learners posting attempts to ``bases`` (round-robin per attempt) from threads."""

    bases: Sequence[str]
    learners: int = 6
    per_learner: int | None = None
    exercise: str = EXERCISE
    stop: threading.Event = field(default_factory=threading.Event)
    clients: list[Learner] = field(default_factory=list)
    acknowledged: list[set[int]] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        self.clients = [Learner() for _ in range(self.learners)]
        self.acknowledged = [set() for _ in range(self.learners)]
        for index in range(self.learners):
            thread = threading.Thread(target=self._run, args=(index,), daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    @property
    def total_acknowledged(self) -> int:
        with self._lock:
            return sum(len(ids) for ids in self.acknowledged)

    def wait_for(self, count: int, timeout: float = 120.0) -> None:
        """Block until ``count`` attempts in all have been acknowledged."""
        deadline = time.monotonic() + timeout
        while self.total_acknowledged < count:
            assert time.monotonic() < deadline, f"only {self.total_acknowledged} acknowledged"
            assert any(t.is_alive() for t in self._threads), "every learner thread stopped"
            time.sleep(0.02)

    def finish(self, timeout: float = 120.0) -> None:
        """Stop the learners now and wait for their last requests."""
        self.stop.set()
        self.join(timeout)

    def join(self, timeout: float = 120.0) -> None:
        """Wait until every learner has made its ``per_learner`` attempts (or was stopped)."""
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), "a learner thread did not finish"

    def close(self) -> None:
        self.stop.set()
        for client in self.clients:
            client.close()

    def _run(self, index: int) -> None:
        learner = self.clients[index]
        bases = itertools.cycle(self.bases)
        for number in itertools.count():
            if self.stop.is_set() or (self.per_learner is not None and number >= self.per_learner):
                return
            answer = ANSWERS[(index + number) % len(ANSWERS)]
            base = next(bases)
            try:
                response = learner.attempt(base, self.exercise, answer, seed=1000 * index + number)
            except httpx.TransportError:
                with self._lock:
                    self.transport_errors += 1
                time.sleep(0.05)
                continue
            with self._lock:
                self.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    self.server_errors.append(f"{response.status_code} {response.text[:200]}")
                    continue
                if response.is_success:
                    body = response.json()
                    self.acknowledged[index].add(int(body["attempt_id"]))
                    self.verdicts[body["verdict"]] += 1

    def stored(self, base: str) -> list[set[int]]:
        """Per learner, the attempt ids ``GET /api/v1/attempts`` lists with their cookie."""
        return [client.stored_ids(base) for client in self.clients]
