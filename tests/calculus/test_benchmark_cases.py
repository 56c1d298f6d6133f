"""The benchmark's functions: the engine matches their analytic derivatives, and SciPy
agrees, so the figures ``make bench`` prints compare like with like."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative

from app.calculus.finite_diff import jacobian
from benchmarks import bench_finite_diff as bench

CASES = bench.cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engine_matches_the_exact_derivative_of_each_benchmark_case(case):
    d = jacobian(case.batched, case.instance, case.wrt)
    scale = np.max(np.abs(case.exact))
    assert np.max(np.abs(d.value - case.exact)) <= 1e-8 * scale
    assert np.all(np.abs(d.value - case.exact) <= d.error)
    assert not d.set_aside.any()


def test_scipy_sees_the_same_function():
    case = CASES[0]
    fun = bench._scipy_function(case)
    value = approx_derivative(fun, case.instance[case.wrt].reshape(-1)).reshape(case.exact.shape)
    assert np.max(np.abs(value - case.exact)) <= 1e-6 * np.max(np.abs(case.exact))
