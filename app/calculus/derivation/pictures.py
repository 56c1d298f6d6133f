"""Numbers for the pictures of a derivation: heat-map cells, tensor slices, a dataflow graph.

Pictures teach what prose cannot (DESIGN §6, §9): a Jacobian as a heat map shows which
output depends on which input; dy/dW drawn as one slice per output entry shows how
sparse the 3-axis array is and why its compact 2-D form loses nothing (Learned-Miller
§3); the chain rule's dataflow graph (Parr & Howard §4.5) shows the intermediate
variables and the order in which their Jacobians multiply. This module only computes
what to draw (cells with colours, node positions); the templates draw the SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    value: float
    fill: str
    text: str


def colour(value: float, scale: float) -> str:
    """A diverging colour: blue below zero, white at zero, orange above (colour-blind safe)."""
    if scale <= 0 or value == 0:
        return "#ffffff"
    t = max(-1.0, min(1.0, value / scale))
    if t > 0:
        r, g, b = 255 - 20 * t, 255 - 120 * t, 255 - 235 * t
    else:
        r, g, b = 255 + 222 * t, 255 + 120 * t, 255 + 40 * t
    return f"#{int(r):02x}{int(g):02x}{int(b):02x}"


def grid(matrix: Array, scale: float | None = None) -> list[Cell]:
    """One cell per entry of a 2-D array, coloured by value."""
    m = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
    s = float(np.max(np.abs(m))) if scale is None and m.size else (scale or 0.0)
    return [
        Cell(i, j, float(v), colour(float(v), s), _short(float(v)))
        for (i, j), v in np.ndenumerate(m)
    ]


def slices(tensor: Array) -> list[list[Cell]]:
    """A 3-axis array as one 2-D grid per first index, on one shared colour scale."""
    t = np.asarray(tensor, dtype=np.float64)
    scale = float(np.max(np.abs(t))) if t.size else 0.0
    return [grid(t[k], scale) for k in range(t.shape[0])]


def _short(v: float) -> str:
    if v == 0:
        return "0"
    return f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"


@dataclass(frozen=True)
class GraphNode:
    id: str
    label: str
    kind: str  # "input" (the variable), "constant", "op" (an intermediate), "output"
    x: float
    y: float


@dataclass(frozen=True)
class Graph:
    nodes: list[GraphNode]
    edges: list[tuple[GraphNode, GraphNode]]
    width: float
    height: float


def dataflow(
    operations: Sequence[tuple[str, str, Sequence[str]]], wrt: Sequence[str], output: str
) -> Graph:
    """Lay out ``(name, label, operands)`` top to bottom, one row per step of the chain.

    An intermediate sits one row below its deepest operand; a variable sits just above
    the first operation that uses it, so the picture stays narrow enough for a phone.
    """
    depth: dict[str, int] = {}
    labels: dict[str, str] = {}
    kinds: dict[str, str] = {}
    ops = {name for name, _, _ in operations}
    for name, label, operands in operations:
        depth[name] = 1 + max((depth[o] for o in operands if o in ops), default=0)
        labels[name] = label
        kinds[name] = "op"
        for operand in operands:
            if operand not in depth:
                depth[operand] = depth[name] - 1
                labels[operand] = operand
                kinds[operand] = "input" if operand in wrt else "constant"
    last = operations[-1][0] if operations else None
    if last is not None:
        depth[output] = depth[last] + 1
        labels[output] = output
        kinds[output] = "output"
    rows: dict[int, list[str]] = {}
    for name in depth:
        rows.setdefault(depth[name], []).append(name)
    col_w, row_h, pad = 170.0, 62.0, 16.0
    widest = max((len(v) for v in rows.values()), default=1)
    positions: dict[str, GraphNode] = {}
    for d, names in rows.items():
        offset = (widest - len(names)) * col_w / 2
        for k, name in enumerate(names):
            x = pad + offset + k * col_w + col_w / 2
            positions[name] = GraphNode(name, labels[name], kinds[name], x, pad + d * row_h + 20)
    edges = [(positions[o], positions[name]) for name, _, ops_ in operations for o in ops_]
    if last is not None:
        edges.append((positions[last], positions[output]))
    width = pad * 2 + widest * col_w
    height = pad * 2 + (max(rows, default=0) + 1) * row_h - 10
    return Graph(list(positions.values()), edges, width, height)
