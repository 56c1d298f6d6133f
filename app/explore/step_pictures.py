"""What each step of a derivation draws: the node it is about, and its local Jacobian.

A chain-rule step (Parr & Howard §4.5) takes one intermediate ``u = g(v)`` and its local
derivative ∂u/∂v; a gradient step (Wu §3) carries ∂f/∂u back to one intermediate. The
picture of the step lights that node in the dataflow graph and shows the numbers of the
step's derivative at the checking instance as a heat map: ∂u/∂v with one row per entry of
u and one column per entry of v (numerator layout), or ∂f/∂u with the shape of u. The
numbers are finite differences of the intermediate's own expression (DESIGN §5's
:func:`app.calculus.finite_diff.jacobian`), so the picture shows what the step claims
without trusting its algebra.

The derivation's ``operations`` list the intermediates as ``(name, "u1 = W x",
operands)``; their expressions are read back with our grammar, evaluated in order, and
differentiated one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app import mathlang
from app.calculus.derivation import Derivation, Step
from app.calculus.finite_diff import jacobian

Array = npt.NDArray[np.float64]
MAX_SIDE = 48
"""A heat map with more rows or columns than this is not drawn (a 12x12 matrix by a
12x12 matrix would be 144 x 144 cells)."""
NAMING_RULE = "Introduce intermediate variables"
LOCAL_VIEWS = ("chain", "differential")
"""Views whose step about an intermediate u takes u's local derivative by its operand."""


@dataclass(frozen=True)
class Op:
    name: str
    typed: mathlang.Typed
    operands: list[str]


def _program(d: Derivation) -> tuple[list[Op], dict[str, Array]]:
    """The intermediates, checked, and the values of every name at the instance."""
    shapes = dict(d.variables)
    values: dict[str, Array] = {k: np.asarray(v, dtype=np.float64) for k, v in d.values.items()}
    ops: list[Op] = []
    for name, label, operands in d.operations:
        text = label.partition("=")[2]
        typed = mathlang.check(mathlang.parse(text), shapes)
        value = np.asarray(mathlang.evaluate(typed, values), dtype=np.float64)
        shapes[name] = (int(value.shape[-2]), int(value.shape[-1]))
        values[name] = value
        ops.append(Op(name, typed, list(operands)))
    return ops, values


def lit_nodes(step: Step, op_names: Sequence[str], wrt: Sequence[str], output: str) -> list[str]:
    """The dataflow nodes a step is about: every intermediate for the step that names
    them, one intermediate (or the variable) for a local step, the output for the result."""
    if step.view == "result":
        return [output]
    if step.rule == NAMING_RULE:
        return list(op_names)
    if any(k.startswith(f"d{output}/d") for k in step.shapes):  # substituting back: the path
        return [*op_names, output]
    about = [k for k in step.shapes if k in op_names or k in wrt]
    return about[:1]


def _local(op: Op, by: str, values: Mapping[str, Array]) -> Array:
    """∂op/∂by at the instance as a matrix: rows = entries of op, columns = entries of by."""
    f = _function(op.typed)
    tensor = jacobian(f, {k: v for k, v in values.items()}, by).value
    rows = int(np.prod(op.typed.shape))
    return np.asarray(tensor, dtype=np.float64).reshape(rows, -1)


def _function(typed: mathlang.Typed) -> Any:
    def run(values: Mapping[str, Array]) -> Array:
        return mathlang.evaluate(typed, values, finite=False)

    return run


def _gradient(ops: Sequence[Op], start: int, by: str, values: Mapping[str, Array]) -> Array:
    """∂f/∂by, where f is the last intermediate and ``by`` is fed to the ones after
    ``start``: the gradient flowing back to ``by``, with the shape of ``by``."""
    tail = ops[start:]

    def run(env: Mapping[str, Array]) -> Array:
        current = dict(env)
        for op in tail:
            current[op.name] = mathlang.evaluate(op.typed, current, finite=False)
        return current[ops[-1].name]

    tensor = np.asarray(jacobian(run, dict(values), by).value, dtype=np.float64)
    return tensor.reshape(values[by].shape[-2], values[by].shape[-1])


