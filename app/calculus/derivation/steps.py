"""What a derivation hands back: its steps and its result, as the JSON contract has them.

DESIGN §11: ``{"steps": [{"title", "latex", "verified", ...}], "result": {"expression",
"latex", "indices"}}``. Each step also says which view it belongs to (``component``,
``chain`` or ``gradient``), explains itself in a sentence, names the rule and the seed
section it follows, and lists the shapes involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Step:
    title: str
    explanation: str
    latex: str
    view: str
    verified: bool = False
    rule: str | None = None
    source: str | None = None
    shapes: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "latex": self.latex,
            "verified": self.verified,
            "explanation": self.explanation,
            "view": self.view,
            "rule": self.rule,
            "source": self.source,
            "shapes": self.shapes,
        }


@dataclass
class Derivation:
    function: str
    wrt: list[str]
    layout: str
    steps: list[Step]
    expression: str
    latex: str
    indices: list[str] | None
    shape: list[int]
    index_sizes: dict[str, int] | None = None
    compact: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """The instance every step was checked at (name -> ndarray); not part of the JSON."""
    variables: dict[str, tuple[int, int]] = field(default_factory=dict)
    operations: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """Intermediates (name, label, operands) for drawing the dataflow graph."""

    @property
    def verified(self) -> bool:
        return all(step.verified for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "expression": self.expression,
            "latex": self.latex,
            "indices": self.indices,
            "shape": self.shape,
        }
        if self.compact is not None:
            result["compact"] = self.compact
        return {
            "function": self.function,
            "wrt": self.wrt,
            "layout": self.layout,
            "steps": [step.to_dict() for step in self.steps],
            "result": result,
            "verified": self.verified,
        }
