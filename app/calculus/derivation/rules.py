"""The table of local derivatives of the chain-rule view (Parr & Howard §4.2–4.5, §8).

For one operation ``u = op(a, b, ...)`` whose operands are scalars or vectors, a rule
gives each partial Jacobian ``∂u/∂a`` in numerator layout, written with the operand
trees it is handed. The engine hands it the operands twice: once as the intermediate
names the learner sees (``u_1``) and once as the original sub-expressions, so the same
rule yields the displayed step and the substituted result.

Matrices may appear as constant factors (``W x``) but an operand that is a matrix and
depends on the variable has no Jacobian with two axes; those cases raise
:class:`NoRule` and the engine falls back to the gradient (reverse) or component view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.calculus.derivation import algebra as al
from app.calculus.derivation import jacobian as jc
from app.calculus.derivation.jacobian import Jac
from app.mathlang.ast import Binary, Call, Node, Number, Transpose, Unary

Shape = tuple[int, int]


class NoRule(Exception):
    """The engine has no rule for this operation with these operand shapes."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"kind": "no_rule", "message": self.message, "position": None}


@dataclass(frozen=True)
class Rule:
    """A named rule and the seed section it comes from."""

    key: str
    title: str
    source: str
    latex: str = ""


P_H = "Parr & Howard, “The Matrix Calculus You Need For Deep Learning”"
RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule(
            "variable", "The variable itself", f"{P_H}, §4.2", r"\frac{\partial x}{\partial x} = I"
        ),
        Rule(
            "sum_diff",
            "Element-wise sum or difference",
            f"{P_H}, §4.2",
            r"\frac{\partial (a \pm b)}{\partial a} = I,\ \frac{\partial (a \pm b)}{\partial b} = "
            r"\pm I",
        ),
        Rule(
            "scalar_expansion",
            "Scalar expansion",
            f"{P_H}, §4.3",
            r"\frac{\partial (a + s\mathbf{1})}{\partial s} = \mathbf{1}",
        ),
        Rule(
            "hadamard",
            "Element-wise product",
            f"{P_H}, §4.2",
            r"\frac{\partial (a \odot b)}{\partial a} = \operatorname{diag}(b)",
        ),
        Rule(
            "ew_divide",
            "Element-wise quotient",
            f"{P_H}, §4.2",
            r"\frac{\partial (a \oslash b)}{\partial b} = -\operatorname{diag}(a \oslash b^2)",
        ),
        Rule(
            "scalar_product",
            "Product with a scalar",
            f"{P_H}, §4.3",
            r"\frac{\partial (s\,a)}{\partial a} = s I,\ \frac{\partial (s\,a)}{\partial s} = a",
        ),
        Rule(
            "matrix_product",
            "Matrix-vector product",
            f"{P_H}, §4.5.3 (and Learned-Miller §1)",
            r"\frac{\partial (W a)}{\partial a} = W",
        ),
        Rule("dot", "Dot product", f"{P_H}, §4.4", r"\frac{\partial (a^T b)}{\partial b} = a^T"),
        Rule(
            "sum",
            "Sum reduction",
            f"{P_H}, §4.4",
            r"\frac{\partial\, \mathrm{sum}(a)}{\partial a} = \mathbf{1}^T",
        ),
        Rule(
            "mean",
            "Mean reduction",
            f"{P_H}, §6",
            r"\frac{\partial\, \mathrm{mean}(a)}{\partial a} = \tfrac{1}{n}\mathbf{1}^T",
        ),
        Rule(
            "elementwise_fn",
            "Element-wise function",
            f"{P_H}, §4.2 and §8.2",
            r"\frac{\partial f(a)}{\partial a} = \operatorname{diag}(f'(a))",
        ),
        Rule(
            "max",
            "Maximum (ReLU)",
            f"{P_H}, §5",
            r"\frac{\partial \max(0, a)}{\partial a} = \operatorname{diag}(\mathrm{step}(a))",
        ),
        Rule("power", "Power", f"{P_H}, §2", r"\frac{d\, a^c}{d a} = c\, a^{c-1}"),
        Rule("transpose", "Transpose", f"{P_H}, §4.1", r"(a^T)_i = a_i"),
        Rule(
            "norm",
            "Euclidean norm",
            f"{P_H}, §8.4",
            r"\frac{\partial \lVert a \rVert}{\partial a} = a^T / \lVert a \rVert",
        ),
        Rule(
            "softmax",
            "Softmax",
            f"{P_H}, §4.2 (element-wise quotient of exp by its sum)",
            r"\frac{\partial\, \mathrm{softmax}(a)}{\partial a} = \operatorname{diag}(s) - s s^T,"
            r"\ s = \mathrm{softmax}(a)",
        ),
        Rule(
            "literal",
            "Vector of expressions",
            f"{P_H}, §4.1",
            r"J_{i} = \frac{\partial f_i}{\partial x}",
        ),
    )
}


def size(shape: Shape) -> int:
    return shape[0] * shape[1]


def is_scalar(shape: Shape) -> bool:
    return shape == (1, 1)


