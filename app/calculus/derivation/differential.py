"""The differential view: how the function moves when one entry of the variable moves.

Every entry of a derivative is ``D[out..., in...] = dY[out] / dX[in]``: the change of
the output's entries when the single entry X[in] moves (Learned-Miller §3 reads
``dy_i/dW_{j,k}`` this way). So the engine moves one entry at a time: the variable's
differential is the unit matrix ``dX = E_{kl}`` (1 at (k, l), 0 elsewhere; ``e_k`` for a
vector, ``1`` for a scalar), and the ordinary rules for differentials carry it through
the expression, innermost operation first, keeping the order of matrix factors
(MIT 6.390 A.6: ``d(AB) = dA B + A dB``; ``d f(A) = f'(A) ⊙ dA`` entry by entry;
``d A^{-1} = -A^{-1} dA A^{-1}``; ``d det A = det A tr(A^{-1} dA)``). The differential of
the output is then, entry by entry, the derivative: ``D[i, j, k, l] = (dY)[i, j]``.

The rules cover every operation of the language, so this view is the engine's general
fallback: it applies to any function and any variable (or stacked variables), and gives
the result in index form. Each rule is applied twice, as in the other views: with the
intermediates' names (what the learner reads) and with the original sub-expressions and
the unit matrix written in the language (the result, which the grader reads back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.calculus.derivation import algebra as al
from app.calculus.derivation.forward import fresh_names
from app.calculus.derivation.rules import NoRule, derivative_of_function, is_scalar, node_with
from app.mathlang.ast import (
    Binary,
    Call,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
    walk,
)
from app.mathlang.shapes import integer_exponent

Shape = tuple[int, int]
MIT = "MIT 6.390, Appendix A, A.6–A.7"
P_H = "Parr & Howard, “The Matrix Calculus You Need For Deep Learning”"


@dataclass(frozen=True)
class DiffRule:
    key: str
    title: str
    formula: str
    source: str


def _rule(key: str, title: str, formula: str, source: str = MIT) -> DiffRule:
    return DiffRule(key, title, formula, source)


DIFF_RULES: dict[str, DiffRule] = {
    r.key: r
    for r in (
        _rule("sum", "Sum or difference", r"d(A \pm B) = dA \pm dB"),
        _rule("negate", "Negation", r"d(-A) = -dA"),
        _rule("transpose", "Transpose", r"d(A^T) = (dA)^T"),
        _rule("scale", "Scaling by a scalar", r"d(s A) = ds\, A + s\, dA"),
        _rule("product", "Product rule", r"d(AB) = dA\, B + A\, dB"),
        _rule("hadamard", "Element-wise product", r"d(A \odot B) = dA \odot B + A \odot dB"),
        _rule(
            "quotient",
            "Quotient rule",
            r"d(A \oslash B) = dA \oslash B - A \odot dB \oslash B^{2}",
        ),
        _rule("power", "Power rule", r"d(a^c) = c\, a^{c-1}\, da", f"{P_H}, §2"),
        _rule(
            "general_power",
            "Power with a varying exponent",
            r"d(a^b) = a^b \left(db \log a + b\, \frac{da}{a}\right)",
            f"{P_H}, §2",
        ),
        _rule(
            "matrix_power",
            "Matrix power",
            r"d(A^n) = \sum_{r=0}^{n-1} A^{r}\, dA\, A^{n-1-r}",
        ),
        _rule("function", "Element-wise function", r"d f(A) = f'(A) \odot dA", f"{P_H}, §4.2"),
        _rule(
            "max",
            "Maximum or minimum",
            r"d \max(A, B) = \mathrm{step}(A - B) \odot dA + (1 - \mathrm{step}(A - B)) \odot dB",
            f"{P_H}, §5",
        ),
        _rule("linear", "A linear function", r"d\, L(A) = L(dA)"),
        _rule("norm", "Norm", r"d \lVert A \rVert = \mathrm{sum}(A \odot dA) / \lVert A \rVert"),
        _rule("dot", "Dot product", r"d(a \cdot b) = da \cdot b + a \cdot db"),
        _rule("outer", "Outer product", r"d(a b^T) = da\, b^T + a\, db^T"),
        _rule("kron", "Kronecker product", r"d(A \otimes B) = dA \otimes B + A \otimes dB"),
        _rule(
            "det", "Determinant (Jacobi's formula)", r"d \det A = \det A\, \mathrm{tr}(A^{-1} dA)"
        ),
        _rule("logdet", "Log-determinant", r"d \log\det A = \mathrm{tr}(A^{-1} dA)"),
        _rule("inverse", "Inverse", r"d(A^{-1}) = -A^{-1}\, dA\, A^{-1}"),
        _rule(
            "softmax",
            "Softmax",
            r"d\,\mathrm{softmax}(a) = s \odot da - (s^T da)\, s,\ s = \mathrm{softmax}(a)",
            f"{P_H}, §4.2",
        ),
        _rule("literal", "Entries written out", r"d [a_1, a_2, \dots] = [da_1, da_2, \dots]"),
    )
}

LINEAR_CALLS = ("sum", "mean", "trace", "tr", "diag", "transpose")


@dataclass(frozen=True)
class DiffStep:
    name: str
    node: Node  # the original sub-expression
    display: Node  # the operation written with intermediate names
    shape: Shape
    rule: DiffRule
    differential_display: Node  # with the placeholders d<name>
    differential: Node  # in the variables, with the unit matrix written out


@dataclass
class DifferentialView:
    steps: list[DiffStep] = field(default_factory=list)
    result: Node | None = None


def placeholder(name: str) -> str:
    return f"d{name}"


class _Rules:
    """The differential of one operation from its operands and their differentials.

    Differentials are trees of the language with the operand's shape, or ``None`` for
    zero (the operand does not involve the variable).
    """

    def __init__(self, node: Node, shapes: list[Shape], out: Shape) -> None:
        self.node, self.shapes, self.out = node, shapes, out

    def fit(self, d: Node | None, shape: Shape) -> Node | None:
        """A scalar's differential spread over the output (scalar expansion)."""
        if d is None or not is_scalar(shape) or is_scalar(self.out):
            return d
        return al.mul(d, al.ones(*self.out))

    @staticmethod
    def plus(a: Node | None, b: Node | None) -> Node | None:
        if a is None:
            return b
        if b is None:
            return a
        return al.add(a, b)

    @staticmethod
    def times(a: Node, b: Node, sa: Shape, sb: Shape) -> Node:
        """Element-wise product; plain scaling when a side is a scalar."""
        return al.mul(a, b) if is_scalar(sa) or is_scalar(sb) else al.hadamard(a, b)

    def apply(self, args: list[Node], ds: list[Node | None]) -> tuple[str, Node | None]:
        node = self.node
        if isinstance(node, Unary):
            return (
                ("negate", None if ds[0] is None else al.neg(ds[0]))
                if node.op == "-"
                else (
                    "sum",
                    ds[0],
                )
            )
        if isinstance(node, Transpose):
            return "transpose", None if ds[0] is None else al.transpose(ds[0])
        if isinstance(node, Binary):
            return self.binary(node, args, ds)
        if isinstance(node, Call):
            return self.call(node, args, ds)
        if isinstance(node, (Vector, Matrix)):
            return "literal", self.literal(node, ds)
        raise NoRule(f"no differential rule for {type(node).__name__}")

    def binary(
        self, node: Binary, args: list[Node], ds: list[Node | None]
    ) -> tuple[str, Node | None]:
        (a, b), (da, db), (sa, sb) = args, ds, self.shapes
        op = node.op
        if op in ("+", "-"):
            right = self.fit(db, sb)
            if op == "-" and right is not None:
                right = al.neg(right)
            return "sum", self.plus(self.fit(da, sa), right)
        if op in ("*", "@"):
            left = None if da is None else al.mul(da, b)
            right = None if db is None else al.mul(a, db)
            scaling = op == "*" and (is_scalar(sa) or is_scalar(sb))
            return ("scale" if scaling else "product"), self.plus(left, right)
        if op == ".*":
            left = None if da is None else self.times(da, b, sa, sb)
            right = None if db is None else self.times(a, db, sa, sb)
            return "hadamard", self.plus(left, right)
        if op in ("/", "./"):
            return "quotient", self.quotient(a, b, da, db, sa, sb)
        if op in ("^", ".^"):
            return self.power(node, a, b, da, db, sa, sb)
        raise NoRule(f"no differential rule for {op}")

    def quotient(
        self, a: Node, b: Node, da: Node | None, db: Node | None, sa: Shape, sb: Shape
    ) -> Node | None:
        def over(x: Node, y: Node) -> Node:
            return al.div(x, y) if is_scalar(sb) else al.ew_div(x, y)

        left = None if da is None else over(da, b)
        right = None
        if db is not None:
            square = al.power(b, 2, not is_scalar(sb))
            right = al.neg(over(self.times(a, db, sa, sb), square))
        return self.plus(left, right)

    def power(
        self,
        node: Binary,
        a: Node,
        b: Node,
        da: Node | None,
        db: Node | None,
        sa: Shape,
        sb: Shape,
    ) -> tuple[str, Node | None]:
        elementwise = node.op == ".^" or is_scalar(sa)
        if not elementwise:  # a matrix power A^n
            n = integer_exponent(node.right)
            if n is None:
                raise NoRule("a matrix power needs a whole-number exponent")
            return "matrix_power", None if da is None else _matrix_power(a, da, n)
        if isinstance(b, Number) or db is None:
            if da is None:
                return "power", None
            if isinstance(b, Number):
                local = al.mul(al.num(b.value), al.power(a, b.value - 1, not is_scalar(sa)))
            else:
                local = self.times(b, Binary(node.op, a, al.sub(b, al.num(1))), sb, sa)
            return "power", self.times(local, da, sa, sa)
        value = Binary(node.op, a, b)
        log_part = self.times(db, al.call("log", a), sb, sa)
        base_part = None
        if da is not None:
            ratio = al.div(da, a) if is_scalar(sa) else al.ew_div(da, a)
            base_part = self.times(b, ratio, sb, sa)
        inner = self.plus(log_part, base_part)
        assert inner is not None
        return "general_power", self.times(value, inner, self.out, self.out)

    def call(self, node: Call, args: list[Node], ds: list[Node | None]) -> tuple[str, Node | None]:
        f = node.func
        if f in ("ones", "zeros", "eye", "delta"):
            return "linear", None
        if f in LINEAR_CALLS:
            if ds[0] is None:
                return "linear", None
            if f == "transpose":
                return "transpose", al.transpose(ds[0])
            if f == "diag" and 1 in self.shapes[0]:
                return "linear", al.diag(ds[0])
            return "linear", al.call(f, ds[0])
        if f in ("max", "min"):
            return "max", self.extreme(f, args, ds)
        if f in ("dot", "outer", "kron"):
            (a, b), (da, db) = args, ds
            left = None if da is None else al.call(f, da, b)
            right = None if db is None else al.call(f, a, db)
            return f, self.plus(left, right)
        (a,), (da,) = args, ds
        if da is None:
            return "linear", None
        if f == "norm":
            shape = self.shapes[0]
            return "norm", al.div(
                al.call("sum", self.times(a, da, shape, shape)), node_with(node, [a])
            )
        if f == "det":
            return "det", al.mul(
                node_with(node, [a]), al.call("trace", al.mul(al.call("inv", a), da))
            )
        if f == "logdet":
            return "logdet", al.call("trace", al.mul(al.call("inv", a), da))
        if f == "inv":
            inverse = node_with(node, [a])
            return "inverse", al.neg(al.mul(al.mul(inverse, da), inverse))
        if f == "softmax":
            s = node_with(node, [a])
            return "softmax", al.sub(
                al.hadamard(s, da), al.mul(al.call("sum", al.hadamard(s, da)), s)
            )
        derivative = derivative_of_function(f, a, self.shapes[0])
        if derivative is None:
            return "function", None
        return "function", self.times(derivative, da, self.shapes[0], self.shapes[0])

    def extreme(self, f: str, args: list[Node], ds: list[Node | None]) -> Node | None:
        """max(a, b) follows a where a > b, else b (so max(a, a) follows b: still right)."""
        (a, b), (da, db), (sa, sb) = args, ds, self.shapes
        mask = al.call("step", al.sub(a, b) if f == "max" else al.sub(b, a))
        left = None if da is None else self.times(mask, da, self.out, sa)
        right = None
        if db is not None:
            right = self.times(al.sub(al.num(1), mask), db, self.out, sb)
        return self.plus(left, right)

    @staticmethod
    def literal(node: Vector | Matrix, ds: list[Node | None]) -> Node | None:
        if all(d is None for d in ds):
            return None
        items = [al.num(0) if d is None else d for d in ds]
        if isinstance(node, Vector):
            return Vector(tuple(items))
        width = len(node.rows[0])
        return Matrix(
            tuple(tuple(items[r * width : (r + 1) * width]) for r in range(len(node.rows)))
        )