def step_pictures(d: Derivation, output: str) -> list[dict[str, Any]]:
    """One entry per step: ``lit`` (node names) and, where a step has one, ``heatmap``:
    ``{"title", "matrix", "rows", "cols", "reading"}`` with the numbers at the instance."""
    if not d.operations:
        return [{"lit": [output] if s.view == "result" else [], "heatmap": None} for s in d.steps]
    try:
        ops, values = _program(d)
    except mathlang.MathError:
        return [{"lit": [], "heatmap": None} for _ in d.steps]
    names = [op.name for op in ops]
    index = {op.name: k for k, op in enumerate(ops)}
    out: list[dict[str, Any]] = []
    for step in d.steps:
        lit = lit_nodes(step, names, d.wrt, output)
        heat: dict[str, Any] | None = None
        if step.rule == NAMING_RULE:
            pass
        elif len(lit) == 1 and step.view in LOCAL_VIEWS and lit[0] in index:
            op = ops[index[lit[0]]]
            path = [o for o in op.operands if o in index or o in d.wrt]
            if path:
                by = path[0]
                heat = _matrix(
                    f"∂{op.name}/∂{by}",
                    lambda op=op, by=by: _local(op, by, values),
                    f"row = entry of {op.name}, column = entry of {by}",
                )
        elif len(lit) == 1 and step.view == "gradient" and (lit[0] in index or lit[0] in d.wrt):
            u = lit[0]
            start = index[u] + 1 if u in index else 0
            heat = _matrix(
                f"∂{output}/∂{u}",
                lambda u=u, start=start: _gradient(ops, start, u, values),
                f"entry (i, j) is the derivative by {u}'s entry (i, j)",
            )
        out.append({"lit": lit, "heatmap": heat})
    return out


def _matrix(title: str, compute: Any, reading: str) -> dict[str, Any] | None:
    try:
        m = np.atleast_2d(np.asarray(compute(), dtype=np.float64))
    except (mathlang.MathError, ValueError, KeyError):
        return None
    if m.ndim != 2 or m.shape[0] > MAX_SIDE or m.shape[1] > MAX_SIDE:
        return None
    return {
        "title": title,
        "matrix": [[_plain(v) for v in row] for row in m.tolist()],
        "rows": int(m.shape[0]),
        "cols": int(m.shape[1]),
        "reading": reading,
    }


def result_matrix(d: Derivation) -> dict[str, Any] | None:
    """The whole derivative at the instance, for the result's heat map: a matrix, or the
    slices of a 3-axis array (one per output entry), or a 4-axis one folded to 2-D."""
    try:
        tree = mathlang.parse(d.expression)
        typed = mathlang.check(tree, d.variables, indices=d.index_sizes)
        value = np.asarray(mathlang.evaluate(typed, d.values), dtype=np.float64)
    except mathlang.MathError:
        return None
    if value.ndim == 3:
        if value.shape[0] > MAX_SIDE or value.shape[1] * value.shape[2] > MAX_SIDE * MAX_SIDE:
            return None
        return {
            "slices": [[[_plain(v) for v in row] for row in part] for part in value.tolist()],
            "rows": int(value.shape[1]),
            "cols": int(value.shape[2]),
        }
    if value.ndim == 4:
        a, b, c, e = value.shape
        value = value.reshape(a * b, c * e)
    if value.ndim != 2 or value.shape[0] > MAX_SIDE or value.shape[1] > MAX_SIDE:
        return None
    return {
        "matrix": [[_plain(v) for v in row] for row in value.tolist()],
        "rows": int(value.shape[0]),
        "cols": int(value.shape[1]),
        "folded": d.indices is not None and len(d.indices) == 4,
    }


def _plain(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None
