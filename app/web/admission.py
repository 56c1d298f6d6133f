"""Admission control: how much work the app takes on at once, and who waits for what.

Grading, derivations and previews cost CPU that a request's size does not show, so the
app admits them through a :class:`Gate` before any of it is queued:

- a gate runs at most ``capacity`` jobs at once (the grading gate: one per grading worker)
  and lets at most ``queue_limit`` wait; past that the newcomer gets 503 at once, with
  ``Retry-After``, instead of a place in a queue that nginx would give up on;
- one learner (the signed cookie) may have ``per_learner`` jobs in flight, one client
  address ``per_client``; past either the answer is 429 with ``Retry-After``;
- when a job ends, the next one is the waiter whose caller has the fewest jobs running,
  then the one whose caller's last job ended longest ago (a caller never served counts
  from its arrival): a learner answering now and then goes ahead of a client that keeps
  the gate busy, however many requests that client sends;
- a *heavy* job (a problem the caller sized itself, not small) never takes the last free
  place of a gate with more than one: one grading worker always stays for the quick
  answers to exercises;
- when the queue is full, a newcomer whose caller has fewer jobs in flight than the
  heaviest waiting caller takes the place of that caller's newest waiter (which gets the
  503): a flood cannot fill the queue against a learner.

A caller is its learner id when the request carried the signed cookie, else its client
address: requests without a cookie (a new learner id each time) share one place in line
per address. The gate lives on the event loop (no locks: every method runs there); the
work itself runs in a thread or a worker process (``app.web.offload``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from app.web.client_address import client_address
from app.web.errors import WebError


class Refused(WebError):
    """Overload: 429 for a caller over its own limit, 503 for a full queue; both carry
    ``Retry-After`` (seconds)."""

    title = "Busy"

    def __init__(self, message: str, *, status: int, retry_after: int) -> None:
        super().__init__(message, status=status)
        self.retry_after = max(1, retry_after)
        self.headers["Retry-After"] = str(self.retry_after)


@dataclass(frozen=True)
class Caller:
    """Who asks: the client address as the server sees it and the learner of the cookie
    (``known`` when the request carried one rather than being given a new id)."""

    client: str
    learner: str
    known: bool

    @property
    def key(self) -> str:
        return f"learner:{self.learner}" if self.known else f"client:{self.client}"


def caller_of(request: HTTPConnection) -> Caller:
    """The caller of a request (the learner id is set by ``LearnerCookieMiddleware``)."""
    state = request.scope.get("state") or {}
    learner = str(state.get("learner_id") or "")
    known = bool(learner) and not state.get("learner_is_new", False)
    return Caller(client=client_address(request), learner=learner, known=known)


@dataclass(eq=False)
class _Waiter:
    caller: Caller
    arrived: float
    heavy: bool
    ready: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Gate:
    """Admission to one kind of work (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        capacity: int,
        queue_limit: int,
        per_client: int,
        per_learner: int,
        typical_seconds: float = 0.5,
    ) -> None:
        if capacity < 1:
            raise ValueError("a gate needs room for one job")
        self.name = name
        self.capacity = capacity
        self.queue_limit = queue_limit
        self.per_client = per_client
        self.per_learner = per_learner
        self.typical_seconds = typical_seconds
        self.running = 0
        self.heavy_running = 0
        self.heavy_capacity = capacity - 1 if capacity > 1 else capacity
        self.waiting: list[_Waiter] = []
        self._in_flight_key: Counter[str] = Counter()
        self._in_flight_client: Counter[str] = Counter()
        self._running_key: Counter[str] = Counter()
        self._last_served: dict[str, float] = {}
        self.refused = 0

    def retry_after(self) -> int:
        """Seconds until the queue ahead has likely drained (at least 1)."""
        backlog = len(self.waiting) + self.running
        return max(1, math.ceil(backlog * self.typical_seconds / self.capacity))

    def _refuse(self, message: str, status: int) -> Refused:
        self.refused += 1
        return Refused(message, status=status, retry_after=self.retry_after())

    def _check_caller(self, caller: Caller) -> None:
        if caller.known and self._in_flight_key[caller.key] >= self.per_learner:
            raise self._refuse(
                f"you already have {self.per_learner} {self.name} requests running; "
                "wait for their answers",
                429,
            )
        if self._in_flight_client[caller.client] >= self.per_client:
            raise self._refuse(
                f"too many {self.name} requests from your address at once; try again shortly",
                429,
            )

    def _make_room(self, caller: Caller) -> None:
        """A full queue: the heaviest caller's newest waiter gives way to a lighter
        newcomer; otherwise the newcomer is refused."""
        heaviest = max(self.waiting, key=lambda w: (self._in_flight_key[w.caller.key], w.arrived))
        if self._in_flight_key[heaviest.caller.key] <= self._in_flight_key[caller.key]:
            raise self._refuse(f"the server is busy with {self.name} requests; try again", 503)
        self.waiting.remove(heaviest)
        self._leave(heaviest.caller)
        heaviest.ready.set_exception(
            self._refuse(f"the server is busy with {self.name} requests; try again", 503)
        )

    def _enter(self, caller: Caller) -> None:
        self._in_flight_key[caller.key] += 1
        self._in_flight_client[caller.client] += 1

    def _leave(self, caller: Caller) -> None:
        pairs = ((self._in_flight_key, caller.key), (self._in_flight_client, caller.client))
        for counter, key in pairs:
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]

    def _start(self, caller: Caller, heavy: bool) -> None:
        self.running += 1
        self.heavy_running += heavy
        self._running_key[caller.key] += 1

    def _finish(self, caller: Caller, heavy: bool) -> None:
        self.heavy_running -= heavy
        self._last_served[caller.key] = time.monotonic()
        if len(self._last_served) > 10_000:  # forget callers that came once, long ago
            for key, _ in sorted(self._last_served.items(), key=lambda kv: kv[1])[:5_000]:
                del self._last_served[key]
        self.running -= 1
        self._running_key[caller.key] -= 1
        if self._running_key[caller.key] <= 0:
            del self._running_key[caller.key]
        self._leave(caller)
        self._hand_over()

    def _may_start(self, heavy: bool) -> bool:
        return self.running < self.capacity and (
            not heavy or self.heavy_running < self.heavy_capacity
        )

    def _hand_over(self) -> None:
        while self.waiting and self.running < self.capacity:
            eligible = [w for w in self.waiting if self._may_start(w.heavy)]
            if not eligible:
                return
            chosen = min(
                eligible,
                key=lambda w: (
                    self._running_key[w.caller.key],
                    self._last_served.get(w.caller.key, w.arrived),
                    w.arrived,
                ),
            )
            self.waiting.remove(chosen)
            self._start(chosen.caller, chosen.heavy)
            chosen.ready.set_result(None)

    @asynccontextmanager
    async def admit(self, caller: Caller, *, heavy: bool = False) -> AsyncIterator[None]:
        """Hold one of the gate's places for the body of the ``async with``; raises
        :class:`Refused` at once when the caller or the queue is over its limit. A
        ``heavy`` job never takes the last free place (of a gate with more than one)."""
        self._check_caller(caller)
        if len(self.waiting) >= self.queue_limit:
            self._make_room(caller)
        self._enter(caller)
        waiter = _Waiter(caller, time.monotonic(), heavy)
        self.waiting.append(waiter)
        self._hand_over()  # starts it at once when a place is free and it is next
        try:
            await waiter.ready
        except asyncio.CancelledError:
            if waiter in self.waiting:  # still waiting: just leave the line
                self.waiting.remove(waiter)
                self._leave(caller)
            elif waiter.ready.done() and waiter.ready.exception() is None:
                self._finish(caller, heavy)  # handed a place just now: give it on
            raise
        try:
            yield
        finally:
            self._finish(caller, heavy)
