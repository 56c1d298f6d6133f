"""The benchmark's functions: the engine, called as the benchmark times it, matches their
analytic derivatives, and so does SciPy, so the figures ``make bench`` prints compare
like with like."""

from __future__ import annotations

import numpy as np
import pytest

from app.calculus.finite_diff_batch import jacobians
from benchmarks import bench_finite_diff as bench

CASES = bench.cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_timed_method_matches_the_exact_derivative_of_each_case(case):
    scale = max(float(np.max(np.abs(e))) for e in case.exact)
    for method in bench.methods(case):
        values = method.derivatives()
        assert len(values) == method.per_call, method.name
        for value, exact in zip(values, case.exact, strict=False):
            rel = 1e-6 if method.name == "scipy 3-point" else 1e-8
            assert np.max(np.abs(value - exact)) <= rel * scale, method.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_engine_error_estimates_bound_its_error_and_nothing_is_set_aside(case):
    setup = case.setup()
    derivs = jacobians(
        setup.func, case.instances, [case.wrt], rounding=setup.rounding_many(case.instances)
    )
    for d, exact in zip(derivs, case.exact, strict=True):
        assert np.all(np.abs(d.value - exact) <= d.error)
        assert not d.set_aside.any()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_scipy_sees_the_numpy_function_of_the_same_mathematics(case):
    setup = case.setup()
    for instance in case.instances:
        x0 = instance[case.wrt].reshape(-1)
        ours = setup.func({k: v[None] for k, v in instance.items()}).reshape(-1)
        np.testing.assert_allclose(case.numpy_function(instance)(x0), ours, rtol=1e-13)
