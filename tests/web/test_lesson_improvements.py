"""Lessons where the review found them thin: the neuron lesson derives d(w·x)/dw and shows an
inactive unit; the worked example's heat map has the function's matrix beside it."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_neuron_lesson_derives_the_dot_products_gradient(client: TestClient) -> None:
    page = client.get("/lessons/neuron-gradient").text
    assert "x_i\\, \\delta_{i,j} = x_j" in page.replace("&#39;", "'")
    assert "= \\mathbf{x}^\\top" in page


def test_the_neuron_lesson_shows_an_inactive_unit(client: TestClient) -> None:
    page = client.get("/lessons/neuron-gradient").text
    grids = page.split('class="mask-grid"')[1:]
    assert len(grids) == 2
    inactive = grids[1].split("</table>")[0]
    assert inactive.count('class="zero">0<') == 3


def test_the_result_heat_map_has_the_matrix_beside_it(client: TestClient) -> None:
    shell = client.get("/derivations/wx").text
    row = shell.split('class="heatmap-row"')[1]
    assert 'aria-label="Heat map of W, ' in row