def is_vector(shape: Shape) -> bool:
    return shape[0] == 1 or shape[1] == 1


def column(node: Node, shape: Shape) -> Node:
    """A vector-like operand written as a column (Jacobians count a row's entries as a column)."""
    return node if shape[1] == 1 else al.transpose(node)


def derivative_of_function(func: str, a: Node, shape: Shape) -> Node | None:
    """f'(a) element-wise, or None when f' is zero almost everywhere (``step``)."""
    scalar = is_scalar(shape)
    ones = al.num(1) if scalar else al.ones(*shape)
    times = al.mul if scalar else al.hadamard

    def sq(x: Node) -> Node:
        return al.power(x, 2, elementwise=not scalar)

    def over(x: Node, y: Node) -> Node:
        return al.div(x, y) if scalar else al.ew_div(x, y)

    if func == "exp":
        return al.call("exp", a)
    if func in ("log", "ln"):
        return over(al.num(1), a) if scalar else al.ew_div(ones, a)
    if func == "sqrt":
        return (
            over(al.num(0.5), al.call("sqrt", a))
            if scalar
            else al.ew_div(al.mul(al.num(0.5), ones), al.call("sqrt", a))
        )
    if func == "sin":
        return al.call("cos", a)
    if func == "cos":
        return al.neg(al.call("sin", a))
    if func == "tan":
        return al.add(ones, sq(al.call("tan", a)))
    if func == "tanh":
        return al.sub(ones, sq(al.call("tanh", a)))
    if func == "sigmoid":
        s = al.call("sigmoid", a)
        return times(s, al.sub(ones, s))
    if func == "relu":
        return al.call("step", a)
    if func == "abs":
        return al.sub(al.call("step", a), al.call("step", al.neg(a)))
    if func == "step":
        return None
    raise NoRule(f"no derivative rule for {func}()")


ELEMENTWISE = (
    "exp",
    "log",
    "ln",
    "sqrt",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "step",
)


