"""The gradient view: the derivative of a scalar, passed backwards through each operation.

When the function is a scalar (a loss) and the variable a matrix, the vector chain rule
would need Jacobians with three or four axes; Wu (§3) and MIT 6.390 (A.9.3–A.9.5) avoid
them by carrying the gradient ``∂f/∂u`` — shaped like ``u`` — backwards from the output:
``∂f/∂A = (∂f/∂Z) B^T`` and ``∂f/∂B = A^T (∂f/∂Z)`` for ``Z = A B``, ``∂f/∂a = ∂f/∂z ⊙
f'(a)`` for an element-wise ``z = f(a)``, ``∂f/∂a = ∂f/∂s · 1`` for ``s = sum(a)``. The
result has the shape of the variable: the denominator layout; its transpose is the
numerator layout (DESIGN §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.calculus.derivation import algebra as al
from app.calculus.derivation.forward import depends_on, fresh_names
from app.calculus.derivation.rules import (
    RULES,
    NoRule,
    Rule,
    derivative_of_function,
    is_scalar,
    node_with,
)
from app.mathlang.ast import Binary, Call, Name, Node, Number, Transpose, Unary

Shape = tuple[int, int]

WU = "Wu, “Notes on Matrix Derivative in Neural Network”"
BACK_RULES: dict[str, Rule] = {
    "back_product": Rule(
        "back_product",
        "Gradient through a matrix product",
        f"{WU}, §3.1; MIT 6.390 A.9.3",
        r"Z = AB:\ \frac{\partial f}{\partial A} = \frac{\partial f}{\partial Z} B^T,\ "
        r"\frac{\partial f}{\partial B} = A^T \frac{\partial f}{\partial Z}",
    ),
    "back_trace": Rule(
        "back_trace", "Trace", "MIT 6.390, A.7", r"\frac{\partial\,\mathrm{tr}(A)}{\partial A} = I"
    ),
    "back_logdet": Rule(
        "back_logdet",
        "Log-determinant",
        "MIT 6.390, A.7",
        r"\frac{\partial \log\det A}{\partial A} = A^{-T}",
    ),
    "back_det": Rule(
        "back_det",
        "Determinant (Jacobi's formula)",
        "MIT 6.390, A.7",
        r"\frac{\partial \det A}{\partial A} = \det(A)\, A^{-T}",
    ),
    "back_inv": Rule(
        "back_inv",
        "Gradient through an inverse",
        "MIT 6.390, A.7",
        r"Z = A^{-1}:\ \frac{\partial f}{\partial A} = -Z^T \frac{\partial f}{\partial Z} Z^T",
    ),
    "back_power": Rule(
        "back_power",
        "Gradient through a matrix power",
        "MIT 6.390, A.9.3 (the product rule, once per factor)",
        r"Z = A^n:\ \frac{\partial f}{\partial A} = \sum_{k=0}^{n-1} (A^T)^k "
        r"\frac{\partial f}{\partial Z} (A^T)^{n-1-k}",
    ),
}


def _back_matrix_power(a: Node, n: float, g: Node) -> Node:
    """``Z = A^n`` is a product of n factors A: each passes ``(A^T)^k G (A^T)^(n-1-k)`` back."""
    if not float(n).is_integer() or n < 1 or n > 6:
        raise NoRule("a matrix power whose exponent is not a whole number from 1 to 6")
    count = int(n)
    a_t = al.transpose(a)

    def power_of(k: int) -> Node | None:
        return None if k == 0 else a_t if k == 1 else al.power(a_t, k, elementwise=False)

    total: Node | None = None
    for k in range(count):
        term = g
        left, right = power_of(k), power_of(count - 1 - k)
        if left is not None:
            term = al.matmul(left, term)
        if right is not None:
            term = al.matmul(term, right)
        total = term if total is None else al.add(total, term)
    assert total is not None
    return total


@dataclass(frozen=True)
class Backstep:
    """One intermediate and the gradient of f with respect to it."""

    name: str
    node: Node
    display: Node
    shape: Shape
    rule: Rule
    grad_display: Node  # ∂f/∂u, written with intermediate names
    grad: Node  # ∂f/∂u in the original variables


@dataclass
class GradientView:
    wrt: str
    steps: list[Backstep] = field(default_factory=list)
    result: Node | None = None
    result_display: Node | None = None
    names: dict[int, str] = field(default_factory=dict)
    leaf_rule: Rule | None = None
    displays: dict[int, Node] = field(default_factory=dict)


def _adjoints(
    node: Node, args: list[Node], shapes: list[Shape], out: Shape, g: Node, depends: list[bool]
) -> tuple[Rule, list[tuple[int, Node]]]:
    """``∂f/∂operand`` for each operand that depends on the variable, given ``g = ∂f/∂node``."""
    res: list[tuple[int, Node]] = []
    if isinstance(node, Unary):
        return RULES["sum_diff"], [(0, al.neg(g) if node.op == "-" else g)]
    if isinstance(node, Transpose):
        return RULES["transpose"], [(0, al.transpose(g))]
    if isinstance(node, Binary):
        a, b = args
        sa, sb = shapes
        op = node.op
        if op in ("+", "-"):
            for k, (shape, sign) in enumerate(((sa, 1), (sb, 1 if op == "+" else -1))):
                if depends[k]:
                    part = g if shape == out else al.call("sum", g)
                    res.append((k, part if sign == 1 else al.neg(part)))
            return RULES["sum_diff"], res
        if op in ("*", "@"):
            if is_scalar(sa) and is_scalar(sb):
                pairs = [(0, al.mul(g, b)), (1, al.mul(g, a))]
                return RULES["scalar_product"], [p for p in pairs if depends[p[0]]]
            if is_scalar(sa) or is_scalar(sb):
                s_k = 0 if is_scalar(sa) else 1
                s, v = args[s_k], args[1 - s_k]
                if depends[s_k]:
                    res.append((s_k, al.call("sum", al.hadamard(g, v))))
                if depends[1 - s_k]:
                    res.append((1 - s_k, al.mul(s, g)))
                return RULES["scalar_product"], sorted(res, key=lambda p: p[0])
            if depends[0]:
                res.append((0, al.matmul(g, al.transpose(b))))
            if depends[1]:
                res.append((1, al.matmul(al.transpose(a), g)))
            return BACK_RULES["back_product"], res
        if op == ".*":
            if sa != sb:
                raise NoRule("element-wise product of different shapes")
            if depends[0]:
                res.append((0, al.hadamard(g, b)))
            if depends[1]:
                res.append((1, al.hadamard(g, a)))
            return RULES["hadamard"], res
        if op == "./" or (op == "/" and sa == sb and not is_scalar(sb)):
            if depends[0]:
                res.append((0, al.ew_div(g, b)))
            if depends[1]:
                res.append((1, al.neg(al.ew_div(al.hadamard(g, a), al.power(b, 2, True)))))
            return RULES["ew_divide"], res
        if op == "/":
            if depends[0]:
                res.append((0, al.div(g, b)))
            if depends[1]:
                inner = al.mul(g, a) if is_scalar(sa) else al.call("sum", al.hadamard(g, a))
                res.append((1, al.neg(al.div(inner, al.power(b, 2, False)))))
            return RULES["scalar_product"], res
        if op in ("^", ".^"):
            if depends[1] or not isinstance(b, Number):
                raise NoRule("a power whose exponent is not a fixed number")
            c = b.value
            if op == "^" and not is_scalar(sa):
                return BACK_RULES["back_power"], [(0, _back_matrix_power(a, c, g))]
            local = al.mul(al.num(c), al.power(a, c - 1, elementwise=op == ".^"))
            return RULES["power"], [(0, al.hadamard(g, local) if op == ".^" else al.mul(g, local))]
    if isinstance(node, Call):
        f = node.func
        if f in ("sum", "mean") and len(args) == 1:
            r, c = shapes[0]
            spread = al.mul(g, al.ones(r, c))
            return RULES[f], [(0, spread if f == "sum" else al.div(spread, al.num(r * c)))]
        if f == "dot":
            pairs = [(0, al.mul(g, args[1])), (1, al.mul(g, args[0]))]
            return RULES["dot"], [p for p in pairs if depends[p[0]]]
        if f in ("trace", "tr"):
            return BACK_RULES["back_trace"], [(0, al.mul(g, al.eye(shapes[0][0])))]
        if f == "logdet":
            return BACK_RULES["back_logdet"], [
                (0, al.mul(g, al.transpose(al.call("inv", args[0]))))
            ]
        if f == "det" and len(args) == 1:
            local = al.mul(node_with(node, args), al.transpose(al.call("inv", args[0])))
            return BACK_RULES["back_det"], [(0, al.mul(g, local))]
        if f == "inv" and len(args) == 1:
            z_t = al.transpose(node_with(node, args))
            return BACK_RULES["back_inv"], [(0, al.neg(al.matmul(al.matmul(z_t, g), z_t)))]
        if f == "softmax" and len(args) == 1 and shapes[0][1] == 1:
            s = node_with(node, args)
            jac = al.sub(al.diag(s), al.matmul(s, al.transpose(s)))
            return RULES["softmax"], [(0, al.matmul(jac, g))]
        if f == "norm" and len(args) == 1:
            return RULES["norm"], [(0, al.mul(g, al.div(args[0], node_with(node, args))))]
        if f in ("max", "min") and len(args) == 2:
            a, b = args
            if shapes[0] != shapes[1] and depends[0] and depends[1]:
                raise NoRule("max/min of operands of different shapes")
            masks = ((a, b), (b, a)) if f == "max" else ((b, a), (a, b))
            for k, (p, q) in enumerate(masks):
                if depends[k]:
                    if shapes[k] != out:
                        raise NoRule("max/min whose varying operand is expanded")
                    res.append((k, al.hadamard(g, al.call("step", al.sub(p, q)))))
            return RULES["max"], res
        if len(args) == 1:
            d = derivative_of_function(f, args[0], shapes[0])
            if d is None:
                return RULES["elementwise_fn"], [(0, al.num(0))]
            both_scalar = is_scalar(shapes[0])
            return RULES["elementwise_fn"], [
                (0, al.mul(g, d) if both_scalar else al.hadamard(g, d))
            ]
    raise NoRule(
        f"no gradient rule for {type(node).__name__} "
        f"{getattr(node, 'func', getattr(node, 'op', ''))}"
    )


def gradient_view(
    tree: Node, shapes: Mapping[int, Shape], wrt: str, taken: set[str]
) -> GradientView:
    """∂f/∂wrt for a scalar ``tree``, with one step per intermediate (root first)."""
    if shapes[id(tree)] != (1, 1):
        raise NoRule("the gradient view needs a scalar function")
    view = GradientView(wrt=wrt)
    names = iter(fresh_names(taken))
    order: list[Node] = []

    def name_nodes(node: Node) -> Node:
        if not depends_on(node, wrt) or isinstance(node, Name):
            view.displays[id(node)] = node
            return node
        disp_args = [name_nodes(child) for child in node.children()]
        view.displays[id(node)] = node_with(node, disp_args)
        view.names[id(node)] = next(names)
        order.append(node)
        return Name(view.names[id(node)])

    name_nodes(tree)
    grads: dict[int, tuple[Node, Node]] = {id(tree): (al.num(1), al.num(1))}
    total_disp: Node = al.num(0)
    total: Node = al.num(0)
    via: dict[int, Rule] = {}  # the rule of the operation that passed a node its gradient
    for node in reversed(order):  # root first: every user of a node comes before it
        g_disp, g = grads[id(node)]
        children = list(node.children())
        depends = [depends_on(c, wrt) for c in children]
        disp_args = [Name(view.names[id(c)]) if id(c) in view.names else c for c in children]
        child_shapes = [shapes[id(c)] for c in children]
        rule, parts_disp = _adjoints(
            node,
            disp_args,
            child_shapes,
            shapes[id(node)],
            Name(_grad_name(view.names[id(node)])),
            depends,
        )
        _, parts = _adjoints(node, children, child_shapes, shapes[id(node)], g, depends)
        view.steps.append(
            Backstep(
                view.names[id(node)],
                node,
                view.displays[id(node)],
                shapes[id(node)],
                via.get(id(node), rule),
                g_disp,
                g,
            )
        )
        for (k, pd), (_, pc) in zip(parts_disp, parts, strict=True):
            child = children[k]
            via[id(child)] = rule
            if isinstance(child, Name):
                total_disp, total = al.add(total_disp, pd), al.add(total, pc)
                view.leaf_rule = rule
            else:
                old_d, old_c = grads.get(id(child), (al.num(0), al.num(0)))
                grads[id(child)] = (al.add(old_d, pd), al.add(old_c, pc))
    view.result, view.result_display = total, total_disp
    return view


def _grad_name(u: str) -> str:
    """The name that stands for ∂f/∂u in displayed rules: ``gu1`` (shown as a fraction)."""
    return f"g{u}"
