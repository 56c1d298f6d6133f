"""Several instances differentiated in one batched evaluation agree with one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from app.calculus.finite_diff import jacobian
from app.calculus.finite_diff_batch import jacobians
from app.grading import Problem
from app.grading.setup import setup_for

PROBLEMS = [
    {"variables": {"W": "3x4", "x": "4", "b": "3"}, "function": "tanh(W x + b)", "wrt": "x"},
    {"variables": {"W": "3x4", "x": "4", "b": "3"}, "function": "relu(W x + b)", "wrt": "W"},
    {"variables": {"W": "3x4", "x": "4", "b": "3"}, "function": "sum(log(exp(W x)) .* b)"},
    {"variables": {"x": "scalar", "y": "scalar"}, "function": "[3 x^2 y, 2 x + y^8]"},
    {"variables": {"A": "3x3:invertible", "b": "3"}, "function": "inv(A) b", "wrt": "A"},
]


@pytest.mark.parametrize("data", PROBLEMS, ids=lambda d: str(d["function"]))
def test_batched_instances_give_what_each_instance_gives_alone(data: dict[str, object]) -> None:
    data = {"wrt": "W,b"} | data if "wrt" not in data else data
    if data["function"].startswith("["):  # type: ignore[union-attr]
        data = data | {"wrt": "x,y"}
    setup = setup_for(Problem.from_dict(data))
    instances = setup.sampler.sample(3, np.random.default_rng(5))
    noise = [setup.rounding(instance) for instance in instances]
    alone = [
        jacobian(setup.func, instance, setup.problem.wrt, rounding=r)
        for instance, r in zip(instances, noise, strict=True)
    ]
    together = jacobians(setup.func, instances, setup.problem.wrt, rounding=noise)
    for one, many in zip(alone, together, strict=True):
        # A direction another instance still needs is refined for all: that can only
        # move an estimate within its error.
        kept = ~one.set_aside & ~many.set_aside
        gap = np.abs(many.value - one.value)
        assert np.all(gap[kept] <= (one.error + many.error)[kept])
        assert np.array_equal(many.output, one.output)
        scale = float(np.max(np.abs(one.value)))
        assert np.all(many.error[kept] <= 1e-6 * scale)


def test_one_instance_or_a_large_input_goes_one_at_a_time() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 8))

    def f(values: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(values["W"] @ values["x"])

    instances = [{"W": w + k, "x": rng.normal(size=(8, 1))} for k in range(2)]
    together = jacobians(f, instances, "W")  # 64 inputs: column grouping, per instance
    for instance, many in zip(instances, together, strict=True):
        np.testing.assert_allclose(many.value, jacobian(f, instance, "W").value)
