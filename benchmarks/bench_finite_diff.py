"""The finite-difference engine against SciPy's ``approx_derivative``, in one process.

Both differentiate the same function at the same points, timed side by side:

* **ours** is the engine as the grader uses it: the function is the problem's text,
  parsed and typed (:class:`app.grading.setup.ProblemSetup`) and evaluated by
  ``mathlang.evaluate`` on a batch axis, with the rounding noise the grader measures
  passed in. "ours, K batched" differentiates the grader's K instances in one call
  (:func:`app.calculus.finite_diff_batch.jacobians`, what a grading does), "ours, one"
  the same instances one at a time (:func:`app.calculus.finite_diff.jacobian`, what a
  pinned problem or a confirming instance costs). Times are per derivative.
* **scipy 3-point** is ``approx_derivative(method="3-point")`` on a plain numpy function
  of the same mathematics (a closure over the instance's other values, taking the flat
  ``wrt`` variable), called once per instance.
* **grader's reference** is everything the grader computes for one reference derivative
  (:func:`app.calculus.reference.reference_derivatives`: the rounding measurement, the
  engine and the structural kink test), for information.

Each repeat times every method in turn (so that load from other processes affects them
alike) and the median of the repeats is kept; the CPU time of this process is the clock.
Each row prints its largest error against the exact derivative, computed analytically
here. The last line prints the lowest ratio SciPy / ours over the functions, for each of
the engine's two ways of being called, against the 10x target.
"""

from __future__ import annotations

import os
import statistics
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize._numdiff import approx_derivative

from app.calculus.finite_diff import jacobian
from app.calculus.finite_diff_batch import jacobians
from app.calculus.reference import reference_derivatives
from app.grading.grader import K
from app.grading.problem import Problem
from app.grading.setup import ProblemSetup

Array = npt.NDArray[np.float64]
Instance = dict[str, Array]
TIMER = time.process_time
"""CPU time of this process: steadier than wall time on a machine shared with other work
(numpy's BLAS runs these small products on one thread)."""
SECONDS = float(os.environ.get("JTUTOR_BENCH_SECONDS", "5"))
"""Rough CPU seconds spent timing each function (all methods together)."""
TARGET = 10.0


@dataclass
class Case:
    """A function as the language writes it and as numpy does, its K instances, and its
    exact derivative (canonical tensor) at each."""

    name: str
    text: str
    numpy_function: Callable[[Instance], Callable[[Array], Array]]
    """At an instance: the function of the flattened ``wrt`` variable, in plain numpy."""
    instances: list[Instance]
    wrt: str
    exact: list[Array]

    def setup(self) -> ProblemSetup:
        first = self.instances[0]
        variables = {name: f"{v.shape[0]}x{v.shape[1]}" for name, v in first.items()}
        return ProblemSetup(Problem(variables=variables, function=self.text, wrt=[self.wrt]))


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def linear_case(n: int, rng: np.random.Generator) -> Case:
    instances = [{"W": rng.normal(size=(n, n)), "x": rng.normal(size=(n, 1))} for _ in range(K)]
    exact = [np.einsum("ij,k->ijk", np.eye(n), i["x"][:, 0]) for i in instances]

    def numpy_function(instance: Instance) -> Callable[[Array], Array]:
        x = instance["x"]
        return lambda w: (w.reshape(n, n) @ x).ravel()

    return Case(f"y = W x, wrt W {n}x{n}", "W * x", numpy_function, instances, "W", exact)


def tanh_case(n: int, rng: np.random.Generator) -> Case:
    instances = []
    exact = []
    for _ in range(K):
        w = rng.normal(size=(n, n)) / np.sqrt(n)
        x, b = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
        instances.append({"W": w, "x": x, "b": b})
        slope = 1.0 - np.tanh(w @ x + b)[:, 0] ** 2
        exact.append(np.einsum("ij,i,k->ijk", np.eye(n), slope, x[:, 0]))

    def numpy_function(instance: Instance) -> Callable[[Array], Array]:
        x, b = instance["x"], instance["b"]
        return lambda w: np.tanh(w.reshape(n, n) @ x + b).ravel()

    return Case(
        f"tanh(W x + b), wrt W {n}x{n}",
        "tanh(W * x + b)",
        numpy_function,
        instances,
        "W",
        exact,
    )


