"""The derivation API and the lessons' derivation widget (htmx partials and pages)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.calculus.derivation.examples import EXAMPLES

HX = {"HX-Request": "true"}


def test_api_derive_returns_the_contract(client: TestClient) -> None:
    body = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "x"}
    response = client.post("/api/v1/derive", json=body)
    assert response.status_code == 200
    data = response.json()
    assert len(data["steps"]) >= 3
    assert all(step["verified"] and step["latex"] for step in data["steps"])
    assert data["result"] == data["result"] | {"expression": "W", "indices": None}


def test_api_derive_index_form_for_a_matrix_variable(client: TestClient) -> None:
    body = {"variables": {"W": "3x4", "x": "4"}, "function": "W x", "wrt": "W"}
    data = client.post("/api/v1/derive", json=body).json()
    assert data["result"]["indices"] == ["i", "j", "k"]
    assert "delta(i, j)" in data["result"]["expression"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variables": {"x": "4"}, "function": "x +", "wrt": "x"}, "function"),
        ({"variables": {"x": "4"}, "function": "x", "wrt": "y"}, "function"),
        ({"variables": {"x": "400"}, "function": "x", "wrt": "x"}, "variables.x"),
    ],
)
def test_api_derive_rejects_bad_problems_with_422(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/derive", json=body)
    assert response.status_code == 422
    data = response.json()
    assert data["detail"]
    assert data["field"] == field


def test_syntax_error_carries_its_position(client: TestClient) -> None:
    body = {"variables": {"x": "4"}, "function": "x + * x", "wrt": "x"}
    data = client.post("/api/v1/derive", json=body).json()
    assert data["position"] == 4


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_every_example_widget_renders_with_verified_steps(client: TestClient, key: str) -> None:
    response = client.get(f"/derivations/{key}?shown=100", headers=HX)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert html.count('class="step"') >= 3
    assert "not verified" not in html


def test_widget_without_htmx_is_a_full_page(client: TestClient) -> None:
    response = client.get("/derivations/wx")
    assert response.status_code == 200
    assert "<html" in response.text and "Reveal step 2" in response.text


def test_revealing_a_step_returns_that_step_and_the_next_button(client: TestClient) -> None:
    response = client.get("/derivations/wx/steps/2?m=2&n=5&layout=numerator", headers=HX)
    assert response.status_code == 200
    html = response.text
    assert html.count('class="step"') == 1
    assert '<span class="step-number">2</span>' in html
    assert 'hx-swap-oob="true"' in html
    assert "/derivations/wx/steps/3?m=2&amp;n=5&amp;layout=numerator" in html


def test_sizes_change_the_derivation(client: TestClient) -> None:
    html = client.get("/derivations/dydw?m=2&n=3&shown=100", headers=HX).text
    assert "2 × 2 × 3" in html


def test_layout_switch_transposes_the_result(client: TestClient) -> None:
    num = client.get("/derivations/xw?layout=numerator", headers=HX).text
    den = client.get("/derivations/xw?layout=denominator", headers=HX).text
    assert "<code>W^T</code>" in num
    assert "<code>W</code>" in den


def test_component_picker_shows_one_entry(client: TestClient) -> None:
    html = client.get("/derivations/wx/entry?m=3&n=4&i=2&j=3", headers=HX).text
    assert "W_{2,3}" in html
    assert "agree" in html


def test_pictures_are_drawn(client: TestClient) -> None:
    heat = client.get("/derivations/wx", headers=HX).text
    assert "jac-heatmap" in heat and len(re.findall(r"<rect ", heat)) >= 12
    slices = client.get("/derivations/dydw", headers=HX).text
    assert slices.count("<svg") >= 4 and "compact" in slices
    graph = client.get("/derivations/loss", headers=HX).text
    assert "dataflow" in graph and "u1 = X w" in graph


def test_unknown_example_is_404(client: TestClient) -> None:
    assert client.get("/derivations/nope", headers=HX).status_code == 404


def test_revealing_a_step_swaps_in_its_picture_with_its_node_lit(client: TestClient) -> None:
    html = client.get("/derivations/neuron-w/steps/2", headers=HX).text
    panel = html[html.index('id="step-picture-neuron-w"') :]
    assert 'hx-swap-oob="true"' in html[html.index("step-picture-panel") :][:200]
    assert re.search(r'class="node op lit"', panel)
    assert "jac-heatmap" in panel and "∂u1/∂w" in panel


def test_a_component_step_lights_the_output_of_the_graph(client: TestClient) -> None:
    html = client.get("/derivations/wx?shown=1", headers=HX).text
    panel = html[html.index('id="step-picture-wx"') :]
    assert re.search(r'class="node output lit"', panel)