def _matrix_power(a: Node, da: Node, n: int) -> Node:
    """d(A^n) = Σ_r A^r dA A^(n-1-r); a negative n goes through B = inv(A), dB = -B dA B."""
    if n == 0:
        return al.mul(al.num(0), da)
    if n < 0:
        base = al.call("inv", a)
        d_base = al.neg(al.mul(al.mul(base, da), base))
        return _matrix_power(base, d_base, -n)

    def pw(r: int) -> Node | None:
        return None if r == 0 else a if r == 1 else Binary("^", a, al.num(r))

    total: Node | None = None
    for r in range(n):
        left, right = pw(r), pw(n - 1 - r)
        term = da
        if left is not None:
            term = al.mul(left, term)
        if right is not None:
            term = al.mul(term, right)
        total = term if total is None else al.add(total, term)
    assert total is not None
    return total


def differential_view(
    tree: Node, shapes: Mapping[int, Shape], seeds: Mapping[str, Node], taken: set[str]
) -> DifferentialView:
    """The differential of ``tree`` when each variable ``v`` of ``seeds`` moves by
    ``seeds[v]``; one step per operation that involves a variable, innermost first."""
    view = DifferentialView()
    names = iter(fresh_names(taken))
    moving = set(seeds)

    def involves(node: Node) -> bool:
        return any(isinstance(n, Name) and n.name in moving for n in walk(node))

    def visit(node: Node) -> tuple[Node, Node | None, Node | None]:
        """(display, differential written with names, differential in the variables)."""
        if not involves(node):
            return node, None, None
        if isinstance(node, Name):
            return node, Name(placeholder(node.name)), seeds[node.name]
        children = list(node.children())
        visited = [visit(c) for c in children]
        rules = _Rules(node, [shapes[id(c)] for c in children], shapes[id(node)])
        disp_args = [v[0] for v in visited]
        shown = [_shown(v[0], v[1]) for v in visited]
        key, d_disp = rules.apply(disp_args, shown)
        _, d_conc = rules.apply(children, [v[2] for v in visited])
        if d_disp is None or d_conc is None:
            return node, None, None
        u = next(names)
        view.steps.append(
            DiffStep(
                u,
                node,
                node_with(node, disp_args),
                shapes[id(node)],
                DIFF_RULES[key],
                d_disp,
                d_conc,
            )
        )
        return Name(u), Name(placeholder(u)), d_conc

    _, _, result = visit(tree)
    view.result = result
    return view


def _shown(display: Node, differential: Node | None) -> Node | None:
    """An intermediate's differential as its placeholder ``du3``."""
    if differential is None:
        return None
    if isinstance(display, Name):
        return Name(placeholder(display.name))
    return differential
