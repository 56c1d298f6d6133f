"""Exact forward-mode derivatives over the expression tree, with one rule open to a slip.

Every node gets its value and its tangent: an array ``(D, rows, cols)`` holding the
derivative of each entry along each of the ``D`` input directions (the stacked entries
of the ``wrt`` variables, row-major). The rules are the ordinary ones (product rule,
chain rule, ``f'(z) ⊙ dz``); a :class:`Slip` replaces the rule at *one* node by a
buggy variant, which is how a learner's wrong derivation is reproduced mechanically.

Exact rather than finite differences because a candidate is compared with the learner's
answer under the tolerance of the finite-difference reference: the candidate itself must
not bring noise of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.calculus.buggy.values import NoTangent, fprime
from app.mathlang.ast import (
    Binary,
    Call,
    Matrix,
    Name,
    Node,
    Transpose,
    Unary,
    Vector,
)
from app.mathlang.evaluate import node_values
from app.mathlang.functions import diag, inverse, kron, matrix_power
from app.mathlang.shapes import Typed, integer_exponent, postorder

Array = npt.NDArray[np.float64]

ACTIVATIONS = frozenset(
    {"exp", "log", "ln", "sqrt", "abs", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "step"}
)
"""Element-wise functions whose local derivative ``f'`` a learner may drop or replace by f."""


SEED_KINDS = frozenset({"drop_row_delta", "drop_col_delta"})
"""Slips in the variable's own seed: they apply at every occurrence of the variable."""

POWER_KINDS = frozenset({"power_no_factor", "power_not_lowered", "power_unchanged"})
SQUARE_KINDS = frozenset({"square_no_factor", "square_not_lowered", "square_unchanged"})


def _misapplied_power(kind: str, a: Array, k: Array, ta: Array) -> Array:
    """d(a^k) by a slip of the power rule: a^(k-1) da, k a^k da, or a^k da."""
    if kind.endswith("no_factor"):
        return np.power(a, k - 1.0) * ta
    if kind.endswith("not_lowered"):
        return k * np.power(a, k) * ta
    return np.power(a, k) * ta


@dataclass(frozen=True)
class Slip:
    """A buggy rule at one node (its place in the post-order walk).

    ``kind`` is one of ``left_only``/``right_only`` (one product-rule term),
    ``twice_left``/``twice_right`` (one term counted twice: the symmetric assumption),
    ``f_for_fprime``/``drop_fprime`` (the activation's derivative), ``stop_chain`` (the
    inner derivative replaced by the identity), ``reverse`` (local Jacobian and inner
    Jacobian multiplied the other way round), ``transpose_local``/``transpose_inner``
    (one factor of that product transposed), ``power_*``/``square_*`` (the power rule
    misapplied to ``u.^k`` or ``u .* u``: the exponent not brought down, the power not
    lowered, or the power left as it is), ``drop_row_delta``/``drop_col_delta`` (the
    variable's own seed without its Kronecker delta: ∂W_ik/∂W_jl taken as δ_kl or δ_ij,
    as if every row, or every column, were the entry differentiated by)."""

    site: int
    kind: str


def _flat(a: Array) -> Array:
    return a.reshape(*a.shape[:-2], a.shape[-2] * a.shape[-1])


def _f(value: object) -> Array:
    return np.asarray(value, dtype=np.float64)


def nodes(typed: Typed) -> list[Node]:
    return list(postorder(typed.node))


def depends(tree: Node, names: Sequence[str]) -> set[int]:
    """ids of the nodes whose value depends on a ``names`` variable."""
    out: set[int] = set()
    for node in postorder(tree):
        if (isinstance(node, Name) and node.name in names) or any(
            id(child) in out for child in node.children()
        ):
            out.add(id(node))
    return out


def directions(wrt_shapes: Sequence[tuple[int, int]]) -> int:
    return sum(r * c for r, c in wrt_shapes)


def identity_tangent(shape: tuple[int, int]) -> Array:
    rows, cols = shape
    n = rows * cols
    return np.eye(n).reshape(n, rows, cols)


