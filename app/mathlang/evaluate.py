"""Numeric evaluation of a checked tree with numpy, in float64, batched.

Every value may carry leading batch axes, ``(*batch, rows, cols)``, and every operation
acts on the last two axes and broadcasts over the rest, so the finite-difference engine
evaluates all perturbations of an instance in one call (DESIGN §5). The tree is walked
children-first with an explicit stack: no recursion, and never ``eval``.

Index form (Learned-Miller §3): each index gets its own axis between the batch axes and
the two matrix axes; an index name is the array 1..n along its axis, ``W[i, k]`` gathers
entries with broadcast index arrays, and ordinary operations broadcast over those axes,
so a tensor ``D[i, j, k]`` is computed without a Python loop over its entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.mathlang.ast import Binary, Call, Index, Matrix, Name, Node, Number, Transpose, Unary
from app.mathlang.errors import MathError
from app.mathlang.functions import BUILTINS, Array, matrix_power
from app.mathlang.messages import node_text, shape_text
from app.mathlang.shapes import Typed, integer_exponent, postorder


def evaluate(
    typed: Typed, values: Mapping[str, npt.ArrayLike], *, finite: bool = True
) -> npt.NDArray[np.float64]:
    """The value of ``typed`` for ``values``: an array ``(*batch, *typed.shape)``.

    With ``finite`` a non-finite entry anywhere raises ``MathError("domain")`` naming the
    first operation that produced it (``log(x)``, ``9^9^9^9``); without it NaN and inf
    are returned as they come, which the grader uses to tell a kink from a bug.
    """
    run = _Run(typed, values)
    results: dict[int, Array] = {}
    with np.errstate(all="ignore"):
        for node in _order(typed.node):
            value = run.compute(node, results)
            if finite and not np.all(np.isfinite(value)):
                raise _domain_error(node)
            results[id(node)] = value
    out = results[id(typed.node)]
    if typed.indices is not None:
        out = out[..., 0, 0]
    target = (*run.batch, *typed.shape)
    return np.array(np.broadcast_to(out, target), dtype=np.float64)


def node_values(typed: Typed, values: Mapping[str, npt.ArrayLike]) -> dict[int, Array]:
    """The value of every node of ``typed`` (keyed by ``id``), non-finite ones included.

    For code that reads the inside of a tree at one instance, such as the forward-mode
    pass of the buggy rules: one table of operations for every evaluation."""
    run = _Run(typed, values)
    results: dict[int, Array] = {}
    with np.errstate(all="ignore"):
        for node in _order(typed.node):
            results[id(node)] = run.compute(node, results)
    return results


def _domain_error(node: Node) -> MathError:
    hint = "the numbers overflow"
    if isinstance(node, Call) and node.func in BUILTINS and BUILTINS[node.func].domain_hint:
        hint = BUILTINS[node.func].domain_hint
    elif isinstance(node, Binary) and node.op in ("/", "./"):
        hint = "division by zero"
    elif isinstance(node, Binary) and node.op in ("^", ".^"):
        hint = "the power overflows or is not a real number"
    elif isinstance(node, Name):
        hint = "its value is not finite"
    elif isinstance(node, Number):
        hint = "the number is too large"
    return MathError("domain", f"{node_text(node)}: the result is not finite ({hint})", node.pos)


_ORDERS: dict[int, tuple[Node, list[Node]]] = {}
_MAX_ORDERS = 1024


def _order(root: Node) -> list[Node]:
    """``postorder(root)`` as a list, kept for trees evaluated again and again (a
    problem's function at every finite-difference level and instance). Trees are frozen;
    the entry holds the root, so its ``id`` cannot be reused while it is cached."""
    entry = _ORDERS.get(id(root))
    if entry is not None and entry[0] is root:
        return entry[1]
    order = list(postorder(root))
    if len(_ORDERS) >= _MAX_ORDERS:
        _ORDERS.clear()
    _ORDERS[id(root)] = (root, order)
    return order


class _Run:
    """One evaluation: the prepared variable values and the common batch shape."""

    def __init__(self, typed: Typed, values: Mapping[str, npt.ArrayLike]) -> None:
        self.values = values
        self.shapes = typed.node_shapes
        self.indices = dict(typed.indices) if typed.indices is not None else None
        self.axes = len(self.indices) if self.indices is not None else 0
        self.raw: dict[str, Array] = {}
        for node in _order(typed.node):
            if isinstance(node, Name) and self._is_variable(node, typed):
                rows, cols = self.shapes[id(node)]
                self.raw[node.name] = self._prepare(node.name, rows, cols, node.pos)
        batches = [value.shape[:-2] for value in self.raw.values()]
        for name, (rows, cols) in typed.variables.items():
            if name in values and name not in self.raw:
                batches.append(self._prepare(name, rows, cols, None).shape[:-2])
        try:
            self.batch = np.broadcast_shapes(*batches)
        except ValueError as exc:
            shown = ", ".join(f"{n}: {shape_text(v.shape)}" for n, v in self.raw.items())
            raise MathError(
                "shape", f"the batch axes of the values do not match ({shown})"
            ) from exc

    def _is_variable(self, node: Name, typed: Typed) -> bool:
        """Not an index name, and not a context-sized ``I``/``ones`` (unless declared)."""
        if self.indices is not None and node.name in self.indices:
            return False
        return node.name in typed.variables or node.name not in ("I", "ones")

    def _prepare(self, name: str, rows: int, cols: int, position: int | None) -> Array:
        if name not in self.values:
            raise MathError("unknown_name", f"no value is given for {name}", position)
        value = np.asarray(self.values[name], dtype=np.float64)
        if value.ndim == 0 and (rows, cols) == (1, 1):
            value = value.reshape(1, 1)
        elif value.ndim == 1 and value.shape[0] == rows * cols and 1 in (rows, cols):
            value = value.reshape(rows, cols)
        if value.ndim < 2 or value.shape[-2:] != (rows, cols):
            raise MathError(
                "shape",
                f"the value of {name} is {shape_text(value.shape)}, but {name} is {rows}x{cols}",
                position,
            )
        return value

    def _spread(self, value: Array) -> Array:
        """Insert one axis per index between the batch axes and the matrix axes."""
        if not self.axes:
            return value
        return value.reshape(*value.shape[:-2], *([1] * self.axes), *value.shape[-2:])

    def compute(self, node: Node, results: Mapping[int, Array]) -> Array:
        rows, cols = self.shapes[id(node)]
        if isinstance(node, Number):
            return np.full((rows, cols), node.value, dtype=np.float64)
        if isinstance(node, Name):
            return self._name(node, rows, cols)
        args = [results[id(child)] for child in node.children()]
        if isinstance(node, Unary):
            return -args[0] if node.op == "-" else args[0]
        if isinstance(node, Transpose):
            return np.swapaxes(args[0], -1, -2)
        if isinstance(node, Binary):
            return self._binary(node, args[0], args[1])
        if isinstance(node, Call):
            return self._call(node, args, rows, cols)
        if isinstance(node, Matrix):
            width = len(node.rows[0])
            items = np.broadcast_arrays(*args)
            row_values = [
                np.concatenate(items[r * width : (r + 1) * width], axis=-1)
                for r in range(len(node.rows))
            ]
            return np.concatenate(row_values, axis=-2)
        if isinstance(node, Index):
            return self._index(node, args[0])
        # Vector, the remaining node type.
        return np.concatenate(np.broadcast_arrays(*args), axis=-2)

    def _name(self, node: Name, rows: int, cols: int) -> Array:
        if self.indices is not None and node.name in self.indices:
            position = list(self.indices).index(node.name)
            size = self.indices[node.name]
            layout = [size if axis == position else 1 for axis in range(self.axes)]
            return np.arange(1.0, size + 1.0).reshape(*layout, 1, 1)
        if node.name in self.raw:
            return self._spread(self.raw[node.name])
        if node.name == "I":
            return np.eye(rows)
        return np.ones((rows, cols))

    def _binary(self, node: Binary, left: Array, right: Array) -> Array:
        op = node.op
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op in (".*", "*") and (op == ".*" or self._scaling(node)):
            return left * right
        if op in ("*", "@"):
            return np.asarray(np.matmul(left, right), dtype=np.float64)
        if op in ("/", "./"):
            return left / right
        if op == ".^" or self.shapes[id(node.left)] == (1, 1):
            return np.asarray(np.power(left, right), dtype=np.float64)
        exponent = integer_exponent(node.right)
        assert exponent is not None  # the shape checker guarantees it
        return matrix_power(left, exponent)

    def _scaling(self, node: Binary) -> bool:
        return (1, 1) in (self.shapes[id(node.left)], self.shapes[id(node.right)])

    def _call(self, node: Call, args: Sequence[Array], rows: int, cols: int) -> Array:
        if node.func == "eye":
            return np.eye(rows)
        if node.func == "ones":
            return np.ones((rows, cols))
        if node.func == "zeros":
            return np.zeros((rows, cols))
        impl = BUILTINS[node.func].impl
        assert impl is not None
        return np.asarray(impl(args), dtype=np.float64)

    def _index(self, node: Index, base: Array) -> Array:
        """Gather ``x[k]`` / ``W[i, k]`` with one broadcast index array per position."""
        if isinstance(node.base, Name):
            raw = self.raw[node.base.name]
            cols = raw.shape[-1]
            picks = self._picks(node, cols)
            gathered = raw[..., picks[0], picks[1]]
            return np.asarray(gathered, dtype=np.float64)[..., None, None]
        # An expression: its value carries the index axes (of size 1 unless what is
        # indexed uses index names itself), and the entry is taken along them.
        if base.ndim < 2 + self.axes:
            base = base.reshape(*([1] * (2 + self.axes - base.ndim)), *base.shape)
        rows, cols = base.shape[-2:]
        picks = self._picks(node, cols)
        flat = np.broadcast_arrays(picks[0] * cols + picks[1])[0]
        lead = base.ndim - 2
        where = flat.reshape(*([1] * (lead - self.axes)), *flat.shape, 1)
        values = base.reshape(*base.shape[:-2], rows * cols)
        gathered = np.take_along_axis(values, where, axis=-1)
        return np.asarray(gathered, dtype=np.float64)[..., None]

    def _picks(self, node: Index, cols: int) -> list[npt.NDArray[np.intp]]:
        picks = [self._positions(index) for index in node.indices]
        if len(picks) == 1:
            zero = np.zeros([1] * self.axes, dtype=np.intp)
            picks = [picks[0], zero] if cols == 1 else [zero, picks[0]]
        return picks

    def _positions(self, index: Node) -> npt.NDArray[np.intp]:
        if isinstance(index, Number):
            return np.full([1] * self.axes, int(index.value) - 1, dtype=np.intp)
        assert isinstance(index, Name) and self.indices is not None
        position = list(self.indices).index(index.name)
        size = self.indices[index.name]
        layout = [size if axis == position else 1 for axis in range(self.axes)]
        return np.arange(size, dtype=np.intp).reshape(layout)
