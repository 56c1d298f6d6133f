"""The wrong derivatives a learner reaches by one buggy rule (the misconception catalogue).

For a function and its ``wrt`` variables, every place where a rule of differentiation
applies is a *site*; each catalogue entry is a buggy variant of that rule (Brown &
Burton's "buggy rules"): the matrix-product rule assuming symmetry, one product-rule
term dropped, f′ replaced by f or dropped, the inner Jacobian dropped, the chain factors
reversed, one factor transposed. A candidate is one variant at one site; its Jacobian
at an instance comes from :class:`~app.calculus.buggy.tangents.Forward`.

The list of candidates depends only on the function and the shapes, so it is derived
once per problem and cached; only the numbers are computed per instance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app import mathlang
from app.calculus.buggy.tangents import ACTIVATIONS, Slip, depends, nodes
from app.calculus.derivation.engine import reassociate
from app.mathlang.ast import Binary, Call, Matrix, Name, Node, Transpose, Unary, Vector
from app.mathlang.shapes import Typed, integer_exponent

CATALOGUE: dict[str, str] = {
    "assumed_symmetric": "treated a matrix as symmetric",
    "product_rule_one_term": "differentiated a product of two dependent factors through one only",
    "activation_not_derivative": "wrote the activation f(z) where its derivative f′(z) belongs",
    "missing_activation_derivative": "dropped the factor f′(z) of the activation",
    "missing_inner_derivative": "stopped the chain rule at the outer function",
    "product_order": "multiplied the chain-rule factors in the wrong order",
    "transposed_factor": "transposed one factor of a product (not the whole answer)",
    "diagonal_as_vector": "gave the diagonal of a diagonal Jacobian as a vector",
    "power_rule": "misapplied the power rule: d(uⁿ) as uⁿ⁻¹ du, n uⁿ du or uⁿ du",
    "dropped_kronecker_delta": "dropped the Kronecker delta of ∂W_ik/∂W_jl = δ_ij δ_kl",
    "constant_treated_as_variable": "differentiated with respect to a constant of the "
    "variable's shape, as if it were the variable",
    "linear_map_transposed": "read the Jacobian of a linear map off the formula the other "
    "way round",
}
"""Catalogue ids (a public contract: DESIGN §11) and what each means."""

KINDS: dict[str, str] = {
    "twice_left": "assumed_symmetric",
    "twice_right": "assumed_symmetric",
    "left_only": "product_rule_one_term",
    "right_only": "product_rule_one_term",
    "f_for_fprime": "activation_not_derivative",
    "drop_fprime": "missing_activation_derivative",
    "stop_chain": "missing_inner_derivative",
    "stop_chain_resized": "missing_inner_derivative",
    "reverse": "product_order",
    "transpose_local": "transposed_factor",
    "transpose_inner": "transposed_factor",
    "power_no_factor": "power_rule",
    "power_not_lowered": "power_rule",
    "power_unchanged": "power_rule",
    "square_no_factor": "power_rule",
    "square_not_lowered": "power_rule",
    "square_unchanged": "power_rule",
    "drop_row_delta": "dropped_kronecker_delta",
    "drop_col_delta": "dropped_kronecker_delta",
    "swap_variable": "constant_treated_as_variable",
}
ORDER = list(CATALOGUE)


@dataclass(frozen=True)
class Candidate:
    id: str
    slip: Slip
    node: Node
    parent: Node | None


@dataclass(frozen=True)
class Analysis:
    """The function as the buggy differentiator reads it, and its candidates."""

    typed: Typed
    candidates: tuple[Candidate, ...]


def _matrix_product(node: Node, shapes: Mapping[int, tuple[int, int]]) -> bool:
    if isinstance(node, Call):
        return node.func == "dot"
    if isinstance(node, Binary) and node.op in ("*", "@"):
        return (1, 1) not in (shapes[id(node.left)], shapes[id(node.right)])
    return False


def _product(node: Node) -> bool:
    if isinstance(node, Call):
        return node.func in ("dot", "outer", "kron")
    return isinstance(node, Binary) and node.op in ("*", "@", ".*")


def _square(node: Node, shapes: Mapping[int, tuple[int, int]]) -> bool:
    """``u .* u`` (or ``t * t`` of scalars): a square written as a product."""
    if not isinstance(node, Binary):
        return False
    elementwise = node.op == ".*" or (
        node.op == "*" and (1, 1) in (shapes[id(node.left)], shapes[id(node.right)])
    )
    return elementwise and mathlang.to_text(node.left) == mathlang.to_text(node.right)


def _power(node: Node, shapes: Mapping[int, tuple[int, int]], dependent: set[int]) -> bool:
    """``u.^k`` (or a scalar ``t^k``) with a constant exponent other than 0 and 1."""
    if not isinstance(node, Binary) or node.op not in ("^", ".^"):
        return False
    if node.op == "^" and shapes[id(node.left)] != (1, 1):
        return False  # a matrix power
    if id(node.left) not in dependent or id(node.right) in dependent:
        return False
    return integer_exponent(node.right) not in (0, 1)


def _activation(node: Node, live: int) -> bool:
    if not isinstance(node, Call):
        return False
    return node.func in ACTIVATIONS or (node.func in ("max", "min") and live == 1)


LINEAR_CALLS = frozenset({"sum", "mean", "trace", "tr", "transpose", "diag"})


def _nonlinear(
    parent: Node | None, dependent: set[int], shapes: Mapping[int, tuple[int, int]]
) -> bool:
    """An outer operation whose derivative depends on its input, or a constant matrix
    applied to it (``V`` of ``V (W x)``): where stopping the chain rule is a misconception,
    not a change of variable (a learner who answers for ``u`` in ``u + b`` has not stopped
    the chain, only renamed)."""
    if parent is not None and _matrix_product(parent, shapes):
        return True
    if isinstance(parent, Call):
        return parent.func not in LINEAR_CALLS and parent.func not in ("ones", "zeros", "eye")
    if isinstance(parent, Binary) and parent.op in ("^", ".^"):
        return True
    if isinstance(parent, Binary) and parent.op in ("*", "@", ".*", "/", "./"):
        return all(id(c) in dependent for c in parent.children())
    return False


def analyse(
    function: str, shapes: Mapping[str, tuple[int, int]], wrt: Sequence[str]
) -> Analysis | None:
    """The candidates for ``function`` by ``wrt`` (None when the function cannot be read)."""
    return _analyse(function, tuple(sorted(shapes.items())), tuple(wrt))


@lru_cache(maxsize=512)
def _analyse(
    function: str, shape_items: tuple[tuple[str, tuple[int, int]], ...], wrt: tuple[str, ...]
) -> Analysis | None:
    shapes = dict(shape_items)
    try:
        tree = mathlang.parse(function)
        first = mathlang.check(tree, shapes)
        if len(wrt) == 1:
            tree = reassociate(tree, wrt[0], first.node_shapes)
        typed = mathlang.check(tree, shapes)
    except mathlang.MathError:
        return None
    node_shapes = {k: (int(v[0]), int(v[1])) for k, v in typed.node_shapes.items()}
    dependent = depends(typed.node, wrt)
    dirs = sum(shapes[w][0] * shapes[w][1] for w in wrt)
    parents: dict[int, Node] = {}
    order = nodes(typed)
    for node in order:
        for child in node.children():
            parents[id(child)] = node
    found: list[Candidate] = []

    def add(kind: str, index: int, node: Node) -> None:
        found.append(Candidate(KINDS[kind], Slip(index, kind), node, parents.get(id(node))))

    for index, node in enumerate(order):
        if id(node) not in dependent or isinstance(node, Name):
            continue
        live = sum(id(child) in dependent for child in node.children())
        if _square(node, node_shapes) and live == 2:
            for kind in ("square_no_factor", "square_not_lowered", "square_unchanged"):
                add(kind, index, node)
        elif _product(node) and live == 2:
            if _matrix_product(node, node_shapes):
                add("twice_left", index, node)
                add("twice_right", index, node)
            add("left_only", index, node)
            add("right_only", index, node)
        if _power(node, node_shapes, dependent):
            for kind in ("power_no_factor", "power_not_lowered", "power_unchanged"):
                add(kind, index, node)
        if _activation(node, live):
            add("f_for_fprime", index, node)
            add("drop_fprime", index, node)
        rows, cols = node_shapes[id(node)]
        inner_of_something = node is not typed.node and not (
            isinstance(node, Transpose | Unary) and isinstance(node.children()[0], Name)
        )
        if inner_of_something and len(wrt) == 1 and rows * cols == dirs:
            add("stop_chain", index, node)
        elif (
            inner_of_something
            and len(wrt) == 1
            and _nonlinear(parents.get(id(node)), dependent, node_shapes)
        ):
            add("stop_chain_resized", index, node)
        if live == 1 and (_product(node) or isinstance(node, Call)):
            add("reverse", index, node)
            add("transpose_local", index, node)
            add("transpose_inner", index, node)
    if len(wrt) == 1 and min(shapes[wrt[0]]) >= 2:
        var = next((n for n in order if isinstance(n, Name) and n.name == wrt[0]), None)
        if var is not None:
            add("drop_row_delta", order.index(var), var)
            add("drop_col_delta", order.index(var), var)
    if len(wrt) == 1:  # another declared variable differentiated in the variable's place
        swapped: set[str] = set()
        for index, node in enumerate(order):
            named = isinstance(node, Name) and node.name in shapes and node.name not in wrt
            if named and isinstance(node, Name) and node.name not in swapped:
                swapped.add(node.name)
                add("swap_variable", index, node)
    # A chain stopped at the outermost inside (the whole Wx - y of ||Wx - y||^2) reads best.
    found.sort(
        key=lambda c: (
            ORDER.index(c.id),
            -c.slip.site if c.slip.kind.startswith("stop_chain") else 0,
        )
    )
    return Analysis(typed, tuple(found))


LINEAR_BINARY = frozenset({"+", "-", "*", "@", ".*"})


def linear_in(typed: Typed, wrt: Sequence[str]) -> bool:
    """Whether the function is affine in ``wrt``: every operation on the variable is a
    sum, a transpose, a product with one constant factor or a linear call (sum, trace,
    mean, diag), so its Jacobian is a constant matrix read off the formula."""
    dependent = depends(typed.node, wrt)
    for node in nodes(typed):
        if id(node) not in dependent or isinstance(node, Name):
            continue
        live = sum(id(child) in dependent for child in node.children())
        if isinstance(node, Transpose | Unary | Vector | Matrix):
            continue
        if isinstance(node, Binary) and node.op in ("+", "-"):
            continue
        if isinstance(node, Binary) and node.op in LINEAR_BINARY and live == 1:
            continue
        if isinstance(node, Binary) and node.op in ("/", "./") and id(node.right) not in dependent:
            continue
        if isinstance(node, Call) and (
            node.func in LINEAR_CALLS or (node.func in ("dot", "outer", "kron") and live == 1)
        ):
            continue
        return False
    return True
