"""Values of the expression tree's operations and the element-wise derivatives f′.

The forward-mode pass (:mod:`app.calculus.buggy.tangents`) needs every node's value at
an instance, one instance at a time, and f′(z) of each element-wise function, which the
buggy rules replace by f(z) or drop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.mathlang.ast import Binary, Call, Matrix, Node, Number, Transpose, Unary, Vector
from app.mathlang.functions import BUILTINS, matrix_power
from app.mathlang.shapes import integer_exponent

Array = npt.NDArray[np.float64]


class NoTangent(Exception):
    """An operation outside the forward-mode rules (index form, a non-integer matrix power)."""


def _f(value: object) -> Array:
    return np.asarray(value, dtype=np.float64)


def value(
    node: Node, args: Sequence[Array], shape: tuple[int, int], shapes: Mapping[int, tuple[int, int]]
) -> Array:
    rows, cols = shape
    if isinstance(node, Number):
        return np.full((rows, cols), node.value)
    if isinstance(node, Unary):
        return -args[0] if node.op == "-" else args[0]
    if isinstance(node, Transpose):
        return np.swapaxes(args[0], -1, -2)
    if isinstance(node, Binary):
        a, b = args
        op = node.op
        scaling = (1, 1) in (shapes[id(node.left)], shapes[id(node.right)])
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == ".*" or (op == "*" and scaling):
            return a * b
        if op in ("*", "@"):
            return _f(a @ b)
        if op in ("/", "./"):
            return a / b
        if op == ".^" or shapes[id(node.left)] == (1, 1):
            return _f(np.power(a, b))
        k = integer_exponent(node.right)
        if k is None:
            raise NoTangent("a matrix power needs an integer exponent")
        return matrix_power(a, k)
    if isinstance(node, Call):
        if node.func == "eye":
            return np.eye(rows)
        if node.func == "ones":
            return np.ones((rows, cols))
        if node.func == "zeros":
            return np.zeros((rows, cols))
        impl = BUILTINS[node.func].impl
        if impl is None:
            raise NoTangent(node.func)
        return _f(impl(args))
    if isinstance(node, Vector):
        return np.concatenate([np.broadcast_to(a, (1, 1)) for a in args], axis=0)
    if isinstance(node, Matrix):
        width = len(node.rows[0])
        return np.array(
            [
                [float(args[r * width + c][0, 0]) for c in range(width)]
                for r in range(len(node.rows))
            ]
        )
    raise NoTangent(type(node).__name__)


def fprime(func: str, z: Array, fz: Array) -> Array:
    """The element-wise derivative of ``func`` at ``z`` (``fz`` = f(z))."""
    if func == "exp":
        return fz
    if func in ("log", "ln"):
        return 1.0 / z
    if func == "sqrt":
        return 0.5 / fz
    if func == "abs":
        return np.sign(z)
    if func == "sin":
        return np.cos(z)
    if func == "cos":
        return -np.sin(z)
    if func == "tan":
        return 1.0 + fz * fz
    if func == "tanh":
        return 1.0 - fz * fz
    if func == "sigmoid":
        return fz * (1.0 - fz)
    if func == "relu":
        return (z > 0).astype(np.float64)
    if func in ("step", "sign"):
        return np.zeros_like(z)
    raise NoTangent(func)
