"""An SVG heat map of |answer - expected|, drawn on the server from the grade result.

Dark cells are where the answer is furthest from the finite-difference derivative; white
cells agree. The picture says at a glance whether the mistake is one row, the diagonal,
everything (a transpose or a sign) or the inactive units of a ReLU. Only numbers go into
the SVG, never text from a request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

MAX_CELLS_PER_SIDE = 40
CELL = 24


def _as_grid(data: Any) -> list[list[float]] | None:
    """A rectangular 2-D list of finite floats; 3-D or 4-D data is folded to 2-D."""
    if not isinstance(data, Sequence) or isinstance(data, str) or not data:
        return None
    rows: list[list[float]] = []
    for row in data:
        if not isinstance(row, Sequence) or isinstance(row, str) or not row:
            return None
        flat: list[float] = []
        stack: list[Any] = [row]
        while stack:  # flatten trailing axes (dy/dW has three) without recursion
            item = stack.pop()
            if isinstance(item, str):
                return None
            if isinstance(item, Sequence):
                stack.extend(reversed(item))
            elif isinstance(item, int | float):
                flat.append(float(item) if math.isfinite(item) else float("nan"))
            else:
                return None
        rows.append(flat)
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        return None
    return rows


def heatmap_svg(data: Any, *, label: str = "where the answer differs") -> Markup:
    """The SVG (or an empty string when ``data`` is not a usable grid)."""
    grid = _as_grid(data)
    if grid is None:
        return Markup("")
    grid = [row[:MAX_CELLS_PER_SIDE] for row in grid[:MAX_CELLS_PER_SIDE]]
    n_rows, n_cols = len(grid), len(grid[0])
    finite = [v for row in grid for v in row if not math.isnan(v)]
    peak = max(finite, default=0.0)
    width, height = n_cols * CELL, n_rows * CELL
    parts = [
        f'<svg class="heatmap" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-label="{label}: {n_rows} by {n_cols}">'
    ]
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if math.isnan(value):
                fill, opacity, shown = "#999999", 1.0, "not finite"
            else:
                fill = "#c2410c"
                opacity = 0.0 if peak <= 0 else min(1.0, abs(value) / peak)
                shown = f"{value:.3g}"
            parts.append(
                f'<rect x="{j * CELL}" y="{i * CELL}" width="{CELL}" height="{CELL}" '
                f'fill="{fill}" fill-opacity="{opacity:.3f}" stroke="#d6d3d1" stroke-width="1">'
                f"<title>entry ({i + 1}, {j + 1}): off by {shown}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
