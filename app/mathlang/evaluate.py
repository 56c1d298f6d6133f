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

from collections.abc import Callable, Mapping, Sequence

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
    plan = plan_of(typed)
    run = _Run(typed, values, plan)
    results: list[Array] = []
    with np.errstate(all="ignore"):
        for index, (step, kids) in enumerate(plan.steps):
            value = step(run, [results[k] for k in kids])
            if finite and not np.all(np.isfinite(value)):
                raise _domain_error(plan.order[index])
            results.append(value)
            for kid in plan.released[index]:
                results[kid] = _RELEASED
    out = results[-1]
    if typed.indices is not None:
        out = out[..., 0, 0]
    target = (*run.batch, *typed.shape)
    if out.shape == target:
        return np.array(out, dtype=np.float64)
    return np.array(np.broadcast_to(out, target), dtype=np.float64)


def node_values(typed: Typed, values: Mapping[str, npt.ArrayLike]) -> dict[int, Array]:
    """The value of every node of ``typed`` (keyed by ``id``), non-finite ones included.

    For code that reads the inside of a tree at one instance, such as the forward-mode
    pass of the buggy rules: one table of operations for every evaluation."""
    plan = plan_of(typed)
    run = _Run(typed, values, plan)
    results: list[Array] = []
    with np.errstate(all="ignore"):
        for step, kids in plan.steps:
            results.append(step(run, [results[k] for k in kids]))
    return {id(node): value for node, value in zip(plan.order, results, strict=True)}


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


Step = Callable[["_Run", list[Array]], Array]
"""One node's operation: its value from the run and its children's values."""


class Plan:
    """A checked tree flattened once into steps, children before parents: each step's
    operation is chosen when the plan is built (which product ``*`` is, which constant a
    literal or ``I`` gives), so an evaluation only runs numpy on the values. A problem's
    function is evaluated at every finite-difference level, instance and candidate; the
    per-node decisions are the same each time."""

    def __init__(self, typed: Typed) -> None:
        self.order = list(postorder(typed.node))
        position = {id(node): k for k, node in enumerate(self.order)}
        self.indices = dict(typed.indices) if typed.indices is not None else None
        self.axes = len(self.indices) if self.indices is not None else 0
        self.shapes = typed.node_shapes
        self.steps: list[tuple[Step, tuple[int, ...]]] = [
            (self._step(node, typed), tuple(position[id(child)] for child in node.children()))
            for node in self.order
        ]
        last_reader = {kid: k for k, (_, kids) in enumerate(self.steps) for kid in kids}
        self.released: list[tuple[int, ...]] = [() for _ in self.steps]
        """The values each step reads last, which the evaluation lets go after it: kept
        to the end, the intermediates of a loss at a few hundred points add up to as
        much memory again as the rest of its derivative needs."""
        for kid, k in last_reader.items():
            self.released[k] += (kid,)
        self.variables: list[tuple[str, int, int, int]] = []
        """(name, rows, cols, position) of each variable read, first occurrence first."""
        seen: set[tuple[str, int, int]] = set()
        for node in self.order:
            if isinstance(node, Name) and self._is_variable(node.name, typed):
                rows, cols = self.shapes[id(node)]
                if (node.name, rows, cols) not in seen:
                    seen.add((node.name, rows, cols))
                    self.variables.append((node.name, rows, cols, node.pos))
        read = {name for name, _, _, _ in self.variables}
        self.declared = [
            (name, rows, cols) for name, (rows, cols) in typed.variables.items() if name not in read
        ]
        """Declared variables the tree does not read: their values still give batch axes."""

    def _is_variable(self, name: str, typed: Typed) -> bool:
        """Not an index name, and not a context-sized ``I``/``ones`` (unless declared)."""
        if self.indices is not None and name in self.indices:
            return False
        return name in typed.variables or name not in ("I", "ones")

    def _step(self, node: Node, typed: Typed) -> Step:
        rows, cols = self.shapes[id(node)]
        if isinstance(node, Number):
            return _constant(np.full((rows, cols), node.value, dtype=np.float64))
        if isinstance(node, Name):
            return self._name(node, typed, rows, cols)
        if isinstance(node, Unary):
            return (lambda run, args: -args[0]) if node.op == "-" else (lambda run, args: args[0])
        if isinstance(node, Transpose):
            return lambda run, args: np.swapaxes(args[0], -1, -2)
        if isinstance(node, Binary):
            return self._binary(node)
        if isinstance(node, Call):
            return self._call(node, rows, cols)
        if isinstance(node, Matrix):
            width = len(node.rows[0])
            count = len(node.rows)
            return lambda run, args: _matrix(args, width, count)
        if isinstance(node, Index):
            return lambda run, args: run.index(node, args[0])
        # Vector, the remaining node type.
        return lambda run, args: np.concatenate(np.broadcast_arrays(*args), axis=-2)

    def _name(self, node: Name, typed: Typed, rows: int, cols: int) -> Step:
        if self.indices is not None and node.name in self.indices:
            position = list(self.indices).index(node.name)
            size = self.indices[node.name]
            layout = [size if axis == position else 1 for axis in range(self.axes)]
            return _constant(np.arange(1.0, size + 1.0).reshape(*layout, 1, 1))
        if self._is_variable(node.name, typed):
            name = node.name
            return lambda run, args: run.spread(run.raw[name])
        if node.name == "I":
            return _constant(np.eye(rows))
        return _constant(np.ones((rows, cols)))

    def _binary(self, node: Binary) -> Step:
        op = node.op
        left_shape, right_shape = self.shapes[id(node.left)], self.shapes[id(node.right)]
        if op == "+":
            return lambda run, args: args[0] + args[1]
        if op == "-":
            return lambda run, args: args[0] - args[1]
        if op in (".*", "*") and (op == ".*" or (1, 1) in (left_shape, right_shape)):
            return lambda run, args: args[0] * args[1]
        if op in ("*", "@"):
            return lambda run, args: np.asarray(np.matmul(args[0], args[1]), dtype=np.float64)
        if op in ("/", "./"):
            return lambda run, args: args[0] / args[1]
        if (op == ".^" or left_shape == (1, 1)) and integer_exponent(node.right) == 2:
            # A product is correctly rounded, as pow is to within its last place, and
            # takes half the time of np.power with an array exponent (a loss's square).
            return lambda run, args: args[0] * args[0]
        if op == ".^" or left_shape == (1, 1):
            return lambda run, args: np.asarray(np.power(args[0], args[1]), dtype=np.float64)
        exponent = integer_exponent(node.right)
        assert exponent is not None  # the shape checker guarantees it
        return lambda run, args: matrix_power(args[0], exponent)

    def _call(self, node: Call, rows: int, cols: int) -> Step:
        if node.func == "eye":
            return _constant(np.eye(rows))
        if node.func == "ones":
            return _constant(np.ones((rows, cols)))
        if node.func == "zeros":
            return _constant(np.zeros((rows, cols)))
        impl = BUILTINS[node.func].impl
        assert impl is not None
        return lambda run, args: np.asarray(impl(args), dtype=np.float64)


