"""The arithmetic one evaluation of a checked expression does, estimated from its shapes.

The per-node limit (10^6 entries, :mod:`app.mathlang.limits`) bounds the memory of one
intermediate result, not the time: forty ``sum(kron(kron(A,A),kron(A,A)))`` terms with a
5x5 ``A`` each build 390,625 entries, within the limit, and an evaluation takes the whole
grading time. The cost counts what numpy will do, before it does it:

- every node costs the entries of its result, and the entries of its operands it reads;
- a matrix product ``(r x k)(k x c)`` costs ``r k c`` multiply-adds;
- ``inv``, ``det``, ``logdet`` and a matrix power of an ``n x n`` matrix cost ``n^3``
  (a power ``A^k`` about ``log2 |k|`` products more);
- in index form a node is computed for every combination of the index names it uses
  (the evaluator broadcasts over exactly those), so its cost is multiplied by their
  number: ``W`` in ``(W e_k)[i]`` is read once, ``W e_k`` once per k.

Example: ``W x`` with W 3x4 costs 47: 12 + 4 for the leaves W and x, 12 + 4 to read them,
3 for the result and 3*4*1 multiply-adds; ``x^T A x`` with a 5x5 ``A`` costs 121.

The figure is an estimate in "entry operations", not a time: a grading evaluates an
expression a known number of times, and the web app's admission control turns that
into the work of a whole grading (``app.web.admission``).
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING

from app.mathlang.ast import Binary, Call, Name, Node, walk

if TYPE_CHECKING:
    from app.mathlang.shapes import Typed

CUBIC_CALLS = frozenset({"inv", "det", "logdet"})


def _entries(shape: tuple[int, int] | None) -> int:
    return 1 if shape is None else shape[0] * shape[1]


def _is_scalar(shape: tuple[int, int] | None) -> bool:
    return shape is None or shape == (1, 1)


def evaluation_cost(typed: Typed) -> int:
    """Entry operations of one evaluation of ``typed`` (every occurrence of a repeated
    subexpression counts: the evaluator computes each occurrence)."""
    shapes = typed.node_shapes
    spread = _spreads(typed)
    total = 0
    stack: list[Node] = [typed.node]
    while stack:
        node = stack.pop()
        children = node.children()
        stack.extend(children)
        shape = shapes.get(id(node))
        cost = _entries(shape) + sum(_entries(shapes.get(id(c))) for c in children)
        if isinstance(node, Binary) and node.op in ("*", "@", "^"):
            left, right = shapes.get(id(node.left)), shapes.get(id(node.right))
            if node.op == "^" and left is not None and not _is_scalar(left):
                exponent = getattr(node.right, "value", 2.0)
                steps = max(1, abs(int(exponent)).bit_length())
                cost += left[0] ** 3 * (2 * steps + (1 if exponent < 0 else 0))
            elif (
                node.op != "^"
                and left is not None
                and right is not None
                and not _is_scalar(left)
                and not _is_scalar(right)
            ):
                cost += left[0] * left[1] * right[1]
        elif isinstance(node, Call) and node.func in CUBIC_CALLS and children:
            argument = shapes.get(id(children[0]))
            if argument is not None:
                cost += argument[0] ** 3
        total += cost * spread.get(id(node), 1)
    return total


def _spreads(typed: Typed) -> dict[int, int]:
    """For each node, the number of index combinations it is computed for."""
    indices = typed.indices
    if not indices:
        return {}
    uses: dict[int, frozenset[str]] = {}
    for node in reversed(list(walk(typed.node))):  # children before their parents
        names = frozenset[str]().union(*(uses.get(id(c), frozenset()) for c in node.children()))
        if isinstance(node, Name) and node.name in indices and node.name not in typed.variables:
            names = names | {node.name}
        uses[id(node)] = names
    return {key: prod(indices[n] for n in names) for key, names in uses.items()}
