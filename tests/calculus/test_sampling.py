"""Random instances: domains, reproducibility, sizes and branch coverage."""

from __future__ import annotations

import numpy as np
import pytest

from app import mathlang
from app.calculus.finite_diff import expression_function, jacobian
from app.calculus.sampling import (
    InstanceSampler,
    branch_sides,
    draw_value,
    kinked_sites,
    sample_instances,
    sample_sizes,
)
from app.mathlang.declarations import parse_declaration


def decls(**specs):
    return [parse_declaration(name, spec) for name, spec in specs.items()]


def assert_not_special(value):
    """Not integers, not 0, not ±1 (DESIGN §5)."""
    magnitude = np.abs(value)
    assert np.all(magnitude >= 0.3 - 1e-12)
    assert np.all(magnitude <= 2.0 + 1e-12)
    assert np.all(np.abs(magnitude - 1.0) >= 0.05)


@pytest.mark.parametrize("seed", range(5))
def test_real_and_positive_values_avoid_special_numbers(seed):
    rng = np.random.default_rng(seed)
    real = draw_value(rng, (40, 5), "real")
    assert_not_special(real)
    assert (real < 0).any() and (real > 0).any()
    positive = draw_value(rng, (40, 5), "positive")
    assert_not_special(positive)
    assert np.all(positive > 0)


@pytest.mark.parametrize("n", [2, 3, 6])
def test_spd_is_symmetric_positive_definite_well_conditioned_and_not_diagonal(n):
    rng = np.random.default_rng(n)
    for _ in range(10):
        a = draw_value(rng, (n, n), "spd")
        np.testing.assert_array_equal(a, a.T)
        eig = np.linalg.eigvalsh(a)
        assert eig.min() > 0.4
        assert eig.max() / eig.min() <= 5.0 + 1e-9
        assert np.abs(a - np.diag(np.diag(a))).max() > 1e-3


@pytest.mark.parametrize("n", [2, 3, 6])
def test_invertible_is_well_conditioned_and_not_symmetric(n):
    rng = np.random.default_rng(10 + n)
    for _ in range(10):
        a = draw_value(rng, (n, n), "invertible")
        assert np.linalg.cond(a) <= 3.4
        assert np.linalg.norm(a - a.T) > 0.1 * np.linalg.norm(a)


def test_square_domains_refuse_rectangular_shapes():
    with pytest.raises(mathlang.MathError):
        draw_value(np.random.default_rng(0), (2, 3), "spd")


def test_sizes_prefer_distinct_values_other_than_one():
    for seed in range(20):
        sizes = sample_sizes({"m": [1, 3], "n": [2, 4], "k": 5}, np.random.default_rng(seed))
        assert sizes["k"] == 5
        assert 2 <= sizes["m"] <= 3 and 2 <= sizes["n"] <= 4
        assert sizes["m"] != sizes["n"]
    only = sample_sizes({"m": [3, 3], "n": [3, 3]}, np.random.default_rng(0))
    assert only == {"m": 3, "n": 3}  # no choice: equal sizes are allowed


def test_seeds_reproduce_and_differ():
    tree = mathlang.parse("W x + b")
    variables = decls(W="3x4", x="4", b="3")
    first = sample_instances(tree, variables, k=3, seed=7)
    again = sample_instances(tree, variables, k=3, seed=7)
    other = sample_instances(tree, variables, k=3, seed=8)
    for a, b in zip(first, again, strict=True):
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(first[0]["W"], other[0]["W"])
    assert len(first) == 3
    assert first[0]["W"].shape == (3, 4) and first[0]["x"].shape == (4, 1)
    assert not np.array_equal(first[0]["W"], first[1]["W"])


def test_domains_hold_in_sampled_instances_and_pinned_values_are_kept():
    tree = mathlang.parse("x^T A x + log(s) + trace(inv(B))")
    variables = decls(A="3x3:spd", B="3x3:invertible", x="3", s="scalar:positive")
    pinned = {"x": [[0.5], [-0.7], [1.3]]}
    for inst in sample_instances(tree, variables, k=4, seed=3, pinned=pinned):
        np.testing.assert_array_equal(inst["A"], inst["A"].T)
        assert np.linalg.eigvalsh(inst["A"]).min() > 0
        assert np.linalg.norm(inst["B"] - inst["B"].T) > 0
        assert inst["s"][0, 0] > 0
        np.testing.assert_array_equal(inst["x"], np.array(pinned["x"]))


def test_kinked_sites_are_found():
    tree = mathlang.parse("relu(W x) + abs(b) .* step(b) + max(0, b) - min(b, 2 b)")
    assert sorted(site.call.func for site in kinked_sites(tree)) == [
        "abs",
        "max",
        "min",
        "relu",
        "step",
    ]
    assert kinked_sites(mathlang.parse("tanh(W x)")) == []