def relu_mse_case(samples: int, features: int, rng: np.random.Generator) -> Case:
    """About half the units active, every pre-activation clear of the kink (as the
    sampler's instances are); the samples too close to it are dropped, as many from every
    instance so that the K instances share their shapes."""
    drawn = []
    for _ in range(K):
        x = rng.normal(size=(samples, features))
        w = rng.normal(size=(features, 1)) / np.sqrt(features)
        y = rng.normal(size=(samples, 1))
        b = np.array([[-float(np.median(x @ w)) + 0.01]])
        drawn.append((x, w, b, y, np.abs(x @ w + b)[:, 0]))
    kept = min(int(np.sum(clear >= 0.05)) for *_, clear in drawn)
    instances, exact = [], []
    for x, w, b, y, clear in drawn:
        keep = np.argsort(-clear, kind="stable")[:kept]
        keep.sort()
        x, y = x[keep], y[keep]
        z = x @ w + b
        instances.append({"X": x, "w": w, "b": b, "y": y})
        exact.append((-2.0 / kept) * (x.T @ ((y - _relu(z)) * (z > 0)))[:, 0])

    def numpy_function(instance: Instance) -> Callable[[Array], Array]:
        x, b, y = instance["X"], instance["b"], instance["y"]
        return lambda w: np.mean((y - _relu(x @ w.reshape(-1, 1) + b)) ** 2).reshape(1)

    return Case(
        f"mean((y - relu(X w + b)).^2), wrt w, X {kept}x{features}",
        "mean((y - relu(X * w + b)).^2)",
        numpy_function,
        instances,
        "w",
        exact,
    )


@dataclass
class Method:
    name: str
    call: Callable[[], object]
    derivatives: Callable[[], Sequence[Array]]  # canonical tensors, for the error
    per_call: int  # derivatives per call


def methods(case: Case) -> list[Method]:
    setup = case.setup()
    wrt = [case.wrt]
    noise = setup.rounding_many(case.instances)
    funs = [case.numpy_function(i) for i in case.instances]
    starts = [i[case.wrt].reshape(-1) for i in case.instances]
    shape = case.exact[0].shape

    def batched() -> list[Array]:
        return [d.value for d in jacobians(setup.func, case.instances, wrt, rounding=noise)]

    def one() -> list[Array]:
        return [
            jacobian(setup.func, instance, wrt, rounding=r).value
            for instance, r in zip(case.instances, noise, strict=True)
        ]

    def scipy() -> list[Array]:
        return [
            approx_derivative(fun, x0, method="3-point").reshape(shape)
            for fun, x0 in zip(funs, starts, strict=True)
        ]

    def reference() -> list[Array]:
        refs = reference_derivatives(
            setup.func, setup.sites, case.instances, wrt, setup.rounding_many
        )
        return [r.values.reshape(shape) for r in refs]

    return [
        Method("ours, K batched", batched, batched, K),
        Method("ours, one", one, one, K),
        Method("scipy 3-point", scipy, scipy, K),
        Method("grader's reference", reference, reference, K),
    ]


def _number(call: Callable[[], object], budget: float) -> int:
    """Calls per timing so that one timing lasts about ``budget`` seconds."""
    number = 1
    while timeit.timeit(call, number=number, timer=TIMER) < budget and number < 1000:
        number *= 2
    return number


def run_case(case: Case) -> list[tuple[str, float, float]]:
    """(method, median CPU seconds per derivative, max error) for each method, the
    methods timed in turn within each repeat."""
    timed = methods(case)
    errors = {
        m.name: max(
            float(np.max(np.abs(d - e))) for d, e in zip(m.derivatives(), case.exact, strict=False)
        )
        for m in timed
    }
    repeat = 7
    budget = SECONDS / (repeat * len(timed))
    numbers = {m.name: _number(m.call, budget) for m in timed}
    samples: dict[str, list[float]] = {m.name: [] for m in timed}
    for _ in range(repeat):
        for m in timed:
            seconds = timeit.timeit(m.call, number=numbers[m.name], timer=TIMER)
            samples[m.name].append(seconds / (numbers[m.name] * m.per_call))
    return [(m.name, statistics.median(samples[m.name]), errors[m.name]) for m in timed]


def cases() -> list[Case]:
    rng = np.random.default_rng(20261123)
    return [
        linear_case(16, rng),
        linear_case(64, rng),
        tanh_case(32, rng),
        tanh_case(64, rng),
        relu_mse_case(128, 32, rng),
    ]


def main() -> int:
    print(f"{'function':48} {'method':18} {'time':>10} {'scipy/this':>10} {'max error':>10}")
    lowest: dict[str, tuple[float, str]] = {}
    for case in cases():
        rows = run_case(case)
        scipy = next(seconds for name, seconds, _ in rows if name == "scipy 3-point")
        for method, seconds, error in rows:
            ratio = "" if method == "scipy 3-point" else f"{scipy / seconds:9.1f}x"
            print(f"{case.name:48} {method:18} {seconds * 1e3:8.3f}ms {ratio:>10} {error:10.2e}")
            if method.startswith("ours"):
                lowest[method] = min(lowest.get(method, (np.inf, "")), (scipy / seconds, case.name))
    for method, (worst, name) in lowest.items():
        print(f"SciPy 3-point / {method}: lowest {worst:.1f}x ({name}), target {TARGET:.0f}x")
    return 0
