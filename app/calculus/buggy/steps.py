"""Where a buggy rule leaves the worked derivation: the step of the engine at its site.

The derivation engine names the operations that involve the variable ``u1, u2, …``
in the order they are computed (the chain-rule view skips the transpose of a vector,
which has the same Jacobian; the other views name every operation). The step that
applies the rule of operation ``u_k`` is titled "…: u_k" in the chain-rule and
matrix-by-scalar views, and "Gradient with respect to <operand>" in the gradient view,
which carries the gradient back through ``u_k`` to its operand.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.calculus.buggy.candidates import Analysis, Candidate
from app.calculus.buggy.tangents import depends
from app.calculus.derivation.forward import fresh_names
from app.mathlang.ast import Name, Node, Transpose, Vector
from app.mathlang.shapes import postorder


def _is_vector(shape: tuple[int, int]) -> bool:
    return 1 in shape


def diverging_step(
    titles: Sequence[str],
    found: Analysis,
    cand: Candidate,
    wrt: Sequence[str],
    declared: Sequence[str],
) -> int | None:
    """The index of the step whose rule the candidate's slip replaces (None if unseen)."""
    typed = found.typed
    shapes = {k: (int(v[0]), int(v[1])) for k, v in typed.node_shapes.items()}
    dependent = depends(typed.node, wrt)
    letter = fresh_names(set(declared))[0].rstrip("0123456789")

    order = [n for n in postorder(typed.node) if id(n) in dependent and not isinstance(n, Name)]
    chain = [
        n
        for n in order
        if not (isinstance(n, Transpose) and _is_vector(shapes[id(n)]))
        and not isinstance(n, Vector)
    ]
    for scheme in (chain, order):
        ids = [id(n) for n in scheme]
        if id(cand.node) in ids:
            name = f"{letter}{ids.index(id(cand.node)) + 1}"
            for index, title in enumerate(titles):
                if title.endswith(f": {name}"):
                    return index
    all_ids = [id(n) for n in order]

    def name_of(node: Node) -> str | None:
        if isinstance(node, Name):
            return node.name
        if id(node) in all_ids:
            return f"{letter}{all_ids.index(id(node)) + 1}"
        return None

    for child in cand.node.children():
        if id(child) not in dependent:
            continue
        operand = name_of(child)
        for index, title in enumerate(titles):
            if operand is not None and title == f"Gradient with respect to {operand}":
                return index
    return None
