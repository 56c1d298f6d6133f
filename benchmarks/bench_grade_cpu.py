"""CPU time of one grading in this process (``make bench``, ``python -m benchmarks grade_cpu``).

What a grading worker spends per answer: ``grade_dict`` on small layer problems, each
graded with a new seed so that every grading draws and differentiates its own instances.
The mix is :mod:`benchmarks.bench_wrk`'s (a linear problem answered with the transpose, a
ReLU and a tanh layer answered right) and, apart, problems of other sizes and kinds
(a sigmoid layer, a softmax, a squared loss, a wider ReLU layer, graded without a seed).

CPU time (``time.process_time``) is printed per problem and for each mix, in
milliseconds per grade, with the median over rounds; each round also times a fixed numpy
workload (small matrix products, solves and elementwise functions, the kind of work a
grading does), and the ratio of a grade to that yardstick is printed too, since the
yardstick moves with the machine and its load as the grading does.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from app.grading.grader import grade_dict
from benchmarks.bench_wrk import PROBLEMS

ROUNDS = 5
GRADES = 30
"""Gradings of each problem per round."""

OTHERS: list[dict[str, Any]] = [
    {
        "variables": {"W": "5x2", "x": "2", "b": "5"},
        "function": "sigmoid(W x + b)",
        "wrt": "x",
        "answer": "diag(sigmoid(W x + b) .* (1 - sigmoid(W x + b))) W",
    },
    {
        "variables": {"W": "3x3", "x": "3"},
        "function": "softmax(W x)",
        "wrt": "x",
        "answer": "(diag(softmax(W x)) - softmax(W x) softmax(W x)^T) W",
    },
    {
        "variables": {"W": "3x4", "x": "4", "y": "3"},
        "function": "sum((W x - y).^2)",
        "wrt": "x",
        "answer": "2 (W x - y)^T W",
    },
    {
        "variables": {"W": "6x5", "x": "5", "b": "6"},
        "function": "relu(W x + b)",
        "wrt": "x",
        "answer": "diag(step(W x + b)) W",
    },
]
"""Problems the wrk mix does not have; graded without a seed (each draws its own)."""


def _yardstick() -> None:
    """A fixed numpy workload of the size of a grading's own operations."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 4)) + 4 * np.eye(4)
    b = rng.normal(size=(3, 4, 1))
    for _ in range(40):
        x = np.linalg.solve(a, b)
        y = np.tanh(a @ x) * np.maximum(b, 0.0)
        np.abs(y - x[:, :1]).max(axis=(1, 2))


def _cpu_ms(work: Callable[[], object], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        work()
    return 1e3 * (time.process_time() - started) / count


def _label(problem: dict[str, Any]) -> str:
    sizes = ", ".join(f"{name} {shape}" for name, shape in problem["variables"].items())
    return f"{problem['function']} ({sizes})"


def _grader(problem: dict[str, Any], seeded: bool) -> Callable[[], object]:
    body = {key: value for key, value in problem.items() if key != "answer"}
    answer = str(problem["answer"])
    seeds = iter(range(10**9))

    def run() -> object:
        return grade_dict(body, answer, next(seeds) if seeded else None)

    return run


def main() -> int:
    mixes = {"wrk mix": (PROBLEMS, True), "other problems": (OTHERS, False)}
    graders = {
        name: [(_label(p), _grader(p, seeded)) for p in problems]
        for name, (problems, seeded) in mixes.items()
    }
    for runs in graders.values():  # warm up: checked problems, compiled plans
        for _, run in runs:
            for _ in range(5):
                run()
    per_problem: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {name: [] for name in mixes}
    means: dict[str, list[float]] = {name: [] for name in mixes}
    for _ in range(ROUNDS):
        yardstick = _cpu_ms(_yardstick, 20)
        for name, runs in graders.items():
            costs = [_cpu_ms(run, GRADES) for _, run in runs]
            for (label, _), cost in zip(runs, costs, strict=True):
                per_problem.setdefault(label, []).append(cost)
            mean = statistics.fmean(costs)
            means[name].append(mean)
            ratios[name].append(mean / yardstick)
    for label, costs in per_problem.items():
        print(f"{label:48s} {statistics.median(costs):6.2f} ms CPU per grade")
    for name in mixes:
        print(
            f"{name}: {statistics.median(means[name]):.2f} ms CPU per grade (median of "
            f"{ROUNDS} rounds), {statistics.median(ratios[name]):.2f}x the numpy yardstick"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
