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
load on a shared machine disturbs less than the rates.

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


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by the server process and its children (the grading workers,
    started by it), from /proc; 0 where /proc is not readable."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):  # workers come from threads
        try:
            pids += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def wait_until_idle(pid: int, quiet: float = 0.05, timeout: float = 300.0) -> None:
    """Wait until the server and its workers use less than ``quiet`` of a CPU over a
    second: the start-up self-check grades every exercise in the workers, which must not
    be measured as part of the first rounds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < quiet:
            return


def measure(url: str, script: Path | None, pid: int) -> tuple[float, float]:
    """(2xx responses per second, CPU milliseconds of server and workers per response)."""
    before = cpu_seconds(pid)
    rate = run_wrk(url, script)
    used = cpu_seconds(pid) - before
    return rate, 1e3 * used / max(1.0, rate * SECONDS)


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
                health, health_cpu = measure(server.url + "/healthz", None, pid)
                grade, grade_cpu = measure(server.url, script, pid)
                lesson, lesson_cpu = measure(server.url + LESSON, None, pid)
                rows.append((health, grade, lesson))
                print(
                    f"round: /healthz {health:7.0f}/s  grade {grade:6.0f}/s "
                    f"({grade / health:.2f}x)  lesson {lesson:6.0f}/s ({lesson / health:.2f}x)"
                    f"  CPU ms/request: healthz {health_cpu:.2f}, grade {grade_cpu:.2f}, "
                    f"lesson {lesson_cpu:.2f}",
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
