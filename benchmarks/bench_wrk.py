"""Grade throughput against ``/healthz`` with wrk, in the same run.

A real ``jtutor serve`` (as in :mod:`benchmarks.bench_web`) is loaded by wrk (Debian's
``wrk``, 2 threads, 16 connections) for ``JTUTOR_BENCH_SECONDS`` per endpoint, in
interleaved rounds: ``GET /healthz``; ``POST /api/v1/grade`` with a mix of a linear, a
ReLU and a tanh-layer problem (right and wrong answers, a new seed each request, so each
grading draws its own instances); and the lesson page. Only 2xx answers count. The
figure that matters is the ratio of each endpoint to ``/healthz`` measured in the same
round: the machine may be shared, the ratio is what is compared. Measuring starts once the
start-up self-check (which grades every exercise in the workers) is over, and each line
also prints the CPU time the server and its workers spent per response, which other
load on a shared machine disturbs less than the rates: in all, and split into the server
process's share and its grading workers' share.

wrk is not a Python package: ``apt-get install wrk``. Without it this benchmark says so
and is skipped (it does not fail ``make bench``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_web import Server

SECONDS = int(float(os.environ.get("JTUTOR_BENCH_SECONDS", "9")))
ROUNDS = 3
CONNECTIONS = 16
THREADS = 2
LESSON = "/lessons/y-equals-wx"

PROBLEMS = [
    {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x", "answer": "W^T"},
    {
        "variables": {"W": "3x4", "x": "4", "b": "3"},
        "function": "relu(W x + b)",
        "wrt": "x",
        "answer": "diag(step(W x + b)) W",
    },
    {
        "variables": {"W": "3x4", "x": "4", "b": "3"},
        "function": "tanh(W x + b)",
        "wrt": "x",
        "answer": "diag(1 - tanh(W x + b).^2) W",
    },
]
"""The mix: a linear problem (a transposed answer), a ReLU layer and a tanh layer (right)."""


def grade_script() -> str:
    """wrk's Lua: the three bodies in turn, each with a seed of its own."""
    bodies = ",\n".join("  " + json.dumps(json.dumps(p)[:-1]) for p in PROBLEMS)
    return (
        "local bodies = {\n" + bodies + "\n}\n"
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local body = bodies[(counter % #bodies) + 1] .. ', \"seed\": ' .. counter .. '}'\n"
        '  return wrk.format("POST", "/api/v1/grade", '
        '{["Content-Type"] = "application/json"}, body)\n'
        "end\n"
    )


def run_wrk(url: str, script: Path | None) -> float:
    """2xx responses per second."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    seconds = float(re.search(r"requests in ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    return (total - errors) / seconds


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name; empty where unreadable."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU time used so far (server process, its grading workers), from /proc; 0 where
    /proc is not readable.

    The workers' share is that of the live children of the server (the workers it
    started) plus what its children that have ended used (a worker killed at its time
    limit, counted by the kernel once the server has reaped it)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):  # workers come from threads
        try:
            children += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    fields = _stat_fields(pid)
    if not fields:
        return 0.0, 0.0
    server = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    workers = (int(fields[13]) + int(fields[14])) / tick  # cutime + cstime (reaped children)
    for child in children:
        child_fields = _stat_fields(child)
        if child_fields:
            workers += (int(child_fields[11]) + int(child_fields[12])) / tick
    return server, workers


def wait_until_idle(pid: int, quiet: float = 0.05, timeout: float = 300.0) -> None:
    """Wait until the server and its workers use less than ``quiet`` of a CPU over a
    second: the start-up self-check grades every exercise in the workers, which must not
    be measured as part of the first rounds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(cpu_seconds(pid))
        time.sleep(1.0)
        if sum(cpu_seconds(pid)) - before < quiet:
            return


@dataclass(frozen=True)
class Measured:
    """One endpoint's share of a round: 2xx responses per second and the CPU milliseconds
    per response spent in the server process and in its grading workers."""

    rate: float
    server_ms: float
    workers_ms: float

    @property
    def cpu_ms(self) -> float:
        return self.server_ms + self.workers_ms

    def cpu_text(self) -> str:
        return f"{self.cpu_ms:.2f} (server {self.server_ms:.2f} + workers {self.workers_ms:.2f})"


def measure(url: str, script: Path | None, pid: int) -> Measured:
    """The rate of ``url`` under wrk and the CPU it cost the server and the workers."""
    server_before, workers_before = cpu_seconds(pid)
    rate = run_wrk(url, script)
    server_after, workers_after = cpu_seconds(pid)
    responses = max(1.0, rate * SECONDS)
    return Measured(
        rate,
        1e3 * (server_after - server_before) / responses,
        1e3 * (workers_after - workers_before) / responses,
    )


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk): skipped")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        script = work / "grade.lua"
        script.write_text(grade_script())
        server = Server(work)
        server.start()
        assert server.process is not None
        pid = server.process.pid
        try:
            run_wrk(server.url + "/healthz", None)  # warm up (and start the grading workers)
            run_wrk(server.url, script)
            wait_until_idle(pid)
            rows: list[tuple[float, float, float]] = []
            for _ in range(ROUNDS):
                health_m = measure(server.url + "/healthz", None, pid)
                grade_m = measure(server.url, script, pid)
                lesson_m = measure(server.url + LESSON, None, pid)
                health, grade, lesson = health_m.rate, grade_m.rate, lesson_m.rate
                rows.append((health, grade, lesson))
                print(
                    f"round: /healthz {health:7.0f}/s  grade {grade:6.0f}/s "
                    f"({grade / health:.2f}x)  lesson {lesson:6.0f}/s ({lesson / health:.2f}x)"
                    f"  CPU ms/request: healthz {health_m.cpu_text()}, "
                    f"grade {grade_m.cpu_text()}, lesson {lesson_m.cpu_text()}",
                    flush=True,
                )
        finally:
            server.stop()
    grade_ratios = sorted(g / h for h, g, _ in rows)
    lesson_ratios = sorted(le / h for h, _, le in rows)
    print(
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} rounds: grade/healthz "
        f"median {grade_ratios[len(rows) // 2]:.2f}x (min {grade_ratios[0]:.2f}x), "
        f"lesson/healthz median {lesson_ratios[len(rows) // 2]:.2f}x"
    )
    return 0