class Forward:
    """Values and tangents of every node of ``typed`` at one instance."""

    def __init__(
        self,
        typed: Typed,
        values: Mapping[str, Array],
        wrt: Sequence[str],
        wrt_shapes: Sequence[tuple[int, int]],
    ) -> None:
        self.typed = typed
        self.order = nodes(typed)
        self.shapes = {k: (int(v[0]), int(v[1])) for k, v in typed.node_shapes.items()}
        self.values = values
        self.wrt = list(wrt)
        self.wrt_shapes = list(wrt_shapes)
        self.dirs = directions(wrt_shapes)
        self.dependent = depends(typed.node, wrt)
        self.vals: dict[int, Array] = node_values(typed, values)

    def _seed(self, name: str, kind: str | None = None) -> Array:
        start = 0
        for w, (r, c) in zip(self.wrt, self.wrt_shapes, strict=True):
            if w == name:
                t = np.zeros((self.dirs, r, c))
                block = identity_tangent((r, c))
                if kind == "drop_row_delta":  # direction (j, l) moves all of column l
                    block = np.repeat(block.sum(axis=1, keepdims=True), r, axis=1)
                elif kind == "drop_col_delta":  # direction (j, l) moves all of row j
                    block = np.repeat(block.sum(axis=2, keepdims=True), c, axis=2)
                t[start : start + r * c] = block
                return t
            start += r * c
        raise KeyError(name)

    def jacobian(self, slip: Slip | None = None) -> Array:
        """The Jacobian ``(output entries, D)`` with ``slip`` applied (if any)."""
        tans: dict[int, Array | None] = {}
        for index, node in enumerate(self.order):
            if id(node) not in self.dependent:
                tans[id(node)] = None
                continue
            if isinstance(node, Name):
                seeded = slip.kind if slip is not None and slip.kind in SEED_KINDS else None
                tans[id(node)] = self._seed(node.name, seeded)
                continue
            here = slip if slip is not None and slip.site == index else None
            tans[id(node)] = self._tangent(node, [tans[id(c)] for c in node.children()], here)
        t = tans[id(self.typed.node)]
        out = self.vals[id(self.typed.node)]
        if t is None:
            return np.zeros((out.size, self.dirs))
        return _flat(np.broadcast_to(t, (self.dirs, *out.shape))).T.copy()

    def by_node(self, site: int) -> tuple[Array, tuple[int, int]]:
        """The derivative of the output with respect to the node at ``site`` taken as the
        variable (every other path to the variable ignored): ``(output entries, size)``
        and the node's shape. A chain rule stopped at the outer function gives this."""
        target = self.order[site]
        shape = self.shapes[id(target)]
        size = shape[0] * shape[1]
        tans: dict[int, Array | None] = {}
        for node in self.order:
            if node is target:
                tans[id(node)] = identity_tangent(shape)
                continue
            kids = [tans.get(id(c)) for c in node.children()]
            if all(t is None for t in kids):
                tans[id(node)] = None
                continue
            tans[id(node)] = self.rule(node, kids, None)
        t = tans[id(self.typed.node)]
        out = self.vals[id(self.typed.node)]
        if t is None:
            return np.zeros((out.size, size)), shape
        return _flat(np.broadcast_to(t, (size, *out.shape))).T.copy(), shape

    def _tangent(self, node: Node, tans: list[Array | None], slip: Slip | None) -> Array:
        kind = slip.kind if slip is not None else None
        if kind == "stop_chain":
            shape = self.shapes[id(node)]
            if shape[0] * shape[1] != self.dirs:
                raise NoTangent("the inner value does not have the variable's size")
            wrt_shape = self.wrt_shapes[0]
            if (
                len(self.wrt_shapes) == 1
                and shape == (wrt_shape[1], wrt_shape[0])
                and shape != wrt_shape
            ):
                return np.swapaxes(identity_tangent(wrt_shape), -1, -2)
            return identity_tangent(shape)
        if kind in ("reverse", "transpose_local", "transpose_inner"):
            return self._recombined(node, tans, kind)
        return self.rule(node, tans, kind)

    def local(self, node: Node, child: int) -> Array:
        """∂node/∂(its child number ``child``): ``(size(node), size(child))``."""
        kid = node.children()[child]
        tans: list[Array | None] = [None] * len(node.children())
        tans[child] = identity_tangent(self.shapes[id(kid)])
        t = self.rule(node, tans, None)
        size = self.shapes[id(kid)][0] * self.shapes[id(kid)][1]
        out = self.shapes[id(node)]
        return _flat(np.broadcast_to(t, (size, *out))).T

    def _recombined(self, node: Node, tans: list[Array | None], kind: str) -> Array:
        live = [k for k, t in enumerate(tans) if t is not None]
        if len(live) != 1:
            raise NoTangent("one operand must depend on the variable")
        k = live[0]
        kid = node.children()[k]
        t = tans[k]
        assert t is not None
        inner = _flat(np.broadcast_to(t, (self.dirs, *self.shapes[id(kid)]))).T  # (size c, D)
        local = self.local(node, k)  # (size n, size c)
        if kind == "reverse":
            if not (inner.shape[1] == local.shape[0] and inner.shape[0] == local.shape[0]):
                raise NoTangent("the factors do not multiply the other way round")
            jac = inner @ local
        elif kind == "transpose_local":
            if local.shape[0] != local.shape[1]:
                raise NoTangent("the local Jacobian is not square")
            jac = local.T @ inner
        else:
            if inner.shape[0] != inner.shape[1]:
                raise NoTangent("the inner Jacobian is not square")
            jac = local @ inner.T
        rows, cols = self.shapes[id(node)]
        return jac.T.reshape(self.dirs, rows, cols)

    def rule(self, node: Node, tans: list[Array | None], kind: str | None) -> Array:
        """The forward-mode rule of ``node`` (``None`` tangents are zero)."""
        shape = self.shapes[id(node)]
        args = [self.vals[id(c)] for c in node.children()]
        dirs = next(t.shape[0] for t in tans if t is not None)

        def tan(k: int) -> Array:
            t = tans[k]
            if t is None:
                return np.zeros((dirs, *self.shapes[id(node.children()[k])]))
            return t

        def full(t: Array) -> Array:
            return np.broadcast_to(t, (dirs, *shape)).copy()

        if isinstance(node, Unary):
            return -tan(0) if node.op == "-" else tan(0)
        if isinstance(node, Transpose):
            return np.swapaxes(tan(0), -1, -2)
        if isinstance(node, Vector):
            return np.concatenate(
                [np.broadcast_to(tan(k), (dirs, 1, 1)) for k in range(len(args))], axis=1
            )
        if isinstance(node, Matrix):
            width = len(node.rows[0])
            out = np.zeros((dirs, *shape))
            for k in range(len(args)):
                out[:, k // width, k % width] = tan(k)[:, 0, 0]
            return out
        if isinstance(node, Binary):
            return full(self._binary(node, args, tan, tans, kind))
        if isinstance(node, Call):
            return full(self._call(node, args, tan, tans, kind))
        raise NoTangent(type(node).__name__)

    def _products(
        self, left: Array, right: Array, tans: list[Array | None], kind: str | None
    ) -> Array:
        if kind in ("left_only", "twice_left") and tans[0] is not None and tans[1] is not None:
            return left * (2.0 if kind == "twice_left" else 1.0)
        if kind in ("right_only", "twice_right") and tans[0] is not None and tans[1] is not None:
            return right * (2.0 if kind == "twice_right" else 1.0)
        return left + right

    def _binary(
        self,
        node: Binary,
        args: list[Array],
        tan: Callable[[int], Array],
        tans: list[Array | None],
        kind: str | None,
    ) -> Array:
        a, b = args
        op = node.op
        ta, tb = tan(0), tan(1)
        scaling = (1, 1) in (self.shapes[id(node.left)], self.shapes[id(node.right)])
        if op == "+":
            return ta + tb
        if op == "-":
            return ta - tb
        if kind in SQUARE_KINDS and op in (".*", "*"):
            return _misapplied_power(kind, a, np.full_like(a, 2.0), ta)
        if op == ".*" or (op == "*" and scaling):
            return self._products(ta * b, a * tb, tans, kind)
        if op in ("*", "@"):
            return self._products(ta @ b, a @ tb, tans, kind)
        if op in ("/", "./"):
            return ta / b - a * tb / (b * b)
        if op == ".^" or self.shapes[id(node.left)] == (1, 1):
            k = integer_exponent(node.right)
            if tans[1] is None and kind in POWER_KINDS:
                return _misapplied_power(kind, a, b, ta)
            if tans[1] is None:
                return b * np.power(a, b - 1.0) * ta if k is None or k != 0 else 0.0 * ta
            return np.power(a, b) * (tb * np.log(a) + b * ta / a)
        k = integer_exponent(node.right)
        if k is None or k < 0 or tans[1] is not None:
            raise NoTangent("matrix power")
        total = np.zeros_like(ta)
        for i in range(k):
            total = total + matrix_power(a, i) @ ta @ matrix_power(a, k - 1 - i)
        return total

    def _call(
        self,
        node: Call,
        args: list[Array],
        tan: Callable[[int], Array],
        tans: list[Array | None],
        kind: str | None,
    ) -> Array:
        f = node.func
        fz = self.vals[id(node)]
        if f in ("eye", "ones", "zeros", "delta"):
            return 0.0 * tan(0)
        if f in ACTIVATIONS or f == "sign":
            z = args[0]
            d = fprime(f, z, fz)
            if kind == "f_for_fprime" and f in ACTIVATIONS:
                d = fz
            elif kind == "drop_fprime" and f in ACTIVATIONS:
                d = np.ones_like(z)
            return d * tan(0)
        if f in ("max", "min"):
            a, b = args
            first = (a >= b) if f == "max" else (a <= b)
            mask = first.astype(np.float64)
            live = [k for k in (0, 1) if tans[k] is not None]
            if kind in ("f_for_fprime", "drop_fprime") and len(live) == 1:
                k = live[0]
                own = mask if k == 0 else 1.0 - mask
                return (fz if kind == "f_for_fprime" else 1.0) * tan(k) + 0.0 * own
            return mask * tan(0) + (1.0 - mask) * tan(1)
        t = tan(0)
        if f == "sum":
            return _f(np.sum(t, axis=(-2, -1), keepdims=True))
        if f == "mean":
            return _f(np.mean(t, axis=(-2, -1), keepdims=True))
        if f == "norm":
            return _f(np.sum(args[0] * t, axis=(-2, -1), keepdims=True) / fz)
        if f in ("trace", "tr"):
            return _f(np.trace(t, axis1=-2, axis2=-1)[:, None, None])
        if f == "transpose":
            return np.swapaxes(t, -1, -2)
        if f == "diag":
            return diag(t)
        if f in ("det", "logdet"):
            inv = inverse(args[0])
            g = _f(np.trace(inv @ t, axis1=-2, axis2=-1)[:, None, None])
            return g * fz if f == "det" else g
        if f == "inv":
            return -(fz @ t @ fz)
        if f == "softmax":
            return _f(fz * (t - np.sum(fz * t, axis=(-2, -1), keepdims=True)))
        if f in ("dot", "outer", "kron"):
            a, b = args
            ta, tb = tan(0), tan(1)
            if f == "dot":
                left = np.sum(_flat(ta) * _flat(b), axis=-1)[:, None, None]
                right = np.sum(_flat(a) * _flat(tb), axis=-1)[:, None, None]
            elif f == "outer":
                left = _flat(ta)[:, :, None] * _flat(b)[None, None, :]
                right = _flat(a)[None, :, None] * _flat(tb)[:, None, :]
            else:
                left = kron(ta, np.broadcast_to(b, (ta.shape[0], *b.shape)))
                right = kron(np.broadcast_to(a, (tb.shape[0], *a.shape)), tb)
            return self._products(left, right, tans, kind)
        raise NoTangent(f)