_RELEASED: Array = np.empty(0)
"""What :func:`evaluate` keeps in place of a value no later step reads."""


def _constant(value: Array) -> Step:
    """A step that gives the same value every time, read-only so that it stays so."""
    value.flags.writeable = False
    return lambda run, args: value


def _matrix(args: Sequence[Array], width: int, count: int) -> Array:
    items = np.broadcast_arrays(*args)
    row_values = [np.concatenate(items[r * width : (r + 1) * width], axis=-1) for r in range(count)]
    return np.concatenate(row_values, axis=-2)


_PLANS: dict[int, tuple[Typed, Plan]] = {}
_MAX_PLANS = 1024


def plan_of(typed: Typed) -> Plan:
    """The :class:`Plan` of ``typed``, kept for trees evaluated again and again. Checked
    trees are frozen; the entry holds ``typed``, so its ``id`` cannot be reused while it
    is cached."""
    entry = _PLANS.get(id(typed))
    if entry is not None and entry[0] is typed:
        return entry[1]
    plan = Plan(typed)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(typed)] = (typed, plan)
    return plan


class _Run:
    """One evaluation: the prepared variable values and the common batch shape."""

    def __init__(self, typed: Typed, values: Mapping[str, npt.ArrayLike], plan: Plan) -> None:
        self.values = values
        self.indices = plan.indices
        self.axes = plan.axes
        self.raw: dict[str, Array] = {}
        for name, rows, cols, position in plan.variables:
            self.raw[name] = self._prepare(name, rows, cols, position)
        batches = [value.shape[:-2] for value in self.raw.values()]
        for name, rows, cols in plan.declared:
            if name in values:
                batches.append(self._prepare(name, rows, cols, None).shape[:-2])
        if batches and all(batch == batches[0] for batch in batches):
            self.batch: tuple[int, ...] = batches[0]
            return
        try:
            self.batch = np.broadcast_shapes(*batches)
        except ValueError as exc:
            shown = ", ".join(f"{n}: {shape_text(v.shape)}" for n, v in self.raw.items())
            raise MathError(
                "shape", f"the batch axes of the values do not match ({shown})"
            ) from exc

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

    def spread(self, value: Array) -> Array:
        """Insert one axis per index between the batch axes and the matrix axes."""
        if not self.axes:
            return value
        return value.reshape(*value.shape[:-2], *([1] * self.axes), *value.shape[-2:])

    def index(self, node: Index, base: Array) -> Array:
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
