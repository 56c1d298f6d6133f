"""Grading in worker processes with a hard wall-clock limit and a memory limit (DESIGN §10).

An answer is untrusted text: even though it is only parsed by our grammar, a pathological
one could still make the evaluation slow or large. So grading runs in separate processes
(``python -m app.grading.worker``, talking over two pipes), each with ``RLIMIT_AS`` set,
and a grading that exceeds its time is *killed* (SIGKILL), never abandoned; the pool then
starts a fresh worker in its place. Workers are kept warm (numpy, Lark and the grammar
loaded once; the time a new worker takes to start is not counted against a grading), so
grading many problems costs milliseconds each, not a process start. Workers are started
afresh rather than forked, so a multi-threaded web server can own a pool safely.

Usage, from the CLI or the web app (thread-safe; one pool per process)::

    from app.grading.worker import default_pool
    result = default_pool().grade(problem, "W^T", seed=7)   # a GradeResult (DESIGN §11)
    results = default_pool().grade_many([(problem, "W", None), ...])  # in parallel
    result = await default_pool().grade_async(problem, "W^T", seed=7)  # on an event loop

A timeout gives ``verdict: invalid`` with ``error.kind == "limit"``; so does a worker that
dies (for example past its memory limit).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from app.grading.pipe_exchange import INLINE_BYTES, PipeExchange, encode
from app.grading.problem import Problem
from app.grading.result import GradeResult

DEFAULT_TIMEOUT = 2.0
DEFAULT_MEMORY_MB = 1024
DEFAULT_SIZE = 2
START_TIMEOUT = 60.0
"""Seconds a new worker may take to import numpy and the grammar (not counted as grading)."""
WORKER_NICENESS = 5
"""Workers run at a lower CPU priority than the process that started them: with every
worker busy, the web server still gets the CPU at once to answer a probe or a page."""


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - runs in the child
    """The worker process: ``python -m app.grading.worker IN_FD OUT_FD MEMORY_MB``.

    Sets its own memory limit first, loads the grader, says ``ready`` and then answers
    one (task, args) message at a time. Its stdout is kept for nothing: a library that
    prints cannot corrupt the protocol, which runs on its own pipes."""
    args = list(sys.argv[1:] if argv is None else argv)
    inbox = Connection(int(args[0]), writable=False)
    outbox = Connection(int(args[1]), readable=False)
    try:
        import resource

        limit = int(args[2]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    from app.grading.grader import grade_dict

    with contextlib.suppress(OSError):  # after the imports: a busy machine must not
        os.nice(WORKER_NICENESS)  # hold up a worker's start

    tasks: dict[str, Callable[..., dict[str, Any]]] = {
        "grade": grade_dict,
        "derive": _derive,
        "explore": _explore,
        "read": _read,
        "explore_read": _explore_read,
        "probe": _probe,
    }
    if not _send(outbox, "ready"):
        return
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task, task_args = message
        try:
            result = tasks[task](*task_args)
        except MemoryError:
            result = _limit_result("the grading ran out of memory")
        except Exception as exc:  # a bug must not take the pool down; it is reported
            result = _limit_result(f"the grading failed: {type(exc).__name__}: {exc}")
            result["error"]["kind"] = "internal"
        if not _send(outbox, result):
            return


def _send(outbox: Connection, message: object) -> bool:  # pragma: no cover - in the child
    """Send to the parent; False when it has gone (closed the pool, or exited after a
    time limit): the worker then ends quietly, with no traceback on the user's terminal."""
    try:
        outbox.send(message)
    except (BrokenPipeError, OSError):
        return False
    return True


def _derive(
    function: str, variables: dict[str, str], wrt: str | list[str], layout: str, seed: int
) -> dict[str, Any]:  # pragma: no cover - runs in the child
    """A derivation of user-given text: numerically checked at every step, so it is held to
    the same time and memory limits as a grading. ``{"derivation": ...}`` on success,
    ``{"error": ...}`` (a MathError's dict, or kind ``no_rule``) otherwise."""
    from app.calculus.derivation import NoRule, derive
    from app.mathlang import MathError

    try:
        return {"derivation": derive(function, variables, wrt, layout, seed=seed).to_dict()}
    except MathError as exc:
        return {"error": exc.to_dict()}
    except NoRule as exc:
        return {"error": exc.to_dict()}