@pytest.mark.parametrize("seed", range(6))
def test_relu_neuron_is_seen_active_and_inactive_and_inactive_twice(seed):
    tree = mathlang.parse("relu(w^T x + b)")
    variables = decls(w="3", x="3", b="scalar")
    instances = sample_instances(tree, variables, k=3, seed=seed)
    shapes = {"w": (3, 1), "x": (3, 1), "b": (1, 1)}
    sides = [branch_sides(tree, shapes, inst)[0] for inst in instances]
    assert sum(below for below, _ in sides) >= 2
    assert sum(above for _, above in sides) >= 1
    for inst in instances:  # clear of the kink by far more than a finite-difference step
        z = (inst["w"].T @ inst["x"] + inst["b"]).item()
        assert abs(z) > 1e-3


@pytest.mark.parametrize("seed", range(6))
def test_batched_relu_has_both_sides_in_every_instance(seed):
    tree = mathlang.parse("mean((y - relu(X w + b)).^2)")
    variables = decls(X="N x d", w="d", b="scalar", y="N")
    sizes = {"N": 4, "d": 3}
    instances = sample_instances(tree, variables, sizes, k=3, seed=seed)
    shapes = {d.name: d.shape(sizes) for d in variables}
    for inst in instances:
        assert branch_sides(tree, shapes, inst) == [(True, True)]
        z = inst["X"] @ inst["w"] + inst["b"]
        assert np.min(np.abs(z)) > 0.02 * np.sqrt(np.mean(z**2)) * 0.99


def test_instances_keep_the_function_finite():
    tree = mathlang.parse("log(x)")  # a real x would often be negative
    for inst in sample_instances(tree, decls(x="3"), k=3, seed=1):
        assert np.all(inst["x"] > 0)


def test_instances_drive_the_engine_through_the_language():
    """The ReLU neuron's gradient at sampled instances: step(z) x^T, never set aside."""
    tree = mathlang.parse("relu(w^T x + b)")
    variables = decls(w="3", x="3", b="scalar")
    typed = mathlang.check(tree, {"w": (3, 1), "x": (3, 1), "b": (1, 1)})
    for inst in sample_instances(tree, variables, k=3, seed=4):
        d = jacobian(expression_function(typed), inst, "w")
        z = (inst["w"].T @ inst["x"] + inst["b"]).item()
        expected = float(z > 0) * inst["x"][:, 0]
        assert d.value.shape == (3,)
        assert not d.set_aside.any()
        np.testing.assert_allclose(d.value, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_sites_whose_targets_conflict_still_see_both_sides(seed):
    """relu(z) and abs(z) share z: the alternating targets (one site below, the other
    above) cannot both be met, so the instances cover the sides that are left."""
    tree = mathlang.parse("relu(w^T x) + abs(w^T x)")
    variables = decls(w="3", x="3")
    instances = sample_instances(tree, variables, k=3, seed=seed)
    z = [(inst["w"].T @ inst["x"]).item() for inst in instances]
    assert any(v < 0 for v in z) and any(v > 0 for v in z)


@pytest.mark.parametrize("seed", range(4))
def test_a_sampler_continues_the_alternation_from_start(seed):
    tree = mathlang.parse("relu(w^T x + b)")
    sampler = InstanceSampler(tree, decls(w="3", x="3", b="scalar"))
    rng = np.random.default_rng(seed)
    drawn = sampler.sample(2, rng) + sampler.sample(1, rng, start=2)
    drawn += sampler.sample(1, rng, start=3)
    sides = [(inst["w"].T @ inst["x"] + inst["b"]).item() > 0 for inst in drawn]
    assert sides == [False, True, False, True]
    assert len(sampler.site_functions()) == 1


def test_site_functions_give_the_argument_on_a_batch():
    tree = mathlang.parse("max(W x, 0.5 ones(3, 1))")
    sampler = InstanceSampler(tree, decls(W="3x2", x="2"))
    (site,) = sampler.site_functions()
    w = np.arange(6.0).reshape(1, 3, 2)
    x = np.array([[[0.5], [-1.0]]])
    np.testing.assert_allclose(site({"W": w, "x": x}), (w @ x)[:, :, 0] - 0.5)


def test_a_nearby_instance_stays_close_in_its_domain_and_keeps_pinned_values():
    tree = mathlang.parse("trace(S A) + sum(p) + c")
    variables = decls(S="3x3:spd", A="3x3:invertible", p="4:positive", c="scalar")
    sampler = InstanceSampler(tree, variables, pinned={"c": [[0.7]]})
    rng = np.random.default_rng(5)
    (base,) = sampler.sample(1, rng)
    near = sampler.near(base, rng)
    np.testing.assert_array_equal(near["S"], near["S"].T)
    assert np.linalg.eigvalsh(near["S"]).min() > 0 and np.all(near["p"] > 0)
    assert near["c"][0, 0] == 0.7
    for name in ("S", "A", "p"):
        assert 0 < np.abs(near[name] - base[name]).max() < 1e-2 * np.abs(base[name]).max()


def test_a_sampler_accepts_the_tree_already_checked():
    tree = mathlang.parse("relu(W x)")
    variables = decls(W="3x2", x="2")
    typed = mathlang.check(tree, {"W": (3, 2), "x": (2, 1)})
    given = InstanceSampler(tree, variables, typed=typed)
    assert given.typed is typed
    first = given.sample(2, np.random.default_rng(3))
    again = InstanceSampler(tree, variables).sample(2, np.random.default_rng(3))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a["W"], b["W"])
