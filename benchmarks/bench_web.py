"""The web server under load: grading and a lesson page against ``/healthz``, memory, cold start.

A real ``jtutor serve`` (SQLite in a temporary folder, the default grading pool) is started
and measured from outside, as an operator would see it:

- cold start: seconds from launching the process to the first 200 on ``/healthz``, and to
  the first graded answer (the grading workers start on first use);
- closed-loop load from ``CONCURRENCY`` client threads (httpx, keep-alive) for
  ``SECONDS`` per endpoint, in ``ROUNDS`` turns that interleave the endpoints (the median
  round's throughput is reported, so a burst of other work on the machine skews all
  endpoints alike): throughput and p50/p99 latency of ``GET /healthz``,
  ``POST /api/v1/grade`` (a transposed answer to ``y = Wx``, a new seed per request, so
  every request grades three random instances) and ``GET /lessons/y-equals-wx``, each
  also as a ratio to ``/healthz`` measured in the same run;
- resident memory (RSS) of the server and its grading workers, idle and at the peak of
  the load.

The target of issue 7 is a grade throughput of at least half the ``/healthz`` throughput.
The load generator shares the machine with the server, so absolute figures are a floor;
the ratios are what compare. ``python -m benchmarks web`` runs only this module;
``JTUTOR_BENCH_SECONDS`` and ``JTUTOR_BENCH_CONCURRENCY`` change the load.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("JTUTOR_BENCH_SECONDS", "9"))
ROUNDS = 3  # the endpoints take turns, so a change in background load hits all of them
CONCURRENCY = int(os.environ.get("JTUTOR_BENCH_CONCURRENCY", "8"))
GRADE_BODY = {
    "variables": {"W": "3x4", "x": "4"},
    "function": "W x",
    "wrt": "x",
    "layout": "numerator",
    "answer": "W^T",
}
LESSON = "/lessons/y-equals-wx"


@dataclass
class Server:
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [sys.executable, "-m", "app", "serve", "--port", str(self.port)]
        command += ["--db", f"sqlite:///{self.workdir / 'bench.db'}", "--log-level", "warning"]
        env = {**os.environ, "JTUTOR_HOME": str(ROOT)}
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "serve.log").open("wb"),
            start_new_session=True,
        )
        while time.perf_counter() - started < 120:
            if self.process.poll() is not None:
                raise RuntimeError((self.workdir / "serve.log").read_text()[-2000:])
            with suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            time.sleep(0.01)
        raise RuntimeError("the server did not become healthy in 120 s")

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def rss_mib(self) -> tuple[float, float]:
        """RSS of the server process alone and of it with all its descendants, in MiB."""
        assert self.process is not None
        pids = _descendants(self.process.pid)
        main = _rss_kib(self.process.pid)
        return main / 1024, sum(_rss_kib(pid) for pid in pids) / 1024


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    with suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def _rss_kib(pid: int) -> int:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds: server, workers, client
    rounds: list[float] = field(default_factory=list)  # requests per second, per round
    probe: list[float] = field(default_factory=list)  # /healthz latencies during the load

    def cpu_ms(self, part: str) -> float:
        """CPU milliseconds per answered request spent in ``part``."""
        return self.cpu[part] / max(1, len(self.latencies)) * 1e3

    @property
    def throughput(self) -> float:
        """Requests per second in the median round."""
        return statistics.median(self.rounds) if self.rounds else 0.0

    def percentile(self, q: float, sample: list[float] | None = None) -> float:
        values = self.latencies if sample is None else sample
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


Request = Callable[[httpx.Client, int], httpx.Response]


def load(server: Server, run: Run, request: Request, peak: list[float], seconds: float) -> None:
    """``CONCURRENCY`` threads send ``request`` back to back for ``seconds``, adding to
    ``run``; meanwhile a probe asks ``/healthz`` every 100 ms (is the event loop free?)."""
    answered = len(run.latencies)
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**9))

    def probe_loop() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.wait(0.1):
                started = time.perf_counter()
                with suppress(httpx.HTTPError):
                    client.get("/healthz")
                run.probe.append(time.perf_counter() - started)

    def client_loop() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while not stop.is_set():
                number = next(counter)
                started = time.perf_counter()
                try:
                    ok = request(client, number).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                with lock:
                    if ok:
                        run.latencies.append(elapsed)
                    else:
                        run.errors += 1

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(CONCURRENCY)]
    threads.append(threading.Thread(target=probe_loop, daemon=True))
    cpu_before = _cpu_split(server)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while time.perf_counter() - started < seconds:
        time.sleep(0.25)
        peak[0] = max(peak[0], server.rss_mib()[1])
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    run.seconds += elapsed
    run.rounds.append((len(run.latencies) - answered) / elapsed)
    cpu_after = _cpu_split(server)
    for part, value in cpu_after.items():
        run.cpu[part] = run.cpu.get(part, 0.0) + value - cpu_before[part]


def _cpu_split(server: Server) -> dict[str, float]:
    """CPU seconds so far of the server process, its grading workers, and this load generator."""
    assert server.process is not None
    main = server.process.pid
    times = os.times()
    return {
        "server": _cpu_seconds(main),
        "workers": sum(_cpu_seconds(pid) for pid in _descendants(main) if pid != main),
        "client": times.user + times.system,
    }


def capacity(run: Run) -> float:
    """Requests per second the server could answer with the machine to itself.

    Throughput measured with the load generator (and anything else) on the same cores
    moves with their load; CPU time per request barely does. The server's own process
    handles every request on at most one core (one event loop, the GIL), and with its
    grading workers it can use every core, so the bound is the smaller of the two.
    """
    server, workers = run.cpu_ms("server"), run.cpu_ms("workers")
    if server <= 0:
        return float("nan")
    return min(1e3 / server, (os.cpu_count() or 1) * 1e3 / (server + workers))


def healthz(client: httpx.Client, _number: int) -> httpx.Response:
    return client.get("/healthz")


def grade(client: httpx.Client, number: int) -> httpx.Response:
    return client.post("/api/v1/grade", json={**GRADE_BODY, "seed": number})


def lesson(client: httpx.Client, _number: int) -> httpx.Response:
    return client.get(LESSON)


def machine() -> str:
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal:")),
        "0",
    )  # fmt: skip
    return (
        f"{os.cpu_count()} CPUs (nproc), {int(memory) / 1024**2:.1f} GiB memory, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main() -> int:
    print(f"machine: {machine()}")
    print(
        f"load: {CONCURRENCY} client threads (keep-alive) x {SECONDS:g} s per endpoint, "
        f"in {ROUNDS} interleaved rounds"
    )
    with tempfile.TemporaryDirectory(prefix="jtutor-bench-") as folder:
        server = Server(Path(folder))
        try:
            cold = server.start()
            started = time.perf_counter()
            first = httpx.post(server.url + "/api/v1/grade", json=GRADE_BODY, timeout=60)
            first_grade = time.perf_counter() - started
            assert first.status_code == 200, first.text
            print(f"cold start to first 200 on /healthz: {cold:.2f} s")
            print(f"first grade after that (grading workers start): {first_grade:.2f} s")
            for _ in range(20):  # warm every worker and the lesson page
                httpx.post(server.url + "/api/v1/grade", json=GRADE_BODY, timeout=60)
                httpx.get(server.url + LESSON, timeout=60)
            time.sleep(1.0)
            idle_main, idle_total = server.rss_mib()
            print(
                f"idle RSS: server {idle_main:.0f} MiB, with grading workers {idle_total:.0f} MiB"
            )
            peak = [idle_total]
            plan: list[tuple[Run, Request]] = [
                (Run("GET /healthz"), healthz),
                (Run("POST /api/v1/grade"), grade),
                (Run(f"GET {LESSON}"), lesson),
            ]
            for _ in range(ROUNDS):
                for run, request in plan:
                    load(server, run, request, peak, SECONDS / ROUNDS)
            runs = [run for run, _ in plan]
            print(f"loaded RSS (peak): server with grading workers {peak[0]:.0f} MiB")
        finally:
            server.stop()
    base = runs[0].throughput
    header = f"{'endpoint':28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    print(f"{header} {'vs healthz':>10}")
    for run in runs:
        print(
            f"{run.name:28} {run.throughput:7.1f} {run.percentile(50) * 1e3:7.1f} "
            f"{run.percentile(99) * 1e3:7.1f} {run.errors:6d} {run.throughput / base:9.2f}x"
        )
    print("CPU per request (ms): server process / grading workers / load generator")
    for run in runs:
        parts = " / ".join(f"{run.cpu_ms(part):.2f}" for part in ("server", "workers", "client"))
        print(f"  {run.name:28} {parts}")
    print(
        "capacity from CPU per request (the server's own process is one core at most; it and"
        " the workers share all cores): req/s, vs healthz"
    )
    capacities = [capacity(run) for run in runs]
    for run, value in zip(runs, capacities, strict=True):
        print(f"  {run.name:28} {value:7.1f} {value / capacities[0]:9.2f}x")
    print("/healthz probe every 100 ms during each load: p50 / p99 ms")
    for run in runs:
        p50, p99 = (run.percentile(q, run.probe) * 1e3 for q in (50, 99))
        print(f"  {run.name:28} {p50:.1f} / {p99:.1f}")
    ratio = runs[1].throughput / base
    modelled = capacities[1] / capacities[0]
    verdict = "met" if ratio >= 0.5 else "MISSED"
    print(
        f"target grade >= 0.5x /healthz throughput: {verdict} as measured ({ratio:.2f}x); "
        f"{modelled:.2f}x from CPU per request"
    )
    return 1 if any(run.errors for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