def _explore(
    function: str,
    declared: dict[str, str | None],
    wrt: list[str],
    layout: str,
    seed: int,
    limits: tuple[int, int],
) -> dict[str, Any]:  # pragma: no cover - runs in the child
    """The Explore page's reading of the function, its derivation and the numbers of its
    pictures (``app.explore``): the learner's text, so under the grading limits."""
    from app.explore.task import explore

    max_dim, max_chars = limits
    return explore(function, declared, wrt, layout, seed, max_dim=max_dim, max_chars=max_chars)


def _explore_read(
    function: str, declared: dict[str, str | None], wrt: list[str], limits: tuple[int, int]
) -> dict[str, Any]:  # pragma: no cover - runs in the child
    """How the Explore page reads a function and the shapes it implies (its live preview)."""
    from app.explore.task import read_function

    max_dim, max_chars = limits
    return read_function(function, declared, wrt, max_dim=max_dim, max_chars=max_chars)


def _read(
    text: str,
    shapes: dict[str, tuple[int, int]],
    indices: dict[str, int] | None,
    expected: tuple[int, int] | None,
    max_chars: int,
) -> dict[str, Any]:  # pragma: no cover - runs in the child
    """How a text is read (:func:`app.mathlang.reading.read`): a live preview of untrusted
    text, parsed here so that its cost is a worker's, not the web server's."""
    from app.mathlang.reading import read

    return read(text, shapes, indices=indices, expected=expected, max_chars=max_chars)


def _probe(seconds: float, megabytes: int = 0) -> dict[str, Any]:  # pragma: no cover
    """A diagnostic task: hold ``megabytes`` of memory for ``seconds`` (tests the limits)."""
    import time

    block = bytearray(megabytes * 1024 * 1024)
    time.sleep(seconds)
    return {"ok": True, "pid": os.getpid(), "bytes": len(block)}


def _expected_shape(data: dict[str, Any]) -> list[int]:
    """The shape the answer should have, known from the declarations without grading: a
    result cut short by a limit still tells the learner what to aim for."""
    from app.grading.problem import ProblemError
    from app.grading.setup import expected_shape  # imported here: the child sets limits first
    from app.mathlang import MathError

    try:
        return list(expected_shape(Problem.from_dict(data)))
    except (ProblemError, MathError):
        return []


def _limit_result(message: str, seed: int | None = None) -> dict[str, Any]:
    return {
        "verdict": "invalid",
        "diagnosis": None,
        "error": {"kind": "limit", "message": message, "position": None},
        "message": f"Your answer could not be graded: {message}. It is not counted.",
        "expected_shape": [],
        "answer_shape": None,
        "layout": None,
        "factor": None,
        "wrong_entries": [],
        "instances": 0,
        "seed": seed if seed is not None else 0,
    }


class _Worker:
    """One grading process, started with ``python -m app.grading.worker`` (no fork of a
    possibly multi-threaded parent, no re-import of the parent's ``__main__``)."""

    def __init__(self, memory_mb: int) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
        env = dict(
            os.environ,
            PYTHONPATH=path,
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "app.grading.worker",
                    str(to_child_r),
                    str(from_child_w),
                    str(memory_mb),
                ],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.outbox = Connection(to_child_w, readable=False)
        self.inbox = Connection(from_child_r, writable=False)
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> bool:
        if not self.ready and self.inbox.poll(START_TIMEOUT):
            self.ready = self.inbox.recv() == "ready"
        return self.ready

    def ready_now(self) -> bool:
        """Whether the worker has said ``ready``, without waiting for it."""
        if not self.ready:
            try:
                if self.inbox.poll(0):
                    self.ready = self.inbox.recv() == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.outbox.close()
        self.inbox.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.outbox.send(None)
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self.outbox.close()
        self.inbox.close()


