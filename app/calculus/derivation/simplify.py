"""Results written the way a person writes them, with SymPy, and checked with numbers.

The views build a result from rules, so it carries their scaffolding: ``y (6 x)``,
``-(0.2 (2 (…)))``, ``2 norm(R g) (g^T R^T / norm(R g) R)``. SymPy tidies the algebraic
skeleton: numbers and scalar factors are collected in front (``6 x y``, ``-2 (…) / 5``),
a scalar and its reciprocal cancel, ``1 .* A = A``, transposes move inward.

The SymPy expression is built from our tree, never from text (DESIGN §3), and only the
skeleton is handed over: products, scalar powers, transposes, element-wise products and
the constant matrices. A sum stays the sum as written, with its terms tidied (SymPy
would spread a factor over it: ``-(y^T / 5 - w^T X^T / 5) X``). Everything else is an
opaque symbol of the right shape, so SymPy never differentiates anything (its matrix
calculus has known wrong results) and never rewrites a function: the function's own sub-
expressions (``W x + b - y``, ``softmax(x)``) stay exactly as written, and a call or
literal keeps its place with its arguments tidied. A 1x1 product (``x^T y``) is a
scalar, as in the language.

Every tidied result is evaluated against the untidied one at two instances; when they
differ, or SymPy cannot take the expression, the untidied result is kept.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import sympy as sp
from sympy.matrices.expressions import MatrixExpr

from app import mathlang
from app.calculus.derivation import algebra as al
from app.calculus.derivation.rules import node_with
from app.mathlang.ast import Binary, Call, Name, Node, Number, Transpose, Unary, walk

Array = npt.NDArray[np.float64]
Shape = tuple[int, int]


class _Unsupported(Exception):
    """An expression SymPy's result cannot be written back from."""


