"""What the Explore page shows, built from a worker's answer (``app.explore.task``).

The worker sends numbers only; here they become what the templates draw: heat-map cells
in the derivation pictures' diverging colours (``app.calculus.derivation.pictures``), the
dataflow graph laid out once with the nodes each step lights, and the steps grouped by
view (component, chain rule, gradient) so that both views read as two derivations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np

from app.calculus.derivation import pictures

VIEW_TITLES = {
    "component": "Component view: one entry, written as a sum (Learned-Miller)",
    "chain": "Chain-rule view: intermediate variables and local Jacobians (Parr & Howard)",
    "gradient": "Gradient view: the gradient carried back from the output (Wu; MIT 6.390)",
    "differential": "Differential view: move one entry of the variable and follow the change",
    "result": "Result",
}


@dataclass(frozen=True)
class ExploreQuery:
    """The problem as the URL holds it; ``query()`` writes it back for links."""

    var: list[str]
    function: str
    wrt: str
    layout: str

    def params(self, **extra: object) -> list[tuple[str, str]]:
        items = [("var", v) for v in self.var]
        items += [("function", self.function), ("wrt", self.wrt), ("layout", self.layout)]
        items += [(k, str(v)) for k, v in extra.items()]
        return items

    def query(self, **extra: object) -> str:
        return urlencode(self.params(**extra))


@dataclass
class Heat:
    title: str
    cells: list[pictures.Cell]
    rows: int
    cols: int
    reading: str


@dataclass
class StepView:
    number: int
    step: dict[str, Any]
    lit: list[str]
    heat: Heat | None


@dataclass
class Section:
    view: str
    title: str
    steps: list[StepView] = field(default_factory=list)


@dataclass
class Explored:
    derivation: dict[str, Any]
    sections: list[Section]
    steps: list[StepView]
    graph: pictures.Graph | None
    output: str
    result_heat: Heat | None
    result_slices: dict[str, Any] | None
    function_latex: str = ""

    @property
    def result(self) -> dict[str, Any]:
        result: dict[str, Any] = self.derivation["result"]
        return result

    @property
    def views(self) -> list[str]:
        return [s.view for s in self.sections if s.view != "result"]


def heat_of(data: dict[str, Any] | None, title: str = "", reading: str = "") -> Heat | None:
    if not data or "matrix" not in data:
        return None
    m = np.array(
        [[np.nan if v is None else float(v) for v in row] for row in data["matrix"]],
        dtype=np.float64,
    )
    finite = np.nan_to_num(m, nan=0.0)
    return Heat(
        data.get("title", title),
        pictures.grid(finite),
        int(data["rows"]),
        int(data["cols"]),
        data.get("reading", reading),
    )


def _slices(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data or "slices" not in data:
        return None
    t = np.nan_to_num(np.array(data["slices"], dtype=np.float64), nan=0.0)
    return {"grids": pictures.slices(t), "rows": data["rows"], "cols": data["cols"]}


def result_reading(layout: str, wrt_count: int) -> str:
    if layout == "denominator":
        return "row = entry of the variable, column = entry of the output"
    if wrt_count > 1:
        return "row = entry of the output, column = one of the stacked variables"
    return "row = entry of the output, column = entry of the variable"


def one_step_graph(names: Sequence[str], wrt: Sequence[str], label: str) -> pictures.Graph:
    """The graph of a derivation without intermediates (the component view alone): every
    variable feeds the output, drawn as one node holding the whole function."""
    col_w, row_h, pad = 80.0, 62.0, 16.0
    label_w = len(label) * 7.4 + 18
    width = max(pad * 2 + len(names) * col_w, label_w + pad * 2)
    offset = (width - len(names) * col_w) / 2
    inputs = [
        pictures.GraphNode(
            name, name, "input" if name in wrt else "constant", offset + k * col_w + col_w / 2, 36
        )
        for k, name in enumerate(names)
    ]
    out = pictures.GraphNode("=output", label, "output", width / 2, 36 + row_h)
    return pictures.Graph([*inputs, out], [(i, out) for i in inputs], width, pad * 2 + 2 * row_h)


def explored(outcome: dict[str, Any], names: Sequence[str] = (), function: str = "") -> Explored:
    """The page's model of a successful worker answer; ``names`` are the variables and
    ``function`` the function's text, for the graph of a derivation with no intermediates."""
    d = outcome["derivation"]
    output = str(outcome.get("output") or "y")
    operations: Sequence[Any] = outcome.get("operations") or []
    graph: pictures.Graph | None = None
    if operations:
        graph = pictures.dataflow(
            [(n, label, list(ops)) for n, label, ops in operations], d["wrt"], output
        )
    elif names and function:
        graph = one_step_graph(list(names), d["wrt"], f"{output} = {function}")
    out_id = output if operations else "=output"
    per_step = outcome.get("steps") or [{} for _ in d["steps"]]
    steps: list[StepView] = []
    sections: list[Section] = []
    for number, (step, pic) in enumerate(zip(d["steps"], per_step, strict=False), 1):
        lit = [out_id if n == output else n for n in pic.get("lit") or []]
        if step.get("view") == "component" and not lit:
            lit = [out_id]  # the component view works on one entry of the output
        view = StepView(number, step, lit, heat_of(pic.get("heatmap")))
        steps.append(view)
        kind = str(step.get("view") or "result")
        if not sections or sections[-1].view != kind:
            sections.append(Section(kind, VIEW_TITLES.get(kind, f"{kind.capitalize()} view")))
        sections[-1].steps.append(view)
    result = outcome.get("result")
    reading = result_reading(d["layout"], len(d["wrt"]))
    if result and result.get("folded"):
        reading = (
            "a four-axis derivative folded to two: rows pair the output's axes, "
            "columns the variable's"
        )
    return Explored(
        derivation=d,
        sections=sections,
        steps=steps,
        graph=graph,
        output=output,
        result_heat=heat_of(result, "the derivative", reading),
        result_slices=_slices(result),
    )
