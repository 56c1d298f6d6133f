"""A horizontal bar chart as inline SVG, drawn on the server (no chart library, no script).

Used for the most common diagnoses of an exercise on the dashboard. Labels are escaped
(they may come from stored data); the chart scales to its container's width.
"""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 130
WIDTH = 480


def bar_chart(bars: list[tuple[str, int]], *, title: str) -> Markup:
    """``bars`` as (label, count), drawn in the order given; empty when there is nothing."""
    if not bars:
        return Markup("")
    top = max(count for _, count in bars) or 1
    room = WIDTH - LABEL_WIDTH - 50
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="bar-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, count) in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = max(2, round(room * count / top))
        mid = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{mid}" text-anchor="end" '
            f'dominant-baseline="central" class="chart-label">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" rx="3" '
            f'class="chart-bar"><title>{escape(label)}: {count}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{mid}" dominant-baseline="central" '
            f'class="chart-count">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
