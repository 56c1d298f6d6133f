"""Building expression trees for derivatives, with the simplifications a person would make.

The derivation engine writes its answers as trees of the language (:mod:`app.mathlang.ast`),
so that they print as text the grader can read back and as LaTeX for the page. The
builders here fold the identities Parr & Howard use when they tidy a chain-rule product
(§4.2–4.4): ``1 x = x``, ``(A^T)^T = A``, ``-(-a) = a``, ``0 + a = a``, ``diag(1) = I``.
Only trees built by the engine pass through here; learner text never does.
"""

from __future__ import annotations

from app.mathlang.ast import Binary, Call, Name, Node, Number, Transpose, Unary


def num(value: float) -> Number:
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return Number(float(value), text=text)


def is_number(node: Node, value: float | None = None) -> bool:
    return isinstance(node, Number) and (value is None or node.value == value)


def is_call(node: Node, func: str) -> bool:
    return isinstance(node, Call) and node.func == func


def neg(a: Node) -> Node:
    if isinstance(a, Number):
        return num(-a.value)
    if isinstance(a, Unary) and a.op == "-":
        return a.operand
    return Unary("-", a)


def add(a: Node, b: Node) -> Node:
    if is_number(a, 0.0):
        return b
    if is_number(b, 0.0):
        return a
    if isinstance(a, Number) and isinstance(b, Number):
        return num(a.value + b.value)
    if isinstance(b, Unary) and b.op == "-":
        return Binary("-", a, b.operand)
    if a == b:  # a + a = 2a (equal trees, wherever they were written)
        return mul(num(2), a)
    return Binary("+", a, b)


def sub(a: Node, b: Node) -> Node:
    if is_number(b, 0.0):
        return a
    if is_number(a, 0.0):
        return neg(b)
    if isinstance(a, Number) and isinstance(b, Number):
        return num(a.value - b.value)
    return Binary("-", a, b)


def mul(a: Node, b: Node) -> Node:
    """The product of the language (``*``): scaling when a side is 1x1, else matrix product."""
    if is_number(a, 1.0):
        return b
    if is_number(b, 1.0):
        return a
    if isinstance(a, Number) and isinstance(b, Number):
        return num(a.value * b.value)
    if is_number(a, -1.0):
        return neg(b)
    if is_number(b, -1.0):
        return neg(a)
    if isinstance(a, Unary) and a.op == "-":
        return neg(mul(a.operand, b))
    if isinstance(b, Unary) and b.op == "-":
        return neg(mul(a, b.operand))
    if isinstance(b, Number) and not isinstance(a, Number):
        return mul(b, a)
    if (
        isinstance(a, Number)
        and isinstance(b, Binary)
        and b.op == "*"
        and isinstance(b.left, Number)
    ):
        return mul(num(a.value * b.left.value), b.right)
    return Binary("*", a, b)


def matmul(a: Node, b: Node) -> Node:
    """A product of two matrices (never a scalar factor), where ``I`` may be dropped."""
    if is_call(a, "eye"):
        return b
    if is_call(b, "eye"):
        return a
    return mul(a, b)


def hadamard(a: Node, b: Node) -> Node:
    """Element-wise product ``a .* b``; a number on either side is plain scaling."""
    if isinstance(a, Number) or isinstance(b, Number):
        return mul(a, b)
    if is_call(a, "ones"):
        return b
    if is_call(b, "ones"):
        return a
    if isinstance(a, Unary) and a.op == "-":
        return neg(hadamard(a.operand, b))
    if isinstance(b, Unary) and b.op == "-":
        return neg(hadamard(a, b.operand))
    return Binary(".*", a, b)


def ew_div(a: Node, b: Node) -> Node:
    if is_number(b, 1.0):
        return a
    if isinstance(b, Number):
        return Binary("/", a, b)
    return Binary("./", a, b)


def div(a: Node, b: Node) -> Node:
    """Division by a scalar ``b``."""
    if is_number(b, 1.0):
        return a
    if isinstance(a, Number) and isinstance(b, Number) and b.value != 0:
        return num(a.value / b.value)
    return Binary("/", a, b)


def power(a: Node, exponent: float, elementwise: bool) -> Node:
    if exponent == 1.0:
        return a
    return Binary(".^" if elementwise else "^", a, num(exponent))


def transpose(a: Node) -> Node:
    """``a^T`` with ``(a^T)^T = a`` and the symmetric constants left alone."""
    if isinstance(a, Number):
        return a
    if isinstance(a, Transpose):
        return a.operand
    if is_call(a, "eye") or _is_scalar_call(a) or _is_diagonal_matrix(a):
        return a
    if isinstance(a, Call) and a.func in ("ones", "zeros") and len(a.args) == 2:
        return Call(a.func, (a.args[1], a.args[0]))
    if isinstance(a, Unary) and a.op == "-":
        return neg(transpose(a.operand))
    if isinstance(a, Binary) and a.op == "*":  # (A B)^T = B^T A^T, also for a scalar factor
        if isinstance(a.left, Number) or _is_scalar_call(a.left):
            return mul(a.left, transpose(a.right))
        return mul(transpose(a.right), transpose(a.left))
    if isinstance(a, Binary) and a.op == "/" and isinstance(a.right, Number):
        return div(transpose(a.left), a.right)
    return Transpose(a)


def _is_diagonal_matrix(a: Node) -> bool:
    """``diag(v)`` built by :func:`diag` from a vector: a diagonal matrix, its own transpose.

    ``diag(A)`` of a square matrix is a column (its transpose a row), and the tree alone
    does not say which of the two a ``diag`` call is; :func:`diag` marks the calls it
    builds from vectors with the position ``VECTOR_DIAG`` (positions take no part in
    equality or printing).
    """
    return is_call(a, "diag") and a.pos == VECTOR_DIAG


def _is_scalar_call(a: Node) -> bool:
    """A call whose value is always a scalar, so its transpose is itself."""
    return isinstance(a, Call) and a.func in ("det", "logdet", "trace", "tr", "norm", "dot")


def call(func: str, *args: Node) -> Node:
    return Call(func, tuple(args))


def ones(rows: int, cols: int = 1) -> Node:
    if rows == 1 and cols == 1:
        return num(1)
    return Call("ones", (num(rows),) if cols == 1 else (num(rows), num(cols)))


def zeros(rows: int, cols: int) -> Node:
    if rows == 1 and cols == 1:
        return num(0)
    return Call("zeros", (num(rows), num(cols)))


def eye(n: int) -> Node:
    return num(1) if n == 1 else Call("eye", (num(n),))


VECTOR_DIAG = -1
"""The position that marks a ``diag`` call built from a vector (see :func:`transpose`)."""


def diag(v: Node) -> Node:
    """``diag(v)`` of a column vector; ``diag(1) = I`` (Parr & Howard §4.2)."""
    if is_call(v, "ones") and len(v.args) == 1:  # type: ignore[attr-defined]
        return Call("eye", v.args)  # type: ignore[attr-defined]
    return Call("diag", (v,), pos=VECTOR_DIAG)


def name(text: str) -> Name:
    return Name(text)
