"""One task handed to a grading worker and its answer awaited on an event loop, threadless.

The blocking way to wait for a worker (``GradingPool._run_on``) holds a thread per grading:
it sleeps in ``poll`` on the worker's pipe until the answer or the time limit. In a web
server that thread costs more than the wait: a hand-off to the thread, a wake-up when the
answer comes, a hand-back to the loop, each a switch of the GIL and a few system calls.
Here the loop itself watches the pipe (``add_reader``) and a timer, so a grading costs
the loop one write and one or two reads.

The wire format is that of :class:`multiprocessing.connection.Connection`, which the
worker keeps using: a 4-byte big-endian signed length (``-1`` then an 8-byte length for
payloads past 2 GiB) and the pickled message. A select that says *readable* guarantees one
``os.read`` that does not block, so the answer is read in pieces as it arrives and
unpickled once whole.

Every limit holds as on the blocking path: past the time limit the worker is killed
(SIGKILL) and a fresh one started in its place, as is a worker whose pipe ends (a crash,
the memory limit). Killing and starting a process, and unpickling an answer larger than
:data:`INLINE_BYTES`, are done in a thread: they are not work for the loop. Whatever
happens to the coroutine that awaits the answer (a cancelled request), the exchange runs
to its end, so the worker goes back to the pool only when it is idle.
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pool imports this module
    from app.grading.worker import GradingPool, _Worker

INLINE_BYTES = 32_768
"""Largest message pickled, written or unpickled on the loop itself; larger ones (a
problem with many pinned values, a result with a large heatmap) go through a thread."""

READ_BYTES = 1 << 16

Finisher = Callable[[], dict[str, Any]]


def encode(message: object) -> bytes:
    """A message as the worker's ``Connection.recv`` reads it (without the length)."""
    return bytes(ForkingPickler.dumps(message))


def complete_frame(buffer: bytearray) -> memoryview | None:
    """The payload of the one message in ``buffer`` once it has fully arrived, else None."""
    if len(buffer) < 4:
        return None
    (size,) = struct.unpack_from("!i", buffer)
    start = 4
    if size == -1:
        if len(buffer) < 12:
            return None
        (size,) = struct.unpack_from("!Q", buffer, 4)
        start = 12
    if len(buffer) < start + size:
        return None
    return memoryview(buffer)[start : start + size]


class PipeExchange:
    """Send ``message`` to ``worker`` (checked out of ``pool``, warm) and settle
    :attr:`answer` with the worker's reply, or with a limit result after killing and
    replacing the worker; the worker is back in the pool (or replaced) before then."""

    def __init__(
        self,
        pool: GradingPool,
        worker: _Worker,
        loop: asyncio.AbstractEventLoop,
        limit_result: Callable[[str], dict[str, Any]],
    ) -> None:
        self.pool = pool
        self.worker = worker
        self.loop = loop
        self.limit_result = limit_result
        self.answer: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.fd = worker.inbox.fileno()
        self.buffer = bytearray()
        self.timer: asyncio.TimerHandle | None = None
        self.watching = False

    def start(self, payload: bytes) -> asyncio.Future[dict[str, Any]]:
        """Write the (small) message and watch for the answer; the future is the answer."""
        try:
            self.worker.outbox.send_bytes(payload)
        except (OSError, ValueError):  # BrokenPipeError: the worker has gone
            self._replace_worker("the grading process stopped (memory limit?)")
            return self.answer
        self.loop.add_reader(self.fd, self._readable)
        self.watching = True
        self.timer = self.loop.call_later(self.pool.timeout, self._timed_out)
        return self.answer

    def _stop_watching(self) -> None:
        if self.watching:
            self.loop.remove_reader(self.fd)
            self.watching = False
        if self.timer is not None:
            self.timer.cancel()

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:  # the pipe ended: the worker died (its memory limit, a crash)
            self._stop_watching()
            self._replace_worker("the grading process stopped (memory limit?)")
            return
        self.buffer += chunk
        payload = complete_frame(self.buffer)
        if payload is None:
            return
        self._stop_watching()
        if len(payload) > INLINE_BYTES:
            data = bytes(payload)
            self._in_thread(lambda: self._released(ForkingPickler.loads(data)))
            return
        try:
            result: dict[str, Any] = ForkingPickler.loads(payload)
        except Exception:  # a garbled answer: the worker is not to be trusted further
            self._replace_worker("the grading process stopped (memory limit?)")
            return
        self._settle(self._released(result))

    def _released(self, result: dict[str, Any]) -> dict[str, Any]:
        self.pool.release(self.worker)
        return result

    def _timed_out(self) -> None:
        self.timer = None
        self._stop_watching()
        self._replace_worker(f"the grading took longer than {self.pool.timeout:g} s")

    def _replace_worker(self, message: str) -> None:
        def replace() -> dict[str, Any]:
            self.pool.replace(self.worker)
            return self.limit_result(message)

        self._in_thread(replace)

    def _in_thread(self, finish: Finisher) -> None:
        work = self.loop.run_in_executor(None, finish)
        work.add_done_callback(self._settle_from)

    def _settle_from(self, work: asyncio.Future[dict[str, Any]]) -> None:
        if self.answer.done():
            return
        if work.cancelled():  # the loop is shutting down
            self.answer.cancel()
            return
        error = work.exception()
        if error is not None:
            self.answer.set_exception(error)
        else:
            self.answer.set_result(work.result())

    def _settle(self, result: dict[str, Any]) -> None:
        if not self.answer.done():
            self.answer.set_result(result)
