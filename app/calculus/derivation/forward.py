"""The chain-rule view: intermediate variables and the vector chain rule (Parr & Howard §4.5).

The expression tree is cut at every operation that depends on the variable: each such
operation becomes an intermediate ``u_k = op(...)`` whose operands are earlier
intermediates, the variable, or constants. Its local Jacobian comes from the rule table
(:mod:`rules`), and the vector chain rule ``∂u_k/∂x = Σ_a ∂u_k/∂a · ∂a/∂x`` combines it
with the operands' Jacobians, in that order (Parr & Howard §4.5.3). Every Jacobian is
built twice: with the intermediate names (what the learner reads) and with the original
sub-expressions (the result, "substituted back").

A transpose of a vector is not given a name of its own: it lists the same entries, so it
has the same Jacobian (Parr & Howard treat ``w^T x`` as one dot product).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.calculus.derivation import jacobian as jc
from app.calculus.derivation.jacobian import Jac
from app.calculus.derivation.rules import NoRule, Rule, is_vector, local_jacobians, node_with, size
from app.mathlang.ast import Name, Node, Transpose, Vector, walk

Shape = tuple[int, int]


@dataclass(frozen=True)
class Local:
    """``∂u/∂operand`` for one operand: its written form, the name to differentiate by."""

    operand: Node
    by: str
    by_shape: Shape
    jac: Jac


@dataclass(frozen=True)
class Intermediate:
    name: str
    node: Node  # the original sub-expression
    display: Node  # the operation written with intermediate names
    shape: Shape
    rule: Rule
    locals: tuple[Local, ...]
    jac_display: Jac  # ∂u/∂x written with intermediate names
    jac: Jac  # ∂u/∂x in the original variables


@dataclass
class ChainView:
    wrt: str
    wrt_len: int
    intermediates: list[Intermediate] = field(default_factory=list)
    result: Jac | None = None
    result_display: Jac | None = None
    root_display: Node | None = None


def depends_on(node: Node, var: str) -> bool:
    return any(isinstance(n, Name) and n.name == var for n in walk(node))


def fresh_names(taken: set[str], count_hint: int = 0) -> list[str]:
    """``u1, u2, ...`` unless a declared variable already uses the letter."""
    for letter in ("u", "v", "t", "s"):
        if not any(n.startswith(letter) and n[1:].isdigit() for n in taken):
            return [f"{letter}{k}" for k in range(1, count_hint + 200)]
    return [f"tmp{k}" for k in range(1, count_hint + 200)]


def chain_view(
    tree: Node, shapes: Mapping[int, Shape], wrt: str, wrt_shape: Shape, taken: set[str]
) -> ChainView:
    """Decompose ``tree`` and apply the chain rule; raises :class:`NoRule` outside the table."""
    if not is_vector(wrt_shape):
        raise NoRule("the chain-rule view differentiates by a scalar or a vector")
    n = size(wrt_shape)
    view = ChainView(wrt=wrt, wrt_len=n)
    names = iter(fresh_names(taken))

    def visit(node: Node) -> tuple[Node, Jac, Jac]:
        shape = shapes[id(node)]
        if not depends_on(node, wrt):
            return node, jc.zero(size(shape), n), jc.zero(size(shape), n)
        if isinstance(node, Name):
            return node, jc.identity(n), jc.identity(n)
        if isinstance(node, Transpose) and is_vector(shape):
            disp, jd, jv = visit(node.operand)
            return Transpose(disp), jd, jv
        if isinstance(node, Vector):
            if n != 1:
                raise NoRule("a vector of expressions differentiated by a vector")
            items = [visit(item) for item in node.items]
            disp = Vector(tuple(d for d, _, _ in items))
            jd = jc.full(Vector(tuple(j.to_ast() for _, j, _ in items)), len(items), 1)
            jv = jc.full(Vector(tuple(j.to_ast() for _, _, j in items)), len(items), 1)
            return disp, jd, jv
        children = node.children()
        visited = [visit(child) for child in children]
        child_shapes = [shapes[id(c)] for c in children]
        depends = [depends_on(c, wrt) for c in children]
        disp_args = [d for d, _, _ in visited]
        rule, local_disp = local_jacobians(node, disp_args, child_shapes, shape, depends)
        _, local_conc = local_jacobians(node, list(children), child_shapes, shape, depends)
        m = size(shape)
        jd, jv = jc.zero(m, n), jc.zero(m, n)
        locals_: list[Local] = []
        for (k, ld), (_, lv) in zip(local_disp, local_conc, strict=True):
            jd = jc.plus(jd, jc.compose(ld, visited[k][1]))
            jv = jc.plus(jv, jc.compose(lv, visited[k][2]))
            by = _base_name(disp_args[k])
            locals_.append(Local(disp_args[k], by, child_shapes[k], ld))
        u = next(names)
        view.intermediates.append(
            Intermediate(u, node, node_with(node, disp_args), shape, rule, tuple(locals_), jd, jv)
        )
        return Name(u), jd, jv

    root_disp, jd, jv = visit(tree)
    view.root_display = root_disp
    view.result_display, view.result = jd, jv
    return view


def _base_name(node: Node) -> str:
    while isinstance(node, Transpose):
        node = node.operand
    if isinstance(node, Name):
        return node.name
    raise NoRule("an operand that is neither a variable nor an intermediate")