class _Converter:
    def __init__(self, shapes: Mapping[int, Shape], keep: set[Node]) -> None:
        self.shapes = shapes
        self.keep = keep
        self.symbols: dict[Node, sp.Basic] = {}
        self.nodes: dict[str, Node] = {}

    # -- our tree -> SymPy -------------------------------------------------------
    def atom(self, node: Node, shape: Shape) -> sp.Basic:
        if node in self.symbols:
            return self.symbols[node]
        # A variable keeps its name, so scalar factors sort as written (6 x y).
        name = node.name if isinstance(node, Name) else f"atom{len(self.symbols)}_"
        symbol: sp.Basic = (
            sp.Symbol(name) if shape == (1, 1) else sp.MatrixSymbol(name, shape[0], shape[1])
        )
        self.symbols[node] = symbol
        self.nodes[name] = node
        return symbol

    def opaque(self, node: Node) -> sp.Basic:
        """A node SymPy does not see into; its arguments are tidied on their own."""
        children = node.children()
        tidied = [self.back(self.to_sympy(c)) for c in children] if children else []
        rebuilt = node_with(node, tidied) if children else node
        return self.atom(rebuilt, self.shapes[id(node)])

    def to_sympy(self, node: Node) -> sp.Basic:
        shape = self.shapes[id(node)]
        value = self._convert(node, shape)
        if shape == (1, 1) and isinstance(value, MatrixExpr):
            return self.opaque(node)  # a 1x1 product is a scalar
        return value

    def _convert(self, node: Node, shape: Shape) -> sp.Basic:
        if isinstance(node, Number):
            text = repr(float(node.value))
            return sp.Rational(text) if len(text) <= 8 else sp.Float(node.value)
        if isinstance(node, Name):  # a variable, an index name, or I / ones
            return self.atom(node, shape)
        if node in self.keep:
            return self.atom(node, shape)
        if isinstance(node, Unary):
            inner = self.to_sympy(node.operand)
            return -inner if node.op == "-" else inner
        if isinstance(node, Transpose):
            inner = self.to_sympy(node.operand)
            return inner.T if isinstance(inner, MatrixExpr) else inner
        if isinstance(node, Binary):
            return self._binary(node, shape)
        if isinstance(node, Call):
            return self._call(node, shape)
        return self.opaque(node)

    def _binary(self, node: Binary, shape: Shape) -> sp.Basic:
        sa, sb = self.shapes[id(node.left)], self.shapes[id(node.right)]
        op = node.op
        if op in ("+", "-"):
            # A sum stays a sum as written, its terms tidied: SymPy would spread a factor
            # and a transpose over its terms (-(y^T / 5 - w^T X^T / 5) X).
            return self.opaque(node)
        if op in ("^", "./") or (op == "/" and sb != (1, 1)):
            if op == "^" and sa == (1, 1) and isinstance(node.right, Number):
                return self.to_sympy(node.left) ** self._convert(node.right, (1, 1))
            return self.opaque(node)
        a, b = self.to_sympy(node.left), self.to_sympy(node.right)
        if op in ("*", "@"):
            return a * b
        if op == "/":
            return a / b
        if op == ".*":
            if not isinstance(a, MatrixExpr) or not isinstance(b, MatrixExpr):
                return a * b
            ka, ma = _split(a)
            kb, mb = _split(b)
            if isinstance(ma, sp.OneMatrix):
                return ka * kb * mb
            if isinstance(mb, sp.OneMatrix):
                return ka * kb * ma
            # The product itself stays as written (SymPy would sort its factors).
            inner = Binary(".*", self.back(ma), self.back(mb))
            return ka * kb * self.atom(inner, shape)
        return self.opaque(node)

    def _call(self, node: Call, shape: Shape) -> sp.Basic:
        if node.func == "ones" and shape != (1, 1):
            return sp.OneMatrix(*shape)
        if node.func == "zeros" and shape != (1, 1):
            return sp.ZeroMatrix(*shape)
        if node.func == "eye" and shape != (1, 1):
            return sp.Identity(shape[0])
        return self.opaque(node)

    # -- SymPy -> our tree -------------------------------------------------------
    def back(self, e: sp.Basic) -> Node:
        if isinstance(e, (sp.Symbol, sp.MatrixSymbol)):
            name = str(e.name)
            return self.nodes[name] if name in self.nodes else Name(name)
        if isinstance(e, sp.Rational):
            return _number(e)
        if isinstance(e, sp.Float):
            return al.num(float(e))
        if isinstance(e, (sp.Add, sp.MatAdd)):
            return self._sum(list(e.args))
        if isinstance(e, (sp.Mul, sp.MatMul)):
            return self._product(e)
        if isinstance(e, sp.Pow):
            return self._power(e)
        if isinstance(e, sp.Transpose):
            return al.transpose(self.back(e.arg))
        if isinstance(e, sp.HadamardProduct):
            out = self.back(e.args[0])
            for arg in e.args[1:]:
                out = Binary(".*", out, self.back(arg))
            return out
        if isinstance(e, sp.OneMatrix):
            return al.ones(int(e.shape[0]), int(e.shape[1]))
        if isinstance(e, sp.ZeroMatrix):
            return al.zeros(int(e.shape[0]), int(e.shape[1]))
        if isinstance(e, sp.Identity):
            return al.eye(int(e.shape[0]))
        raise _Unsupported(type(e).__name__)

    def _sum(self, terms: list[sp.Basic]) -> Node:
        """Terms with a positive sign first (``diag(s) - s s^T``, not ``-s s^T + diag(s)``)."""

        def negative(t: sp.Basic) -> bool:
            coeff = t.as_coeff_mmul()[0] if isinstance(t, MatrixExpr) else t.as_coeff_Mul()[0]
            return bool(coeff.is_number and coeff < 0)

        ordered = [t for t in terms if not negative(t)] + [t for t in terms if negative(t)]
        out = self.back(ordered[0])
        for t in ordered[1:]:
            out = Binary("-", out, self.back(-t)) if negative(t) else Binary("+", out, self.back(t))
        return out

    def _product(self, e: sp.Basic) -> Node:
        if isinstance(e, sp.MatMul):
            coeff, mats = e.as_coeff_mmul()
            matrices = list(mats.args) if isinstance(mats, sp.MatMul) else [mats]
        else:
            coeff, matrices = e, []
        number, rest = sp.Mul(coeff).as_coeff_Mul()
        numer, denom = sp.fraction(rest)
        factors = [f for f in sp.Mul.make_args(numer) if f != 1]
        negative = bool(number < 0)
        number = abs(number)
        parts: list[Node] = []
        whole = int(sp.Rational(number).p) if isinstance(number, sp.Rational) else None
        if whole is None:
            parts.append(al.num(float(number)))
        elif whole != 1 or not (factors or matrices):
            parts.append(al.num(whole))
        parts += [self.back(f) for f in [*factors, *matrices]]
        if negative:  # the sign goes on the first factor: -2 A, -(Y - X W)^T X
            first = parts[0]
            parts[0] = al.num(-first.value) if isinstance(first, Number) else Unary("-", first)
        top = parts[0]
        for part in parts[1:]:
            top = Binary("*", top, part)
        below: Node | None = None
        q = sp.Rational(number).q if isinstance(number, sp.Rational) else 1
        if q != 1:
            below = al.num(int(q))
        for f in sp.Mul.make_args(denom):
            if f == 1:
                continue
            node = self.back(f)
            below = node if below is None else Binary("*", below, node)
        return top if below is None else Binary("/", top, below)

    def _power(self, e: sp.Pow) -> Node:
        base, exponent = e.args
        if exponent.is_Integer and exponent < 0:
            return Binary("/", al.num(1), self._power(sp.Pow(base, -exponent, evaluate=False)))
        if exponent == sp.Rational(1, 2):
            return Call("sqrt", (self.back(base),))
        if exponent == 1:
            return self.back(base)
        return Binary("^", self.back(base), _number(exponent))


