"""A spoken form of an answer as the tutor read it, for screen readers.

The live preview announces it ("W transpose times x, a 3 by 1 column"): a reader hears how
the text was understood, including what the eye takes from the typeset formula (which
product, where a transpose applies, what is grouped). Built from the parsed tree without
recursion, like the LaTeX printer.
"""

from __future__ import annotations

from app.mathlang.ast import (
    Binary,
    Call,
    Index,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
)
from app.mathlang.shapes import postorder

_BINARY = {
    "+": "plus",
    "-": "minus",
    "*": "times",
    "@": "matrix times",
    ".*": "element-wise times",
    "./": "element-wise divided by",
    "/": "divided by",
    "^": "to the power",
    ".^": "element-wise to the power",
}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "@": 2, ".*": 2, "./": 2, "/": 2, "^": 4, ".^": 4}
_CAPITALS = {chr(c) for c in range(ord("A"), ord("Z") + 1)}
_FUNCTIONS = {
    "exp": "exp",
    "log": "log",
    "ln": "natural log",
    "sqrt": "square root",
    "abs": "absolute value",
    "relu": "ReLU",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "diag": "diag",
    "inv": "inverse",
    "tr": "trace",
    "det": "determinant",
    "delta": "delta",
}


def _level(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return 3
    return 5


def _grouped(node: Node, words: str, outer: int) -> str:
    """Words of a child, bracketed aloud when its operator binds less tightly."""
    if _level(node) < outer or (isinstance(node, Unary) and outer >= 3):
        return f"open bracket {words} close bracket"
    return words


def _name(name: str) -> str:
    return f"capital {name}" if name in _CAPITALS else name


def spoken(tree: Node) -> str:
    """``W^T x`` -> "capital W transpose times x"."""
    done: dict[int, str] = {}
    for node in postorder(tree):
        kids = [done[id(child)] for child in node.children()]
        if isinstance(node, Number):
            words = node.text or f"{node.value:g}"
        elif isinstance(node, Name):
            words = _name(node.name)
        elif isinstance(node, Unary):
            sign = "minus" if node.op == "-" else "plus"
            words = f"{sign} {_grouped(node.operand, kids[0], 3)}"
        elif isinstance(node, Binary):
            level = _PRECEDENCE[node.op]
            left = _grouped(node.left, kids[0], level)
            right = _grouped(node.right, kids[1], level + 1)
            words = f"{left} {_BINARY[node.op]} {right}"
        elif isinstance(node, Transpose):
            words = f"{_grouped(node.operand, kids[0], 5)} transpose"
        elif isinstance(node, Call):
            name = _FUNCTIONS.get(node.func, node.func)
            words = f"{name} of {', '.join(kids)}" if kids else name
            if len(kids) > 1 or _level(node.args[0] if node.args else node) < 5:
                words = f"{name} of open bracket {', '.join(kids)} close bracket"
        elif isinstance(node, Vector):
            words = f"the column vector {', '.join(kids)}"
        elif isinstance(node, Matrix):
            rows, at = [], 0
            for row in node.rows:
                rows.append(", ".join(kids[at : at + len(row)]))
                at += len(row)
            words = "the matrix with rows " + "; ".join(rows)
        elif isinstance(node, Index):
            words = f"{kids[0]} entry {', '.join(kids[1:])}"
        else:  # pragma: no cover - every node kind is named above
            words = " ".join(kids)
        done[id(node)] = words
    return done[id(tree)]


def spoken_shape(shape: list[int]) -> str:
    """[3, 1] -> "a 3 by 1 column"; [1, 1] -> "a scalar"."""
    if not shape or shape == [1, 1]:
        return "a scalar"
    if len(shape) == 2 and shape[1] == 1:
        return f"a column of {shape[0]}"
    if len(shape) == 2 and shape[0] == 1:
        return f"a row of {shape[1]}"
    return "a " + " by ".join(str(n) for n in shape) + (" matrix" if len(shape) == 2 else " array")