class GradingPool:
    """A small pool of warm grading processes; ``grade`` is safe to call from threads."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self._all: list[_Worker] = []
        for _ in range(size):
            self._add_worker()
        self.restarts = 0

    def _add_worker(self) -> None:
        worker = _Worker(self.memory_mb)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def release(self, worker: _Worker) -> None:
        """Give a worker back to the pool, idle and warm."""
        self._idle.put(worker)

    def replace(self, worker: _Worker) -> None:
        """Kill a worker (over its time limit, or gone) and start a fresh one in its place
        (blocking: a process is waited for and another started)."""
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            self.restarts += 1
            closed = self._closed
        if not closed:
            self._add_worker()

    def grade(
        self, problem: Problem | dict[str, Any], answer: str, seed: int | None = None
    ) -> GradeResult:
        """The DESIGN §11 result, computed in a worker under the time and memory limits."""
        data = problem.to_dict() if isinstance(problem, Problem) else dict(problem)
        result = self._run("grade", (data, answer, seed), seed)
        if result.get("error") and result["error"].get("kind") == "limit":
            result["expected_shape"] = result["expected_shape"] or _expected_shape(data)
        return GradeResult.from_dict(result)

    def grade_many(
        self,
        items: Iterable[tuple[Problem | dict[str, Any], str, int | None]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> list[GradeResult]:
        """Grade several answers in parallel (one thread per worker), results in order."""
        work: Sequence[tuple[Problem | dict[str, Any], str, int | None]] = list(items)
        results: list[GradeResult] = [GradeResult(seed=0) for _ in work]
        done = 0
        done_lock = threading.Lock()

        def one(index: int) -> None:
            nonlocal done
            problem, answer, seed = work[index]
            results[index] = self.grade(problem, answer, seed)
            with done_lock:
                done += 1
                if progress is not None:
                    progress(done)

        with ThreadPoolExecutor(max_workers=self.size) as executor:
            for future in [executor.submit(one, i) for i in range(len(work))]:
                future.result()
        return results

    def _run(self, task: str, args: tuple[Any, ...], seed: int | None) -> dict[str, Any]:
        if self._closed:
            raise RuntimeError("the grading pool is closed")
        return self._run_on(self._idle.get(), task, args, seed)

    def _run_on(
        self, worker: _Worker, task: str, args: tuple[Any, ...], seed: int | None
    ) -> dict[str, Any]:
        """The task on ``worker`` (checked out of the pool), waited for in this thread."""
        try:
            if not worker.wait_ready():
                self.replace(worker)
                return _limit_result("the grading process did not start", seed)
            worker.outbox.send((task, args))
            if worker.inbox.poll(self.timeout):
                result: dict[str, Any] = worker.inbox.recv()
                self.release(worker)
                return result
        except (EOFError, OSError, BrokenPipeError):
            self.replace(worker)
            return _limit_result("the grading process stopped (memory limit?)", seed)
        self.replace(worker)
        return _limit_result(f"the grading took longer than {self.timeout:g} s", seed)

    async def grade_async(
        self, problem: Problem | dict[str, Any], answer: str, seed: int | None = None
    ) -> GradeResult:
        """As :meth:`grade`, awaited on the running event loop with no thread waiting for
        the worker (``app.grading.pipe_exchange``); the same time and memory limits."""
        data = problem.to_dict() if isinstance(problem, Problem) else dict(problem)
        result = await self._run_async("grade", (data, answer, seed), seed)
        if result.get("error") and result["error"].get("kind") == "limit":
            shape = result["expected_shape"] or await asyncio.to_thread(_expected_shape, data)
            result["expected_shape"] = shape
        return GradeResult.from_dict(result)

    async def probe_async(self, seconds: float, megabytes: int = 0) -> dict[str, Any]:
        """:meth:`probe` awaited on the event loop (tests the limits of that path)."""
        return await self._run_async("probe", (seconds, megabytes), None)

    async def _run_async(
        self, task: str, args: tuple[Any, ...], seed: int | None
    ) -> dict[str, Any]:
        """The task on an idle warm worker, its pipe watched by the loop; when no worker
        is idle and warm, or the message is large, in a thread as :meth:`_run` does."""
        if self._closed:
            raise RuntimeError("the grading pool is closed")
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            return await asyncio.to_thread(self._run, task, args, seed)
        payload = encode((task, args)) if worker.ready_now() else b""
        if not payload or len(payload) > INLINE_BYTES:
            return await asyncio.to_thread(self._run_on, worker, task, args, seed)
        loop = asyncio.get_running_loop()
        exchange = PipeExchange(self, worker, loop, lambda m: _limit_result(m, seed))
        return await exchange.start(payload)

    def derive(
        self,
        function: str,
        variables: dict[str, str],
        wrt: str | list[str],
        layout: str = "numerator",
        seed: int = 1,
    ) -> dict[str, Any]:
        """A derivation's DESIGN §11 JSON under ``"derivation"``, computed in a worker under
        the limits; ``"error"`` (kind ``syntax``, ``shape``, ``no_rule``, ``limit``, ...)
        when there is none."""
        result = self._run("derive", (function, variables, wrt, layout, seed), seed)
        if "derivation" in result or "verdict" not in result:
            return result
        return {"error": result["error"]}  # a time or memory limit, reported as a grading's

    def explore(
        self,
        function: str,
        declared: dict[str, str | None],
        wrt: list[str],
        layout: str = "numerator",
        seed: int = 1,
        *,
        max_dim: int = 12,
        max_chars: int = 2_000,
    ) -> dict[str, Any]:
        """The Explore page's reading, derivation and pictures
        (:func:`app.explore.task.explore`), computed in a worker under the limits;
        ``"error"`` when there is no derivation (a limit is reported as a ``limit`` error)."""
        args = (function, declared, wrt, layout, seed, (max_dim, max_chars))
        result = self._run("explore", args, seed)
        if "derivation" in result or "verdict" not in result:
            return result
        return {"error": result["error"]}

    def read(
        self,
        text: str,
        shapes: dict[str, tuple[int, int]],
        *,
        indices: dict[str, int] | None = None,
        expected: tuple[int, int] | None = None,
        max_chars: int = 2_000,
    ) -> dict[str, Any]:
        """How ``text`` is read (``app.mathlang.reading.read``), in a worker under the
        limits; a time or memory limit is reported as a ``limit`` error."""
        result = self._run("read", (text, shapes, indices, expected, max_chars), None)
        if "ok" in result:
            return result
        return {"ok": False, "error": result["error"], "caret": ""}

    def explore_read(
        self,
        function: str,
        declared: dict[str, str | None],
        wrt: list[str],
        *,
        max_dim: int = 12,
        max_chars: int = 2_000,
    ) -> dict[str, Any]:
        """How Explore reads a function (:func:`app.explore.task.read_function`), in a
        worker under the limits."""
        result = self._run("explore_read", (function, declared, wrt, (max_dim, max_chars)), None)
        if "ok" in result:
            return result
        return {"ok": False, "error": result["error"], "caret": ""}

    def probe(self, seconds: float, megabytes: int = 0) -> dict[str, Any]:
        """Run the diagnostic task in a worker (used to test the time and memory limits)."""
        return self._run("probe", (seconds, megabytes), None)

    @property
    def closed(self) -> bool:
        return self._closed

    def idle(self) -> int:
        """Workers free at this moment."""
        return self._idle.qsize()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()

    def __enter__(self) -> GradingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_shared: dict[tuple[str, int, float, int], GradingPool] = {}
_shared_lock = threading.Lock()


def shared_pool(
    size: int = DEFAULT_SIZE,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    purpose: str = "grading",
) -> GradingPool:
    """The process's pool for these limits and purpose (started on first use, closed at
    exit).

    Every app or command built in one process with the same limits shares one pool, so a
    test run that builds many apps does not start two workers per app; the limits are
    always given by the caller (from :class:`app.settings.Settings`), never read here.
    ``purpose`` keeps pools apart that must not wait for each other (the web app's
    previews are read in their own workers, never behind a grading)."""
    key = (purpose, size, float(timeout), memory_mb)
    with _shared_lock:
        pool = _shared.get(key)
        if pool is None or pool.closed:
            pool = GradingPool(size=size, timeout=timeout, memory_mb=memory_mb)
            _shared[key] = pool
            atexit.register(pool.close)
        return pool


def default_pool() -> GradingPool:
    """The shared pool with the default limits (2 workers, 2 s, 1024 MiB)."""
    return shared_pool()


def grade_in_worker(
    problem: Problem | dict[str, Any], answer: str, seed: int | None = None
) -> GradeResult:
    """Shorthand for ``default_pool().grade(...)``."""
    return default_pool().grade(problem, answer, seed)


if __name__ == "__main__":  # pragma: no cover
    main()
