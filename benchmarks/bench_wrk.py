"""Grade throughput against ``/healthz`` with wrk, in the same run.

A real ``jtutor serve`` (as in :mod:`benchmarks.bench_web`) is loaded by wrk (Debian's
``wrk``, 2 threads, 16 connections) for ``JTUTOR_BENCH_SECONDS`` per endpoint, in
interleaved rounds: ``GET /healthz``; ``POST /api/v1/grade`` with a mix of a linear, a
ReLU and a tanh-layer problem (right and wrong answers, a new seed each request, so each
grading draws its own instances); and the lesson page. Only 2xx answers count. The
figure that matters is the ratio of each endpoint to ``/healthz`` measured in the same
round: the machine may be shared, the ratio is what is compared.

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
        try:
            run_wrk(server.url + "/healthz", None)  # warm up (and start the grading workers)
            run_wrk(server.url, script)
            rows: list[tuple[float, float, float]] = []
            for _ in range(ROUNDS):
                health = run_wrk(server.url + "/healthz", None)
                grade = run_wrk(server.url, script)
                lesson = run_wrk(server.url + LESSON, None)
                rows.append((health, grade, lesson))
                print(
                    f"round: /healthz {health:7.0f}/s  grade {grade:6.0f}/s "
                    f"({grade / health:.2f}x)  lesson {lesson:6.0f}/s ({lesson / health:.2f}x)",
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
