"""The expression language in which problems, learner answers and reference answers are written.

Public API (everything a caller needs; the modules behind it may change)::

    from app import mathlang
    tree = mathlang.parse("W x + b")                 # Node; MathError(syntax | limit)
    typed = mathlang.check(tree, {"W": (3, 4), "x": (4, 1), "b": (3, 1)})
    typed.shape                                       # (3, 1)
    # check raises MathError(unknown_name | shape | limit)
    mathlang.evaluate(typed, {"W": W, "x": x, "b": b})  # ndarray (..., 3, 1), float64
    mathlang.to_latex(tree)                           # "W x + b"
    mathlang.to_text(tree)                            # text that parses back to an equal tree

Evaluation is batched: every value may carry leading batch axes, ``(*batch, rows, cols)``,
and the result is ``(*batch, *typed.shape)``; the finite-difference engine relies on this to
evaluate all perturbations of an instance in one call.

Index form (answers with more than two axes): ``check(tree, variables, indices={"i": 3,
"j": 3, "k": 4})`` types a scalar expression in the named 1-based indices, and its shape is
``(3, 3, 4)``; ``evaluate`` then returns the tensor ``(*batch, 3, 3, 4)``.

Nothing here evaluates text as Python: text goes only through our Lark grammar.
"""

from app.mathlang.ast import Node
from app.mathlang.declarations import Declaration, parse_assignment, parse_declaration
from app.mathlang.errors import ErrorKind, MathError
from app.mathlang.evaluate import evaluate
from app.mathlang.latex import shape_label, to_latex
from app.mathlang.parser import parse
from app.mathlang.printer import to_text
from app.mathlang.shapes import Typed, check

__all__ = [
    "Declaration",
    "ErrorKind",
    "MathError",
    "Node",
    "Typed",
    "check",
    "evaluate",
    "parse",
    "parse_assignment",
    "parse_declaration",
    "shape_label",
    "to_latex",
    "to_text",
]
