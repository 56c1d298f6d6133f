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


def test_instances_with_different_sparsity_share_one_grouping_and_stay_exact() -> None:
    """Column grouping over several instances groups by the union of their patterns: in
    y = relu(W x) an inactive unit depends on nothing, so the first instance (half its
    units inactive) alone would say those outputs depend on no entry of W; the second
    (every unit active) is still differentiated exactly, like each alone."""
    rng = np.random.default_rng(0)

    def f(values: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(np.maximum(values["W"] @ values["x"], 0.0))

    def instance(active: bool) -> dict[str, np.ndarray]:
        w, x = rng.normal(size=(8, 8)), rng.normal(size=(8, 1))
        z = (w @ x)[:, 0]
        wanted = np.ones(8) if active else np.where(np.arange(8) % 2, 1.0, -1.0)
        signs = np.sign(z) * wanted  # unit i active exactly where wanted[i] > 0
        return {"W": w * signs[:, None], "x": x}

    half, full = instance(False), instance(True)
    together = jacobians(f, [half, full], "W")  # 64 inputs: column grouping
    assert together[0].groups == together[1].groups < 64
    for inst, many in zip([half, full], together, strict=True):
        alone = jacobian(f, inst, "W")
        assert not many.set_aside.any() and not alone.set_aside.any()
        z = (inst["W"] @ inst["x"])[:, 0]
        exact = np.einsum("ij,k->ijk", np.diag((z > 0).astype(float)), inst["x"][:, 0])
        np.testing.assert_allclose(many.value, exact, rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(alone.value, exact, rtol=1e-8, atol=1e-12)


def test_a_variable_not_differentiated_is_not_copied_per_point() -> None:
    """f sees (K, P, rows, cols) for the moved variable and (K, 1, rows, cols) for the
    data: a 120 x 32 matrix is not repeated for each of the hundreds of points."""
    rng = np.random.default_rng(1)
    seen: list[tuple[int, ...]] = []

    def f(values: dict[str, np.ndarray]) -> np.ndarray:
        seen.append(values["X"].shape)
        return np.asarray(np.sum((values["X"] @ values["w"]) ** 2, axis=(-2, -1)))

    instances = [{"X": rng.normal(size=(120, 32)), "w": rng.normal(size=(32, 1))} for _ in range(3)]
    derivs = jacobians(f, instances, "w")
    assert seen and all(shape == (3, 1, 120, 32) for shape in seen)
    for instance, d in zip(instances, derivs, strict=True):
        x, w = instance["X"], instance["w"]
        exact = 2 * (x.T @ (x @ w))[:, 0]
        assert np.all(np.abs(d.value - exact) <= 1e-9 * np.max(np.abs(exact)))


def test_grouped_instances_together_give_what_each_gives_alone() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 8))

    def f(values: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(values["W"] @ values["x"])

    instances = [{"W": w + k, "x": rng.normal(size=(8, 1))} for k in range(2)]
    together = jacobians(f, instances, "W")  # 64 inputs: column grouping, together
    for instance, many in zip(instances, together, strict=True):
        np.testing.assert_allclose(many.value, jacobian(f, instance, "W").value)


def test_an_instance_is_evaluated_at_a_finer_level_only_when_it_needs_one() -> None:
    """Of the benchmark's three tanh(W x + b) instances one needs finer steps (two more
    levels alone); the others are not evaluated at those levels in the batch, and each
    result agrees with its own."""
    from benchmarks.bench_finite_diff import cases

    case = next(c for c in cases() if c.name == "tanh(W x + b), wrt W 32x32")
    setup = case.setup()
    noise = setup.rounding_many(case.instances)
    together = jacobians(setup.func, case.instances, [case.wrt], rounding=noise)
    alone = [
        jacobian(setup.func, instance, [case.wrt], rounding=r)
        for instance, r in zip(case.instances, noise, strict=True)
    ]
    for one, many in zip(alone, together, strict=True):
        assert np.all(np.abs(many.value - one.value) <= many.error + one.error)
    dear = int(np.argmax([d.evaluations for d in alone]))
    assert together[dear].evaluations == alone[dear].evaluations
    assert min(d.evaluations for d in alone) < alone[dear].evaluations
    for index, one in enumerate(alone):
        if one.evaluations < alone[dear].evaluations:  # at most the dear one's off-grid check
            assert together[index].evaluations < together[dear].evaluations