def local_jacobians(
    node: Node, args: Sequence[Node], shapes: Sequence[Shape], out: Shape, depends: Sequence[bool]
) -> tuple[Rule, list[tuple[int, Jac]]]:
    """The rule for ``node`` and ``∂node/∂args[k]`` for every operand that depends on the variable.

    ``args`` are the operands as they should be written (intermediate names or
    sub-expressions); ``shapes`` their shapes and ``out`` the shape of ``node``.
    """
    m = size(out)
    for k, shape in enumerate(shapes):
        if depends[k] and not is_vector(shape):
            raise NoRule(
                "a matrix that depends on the variable has a derivative with more than two axes"
            )
    if not is_vector(out):
        raise NoRule("a matrix-valued expression of the variable has no Jacobian matrix")
    parts: list[tuple[int, Jac]] = []

    def want(k: int) -> bool:
        return depends[k]

    if isinstance(node, Unary):
        sign = -1 if node.op == "-" else 1
        return RULES["sum_diff"], [(0, jc.scaled(al.num(sign), m))]
    if isinstance(node, Transpose):
        return RULES["transpose"], [(0, jc.identity(m))]
    if isinstance(node, Binary):
        a, b = args
        sa, sb = shapes
        op = node.op
        if op in ("+", "-"):
            rule = RULES["sum_diff"]
            for k, (shape, sign) in enumerate(((sa, 1), (sb, 1 if op == "+" else -1))):
                if not want(k):
                    continue
                if is_scalar(shape) and m > 1:
                    rule = RULES["scalar_expansion"]
                    parts.append((k, jc.full(al.mul(al.num(sign), al.ones(m)), m, 1)))
                else:
                    parts.append((k, jc.scaled(al.num(sign), m)))
            return rule, parts
        if op in ("*", "@") and (is_scalar(sa) or is_scalar(sb)):
            if is_scalar(sa) and is_scalar(sb):
                if want(0):
                    parts.append((0, jc.full(b, 1, 1)))
                if want(1):
                    parts.append((1, jc.full(a, 1, 1)))
                return RULES["scalar_product"], parts
            s_k, v_k = (0, 1) if is_scalar(sa) else (1, 0)
            s_node, v_node, v_shape = args[s_k], args[v_k], shapes[v_k]
            if want(s_k):
                parts.append((s_k, jc.full(column(v_node, v_shape), m, 1)))
            if want(v_k):
                parts.append((v_k, jc.scaled(s_node, m)))
            return RULES["scalar_product"], sorted(parts, key=lambda p: p[0])
        if op in ("*", "@"):
            if sa[0] == 1 and sb[1] == 1:  # row times column: a dot product
                if want(0):
                    parts.append((0, jc.full(al.transpose(b), 1, sa[1])))
                if want(1):
                    parts.append((1, jc.full(a, 1, sb[0])))
                return RULES["dot"], parts
            if sb[1] == 1:  # matrix times column vector
                if want(1):
                    parts.append((1, jc.full(a, m, sb[0])))
                return RULES["matrix_product"], parts
            if sa[0] == 1:  # row vector times matrix: y^T = b^T a^T
                if want(0):
                    parts.append((0, jc.full(al.transpose(b), m, sa[1])))
                return RULES["matrix_product"], parts
            raise NoRule("no rule for this product of shapes")
        if op == ".*" or (op == "/" and sa == sb and not is_scalar(sb)) or op == "./":
            if is_scalar(sa) != is_scalar(sb):
                raise NoRule("element-wise operation between a scalar and a vector")
            if op == ".*":
                if want(0):
                    parts.append((0, jc.diagonal(column(b, sb), m)))
                if want(1):
                    parts.append((1, jc.diagonal(column(a, sa), m)))
                return RULES["hadamard"], parts
            if want(0):
                parts.append(
                    (
                        0,
                        jc.diagonal(
                            column(
                                al.ew_div(al.ones(*sb), b) if m > 1 else al.div(al.num(1), b), sb
                            ),
                            m,
                        ),
                    )
                )
            if want(1):
                quotient = (
                    al.ew_div(a, al.power(b, 2, elementwise=True))
                    if m > 1
                    else al.div(a, al.power(b, 2, False))
                )
                parts.append((1, jc.diagonal(column(al.neg(quotient), sb), m)))
            return RULES["ew_divide"], parts
        if op == "/":  # by a scalar
            if want(0):
                parts.append((0, jc.scaled(al.div(al.num(1), b), m)))
            if want(1):
                parts.append(
                    (1, jc.full(column(al.neg(al.div(a, al.power(b, 2, False))), sa), m, 1))
                )
            return RULES["scalar_product"], parts
        if op in ("^", ".^"):
            if want(1) or not isinstance(b, Number):
                raise NoRule("a power whose exponent is not a fixed number")
            c = b.value
            if op == "^" and not is_scalar(sa):
                raise NoRule("no rule for a matrix power")
            d = al.mul(al.num(c), al.power(a, c - 1, elementwise=op == ".^" and m > 1))
            return RULES["power"], [(0, jc.diagonal(column(d, sa), m))]
    if isinstance(node, Call):
        f = node.func
        if f in ("sum", "mean"):
            n = size(shapes[0])
            row: Node = al.num(1) if n == 1 else Call("ones", (al.num(1), al.num(n)))
            if f == "mean":
                row = al.div(row, al.num(n))
            return RULES[f], [(0, jc.full(row, 1, n))]
        if f == "dot":
            a, b = args
            if want(0):
                parts.append((0, jc.full(al.transpose(column(b, shapes[1])), 1, size(shapes[0]))))
            if want(1):
                parts.append((1, jc.full(al.transpose(column(a, shapes[0])), 1, size(shapes[1]))))
            return RULES["dot"], parts
        if f == "norm" and len(args) == 1:
            a = args[0]
            return RULES["norm"], [
                (
                    0,
                    jc.full(
                        al.div(al.transpose(column(a, shapes[0])), node_with(node, args)),
                        1,
                        size(shapes[0]),
                    ),
                )
            ]
        if f in ("max", "min") and len(args) == 2:
            a, b = args
            if shapes[0] != shapes[1] and want(0) and want(1):
                raise NoRule("max/min of a scalar and a vector that both depend on the variable")
            masks = ((a, b), (b, a)) if f == "max" else ((b, a), (a, b))
            for k, (p, q) in enumerate(masks):
                if want(k):
                    if shapes[k] != out:
                        raise NoRule("max/min whose varying operand is expanded")
                    mask = al.call("step", al.sub(p, q))
                    parts.append((k, jc.diagonal(column(mask, out), m)))
            return RULES["max"], parts
        if f == "softmax" and len(args) == 1:
            s = column(node_with(node, args), shapes[0])
            n = size(shapes[0])
            local = al.sub(al.diag(s), al.matmul(s, al.transpose(s))) if n > 1 else al.num(0)
            return RULES["softmax"], [(0, jc.full(local, n, n))]
        if f in ELEMENTWISE and len(args) == 1:
            fd = derivative_of_function(f, args[0], shapes[0])
            if fd is None:
                return RULES["elementwise_fn"], [(0, jc.zero(m, m))]
            rule = RULES["max"] if f == "relu" else RULES["elementwise_fn"]
            return rule, [(0, jc.diagonal(column(fd, shapes[0]), m))]
        raise NoRule(f"no chain-rule entry for {f}()")
    raise NoRule(f"no chain-rule entry for {type(node).__name__}")


def node_with(node: Node, args: Sequence[Node]) -> Node:
    """``node`` with its operands replaced (positions dropped: the tree is new)."""
    if isinstance(node, Binary):
        return Binary(node.op, args[0], args[1])
    if isinstance(node, Unary):
        return Unary(node.op, args[0])
    if isinstance(node, Transpose):
        return Transpose(args[0])
    if isinstance(node, Call):
        return Call(node.func, tuple(args))
    from app.mathlang.ast import Index, Matrix, Vector

    if isinstance(node, Index):
        return Index(args[0], tuple(args[1:]))
    if isinstance(node, Vector):
        return Vector(tuple(args))
    if isinstance(node, Matrix):
        it = iter(args)
        return Matrix(tuple(tuple(next(it) for _ in row) for row in node.rows))
    return node
