"""The pictures of each step: which dataflow node it lights, and its local Jacobian's numbers."""

from __future__ import annotations

import numpy as np

from app.calculus.derivation import derive
from app.explore.step_pictures import result_matrix, step_pictures
from app.explore.task import explore


def test_each_chain_step_lights_its_node_and_draws_its_local_jacobian() -> None:
    d = derive("tanh(W x + b)", {"W": "3x4", "x": "4", "b": "3"}, "x")
    pics = step_pictures(d, "y")
    by_title = {s.title: p for s, p in zip(d.steps, pics, strict=True)}
    naming = next(p for s, p in zip(d.steps, pics, strict=True) if s.title.startswith("Name"))
    assert naming["lit"] == ["u1", "u2", "u3"] and naming["heatmap"] is None
    product = next(p for t, p in by_title.items() if t.endswith(": u1"))
    assert product["lit"] == ["u1"]
    np.testing.assert_allclose(product["heatmap"]["matrix"], d.values["W"], rtol=1e-6)
    activation = next(p for t, p in by_title.items() if t.endswith(": u3"))
    assert activation["lit"] == ["u3"]
    u2 = d.values["W"] @ d.values["x"] + d.values["b"]
    expected = np.diag(1 - np.tanh(u2[:, 0]) ** 2)
    np.testing.assert_allclose(activation["heatmap"]["matrix"], expected, rtol=1e-6, atol=1e-9)
    assert pics[-1]["lit"] == ["y"]


def test_gradient_steps_draw_the_gradient_with_the_shape_of_the_node() -> None:
    d = derive("sum((W x - y).^2)", {"W": "3x4", "x": "4", "y": "3"}, "W")
    pics = step_pictures(d, "f")
    last = next(p for s, p in zip(d.steps, pics, strict=True) if s.title.endswith(" W"))
    residual = d.values["W"] @ d.values["x"] - d.values["y"]
    np.testing.assert_allclose(
        last["heatmap"]["matrix"], 2 * residual @ d.values["x"].T, rtol=1e-6, atol=1e-9
    )


def test_the_result_picture_is_the_derivative_at_the_instance() -> None:
    d = derive("W x", {"W": "3x4", "x": "4"}, "x")
    np.testing.assert_allclose(result_matrix(d)["matrix"], d.values["W"])  # type: ignore[index]
    three = result_matrix(derive("W x", {"W": "3x4", "x": "4"}, "W"))
    assert three is not None and len(three["slices"]) == 3


def test_the_worker_task_sends_plain_json() -> None:
    import json

    out = explore("softmax(x)", {"x": "4"}, ["x"], "numerator", 1, max_dim=12, max_chars=2000)
    assert json.loads(json.dumps(out)) == out
    assert out["output"] == "y"
    assert len(out["steps"]) == len(out["derivation"]["steps"])
    error = explore("x +", {"x": "4"}, ["x"], "numerator", 1, max_dim=12, max_chars=2000)
    assert error["error"]["kind"] == "syntax"


def test_a_differential_step_about_an_intermediate_draws_its_local_jacobian() -> None:
    out = explore(
        "kron(W, x)", {"W": "2x3", "x": "2"}, ["x"], "numerator", 1, max_dim=12, max_chars=2000
    )
    steps = list(zip(out["derivation"]["steps"], out["steps"], strict=True))
    about_u1 = [p for s, p in steps if s["view"] == "differential" and p["lit"] == ["u1"]]
    assert about_u1, "kron(W, x) by x is derived in the differential view"
    heat = about_u1[0]["heatmap"]
    assert (heat["rows"], heat["cols"]) == (12, 2)  # the 4x3 product by the 2 entries of x