def _split(e: MatrixExpr) -> tuple[sp.Basic, sp.Basic]:
    """(scalar coefficient, matrix part) of a matrix expression."""
    coeff, rest = e.as_coeff_mmul()
    if isinstance(rest, sp.MatMul) and len(rest.args) == 1:
        rest = rest.args[0]
    return coeff, rest


def _number(r: sp.Basic) -> Node:
    if isinstance(r, sp.Integer) or (isinstance(r, sp.Rational) and r.q == 1):
        return al.num(int(r.p)) if int(r.p) >= 0 else al.neg(al.num(-int(r.p)))
    value = float(r)
    text = repr(value)
    if isinstance(r, sp.Rational) and len(text) > 8:
        return Binary("/", al.num(int(r.p)), al.num(int(r.q)))
    return al.num(value) if value >= 0 else al.neg(al.num(-value))


def tidy(
    expr: Node,
    function: Node,
    variables: Mapping[str, Shape],
    instances: list[Mapping[str, Array]],
    indices: Mapping[str, int] | None = None,
) -> Node:
    """``expr`` tidied by SymPy when the two agree in value at every instance."""
    try:
        typed = mathlang.check(expr, variables, indices=indices)
        keep = {n for n in walk(function) if not isinstance(n, (Name, Number))}
        converter = _Converter(typed.node_shapes, keep)
        tidied = converter.back(converter.to_sympy(expr))
        if tidied == expr:
            return expr
        checked = mathlang.check(tidied, variables, indices=indices)
        if checked.shape != typed.shape:
            return expr
        for values in instances:
            before = np.asarray(mathlang.evaluate(typed, values), dtype=np.float64)
            after = np.asarray(mathlang.evaluate(checked, values), dtype=np.float64)
            scale = 1.0 + float(np.max(np.abs(before))) if before.size else 1.0
            if before.shape != after.shape or not np.allclose(
                after, before, rtol=1e-9, atol=1e-12 * scale
            ):
                return expr
        return tidied
    except Exception:  # SymPy's own failures included: the untidied result stays
        return expr
