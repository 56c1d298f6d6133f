"""Everything a view needs to know about one problem: the tree, its shapes, an instance."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus.derivation import verify
from app.calculus.derivation.rules import node_with
from app.calculus.layouts import Layout
from app.mathlang.ast import Name, Node, walk
from app.mathlang.declarations import Declaration

Array = npt.NDArray[np.float64]
Shape = tuple[int, int]


@dataclass
class Problem:
    function: str
    tree: Node
    declarations: dict[str, Declaration]
    shapes: dict[str, Shape]
    node_shapes: dict[int, Shape]
    wrt: list[str]
    layout: Layout
    values: dict[str, Array]
    out_shape: Shape
    taken: set[str] = field(default_factory=set)
    operations: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """The first view's intermediates as (name, label, operand names), for the dataflow graph."""
    shown_as: dict[Node, str] = field(default_factory=dict)
    """Sub-expressions of a result shown by a name in LaTeX (the unit vector
    ``[delta(k,1), ...]`` as ``e_k``); the text of the result keeps them written out."""

    def latex(self, expr: Node) -> str:
        """LaTeX of a result, with the sub-expressions of ``shown_as`` by their names."""
        from app.calculus.derivation import latex as tex

        if not self.shown_as:
            return tex.expression(expr)
        names = {node: f"shown{n}" for n, node in enumerate(self.shown_as)}

        def visit(node: Node) -> Node:
            if node in names:
                return Name(names[node])
            children = node.children()
            if not children:
                return node
            new = [visit(c) for c in children]
            return (
                node
                if all(a is b for a, b in zip(new, children, strict=True))
                else (node_with(node, new))
            )

        return tex.expression(
            visit(expr), {names[node]: shown for node, shown in self.shown_as.items()}
        )

    def record_operations(self, items: list[tuple[str, Node]]) -> None:
        if self.operations:
            return
        known = set(self.shapes) | {name for name, _ in items}
        for name, display in items:
            operands = []
            for node in walk(display):
                if isinstance(node, Name) and node.name in known and node.name not in operands:
                    operands.append(node.name)
            self.operations.append((name, f"{name} = {mathlang.to_text(display)}", operands))

    def out_name(self) -> str:
        """The output's name in the steps: f for a scalar, y for a vector, Y for a matrix."""
        rows, cols = self.out_shape
        if (rows, cols) == (1, 1):
            choices = ("f", "L", "g", "F")
        elif rows == 1 or cols == 1:
            choices = ("y", "z", "h", "F")
        else:
            choices = ("Y", "Z", "H", "F")
        return next((c for c in choices if c not in self.shapes), "F")

    def with_values(self, extra: dict[str, Node]) -> tuple[dict[str, Shape], dict[str, Array]]:
        """Shapes and values extended by intermediate names standing for sub-expressions."""
        shapes = dict(self.shapes)
        values = dict(self.values)
        for name, node in extra.items():
            value = verify.evaluate(node, self.shapes, self.values)
            values[name] = value
            shapes[name] = (int(value.shape[-2]), int(value.shape[-1]))
        return shapes, values


def replace_node(tree: Node, target: Node, new: Node) -> Node:
    """``tree`` with the sub-tree ``target`` (by identity) replaced by ``new``."""
    if tree is target:
        return new
    children = tree.children()
    if not children:
        return tree
    replaced = [replace_node(child, target, new) for child in children]
    if all(a is b for a, b in zip(replaced, children, strict=True)):
        return tree
    return node_with(tree, replaced)
