"""The element-wise derivatives f′ that the buggy rules replace by f(z) or drop.

Node values come from the evaluator (:func:`app.mathlang.evaluate.node_values`); only
f′(z) of each element-wise function is kept here, because it is what a slip changes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


class NoTangent(Exception):
    """An operation outside the forward-mode rules (index form, a non-integer matrix power)."""


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
