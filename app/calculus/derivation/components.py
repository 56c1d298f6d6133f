"""The component view: one entry as an explicit sum (Learned-Miller §1–4).

Learned-Miller's method for linear forms: write one entry of the output as a sum over
products of entries (``y_i = Σ_k W_{i,k} x_k``), differentiate that scalar with respect to
one entry of the variable — every term without it vanishes, and ``∂x_k/∂x_j`` is the
Kronecker delta — remove the sum by the delta, read off the pattern for all indices,
and assemble the matrix (``∂y_i/∂x_j = W_{i,j}``, so the Jacobian is W). With three or
more axes (``∂y_i/∂W_{j,k} = δ_{i,j} x_k``) the pattern is the answer, in index form,
and the delta says which 2-D slice holds every non-zero entry: the compact form
(Learned-Miller §3; MIT 6.390 A.9.2).

An entry is a list of :class:`Term`; a term is a coefficient times a product of
factors (a variable with its indices), with Kronecker deltas between indices and the
summation indices still open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain, count

import numpy as np
import numpy.typing as npt

from app.calculus.derivation import algebra as al
from app.calculus.derivation.rules import NoRule
from app.mathlang.ast import Binary, Call, Index, Name, Node, Number, Transpose, Unary

Shape = tuple[int, int]
Array = npt.NDArray[np.float64]
Slot = str | None  # an index name, or None for a singleton axis


@dataclass(frozen=True)
class Factor:
    var: str
    indices: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    coef: float
    factors: tuple[Factor, ...] = ()
    deltas: tuple[tuple[str, str], ...] = ()
    summed: tuple[str, ...] = ()


class IndexNames:
    """Index names for output, variable and summation axes, avoiding declared names."""

    def __init__(self, taken: set[str]) -> None:
        self._taken = set(taken)
        self.sizes: dict[str, int] = {}
        self._pool = chain(iter("ijklmnpqrstabcdefgh"), (f"k{n}" for n in count(1)))

    def next(self, size: int) -> str:
        for candidate in self._pool:
            if candidate not in self._taken:
                self._taken.add(candidate)
                self.sizes[candidate] = size
                return candidate
        raise AssertionError("unreachable")


def slots(shape: Shape, names: IndexNames) -> tuple[Slot, Slot]:
    return (
        names.next(shape[0]) if shape[0] > 1 else None,
        names.next(shape[1]) if shape[1] > 1 else None,
    )


def _present(r: Slot, c: Slot) -> tuple[str, ...]:
    return tuple(s for s in (r, c) if s is not None)


def _product(a: Sequence[Term], b: Sequence[Term]) -> list[Term]:
    return [
        Term(x.coef * y.coef, x.factors + y.factors, x.deltas + y.deltas, x.summed + y.summed)
        for x in a
        for y in b
    ]


def entry(
    node: Node, r: Slot, c: Slot, shapes: Mapping[int, Shape], names: IndexNames
) -> list[Term]:
    """Entry ``(r, c)`` of ``node`` as a sum of terms; raises :class:`NoRule` if not multilinear."""
    shape = shapes[id(node)]
    if isinstance(node, Name) and node.name == "ones":  # the context-sized all-ones
        return [Term(1.0)]
    if isinstance(node, Name) and node.name == "I":  # the context-sized identity
        return [Term(1.0, (), ((r, c),) if r is not None and c is not None else ())]
    if isinstance(node, Name):
        return [
            Term(
                1.0,
                (
                    Factor(
                        node.name,
                        _present(r if shape[0] > 1 else None, c if shape[1] > 1 else None),
                    ),
                ),
            )
        ]
    if isinstance(node, Number):
        return [Term(node.value)]
    if isinstance(node, Unary):
        inner = entry(node.operand, r, c, shapes, names)
        return inner if node.op == "+" else [replace(t, coef=-t.coef) for t in inner]
    if isinstance(node, Transpose):
        return entry(node.operand, c, r, shapes, names)
    if isinstance(node, Binary):
        sa, sb = shapes[id(node.left)], shapes[id(node.right)]
        if node.op in ("+", "-"):
            left = entry(node.left, *((None, None) if sa == (1, 1) else (r, c)), shapes, names)
            right = entry(node.right, *((None, None) if sb == (1, 1) else (r, c)), shapes, names)
            if node.op == "-":
                right = [replace(t, coef=-t.coef) for t in right]
            return left + right
        if node.op in ("*", "@", ".*"):
            if sa == (1, 1) or sb == (1, 1) or node.op == ".*":
                ra, ca = (None, None) if sa == (1, 1) else (r, c)
                rb, cb = (None, None) if sb == (1, 1) else (r, c)
                return _product(
                    entry(node.left, ra, ca, shapes, names),
                    entry(node.right, rb, cb, shapes, names),
                )
            mid = names.next(sa[1]) if sa[1] > 1 else None
            terms = _product(
                entry(node.left, r, mid, shapes, names),
                entry(node.right, mid, c, shapes, names),
            )
            return [replace(t, summed=t.summed + ((mid,) if mid else ())) for t in terms]
        if node.op == "/" and isinstance(node.right, Number) and node.right.value != 0:
            return [
                replace(t, coef=t.coef / node.right.value)
                for t in entry(node.left, r, c, shapes, names)
            ]
    if isinstance(node, Call) and node.func == "sum" and len(node.args) == 1:
        inner_shape = shapes[id(node.args[0])]
        ir, ic = slots(inner_shape, names)
        out = []
        for t in entry(node.args[0], ir, ic, shapes, names):
            used = {i for f in t.factors for i in f.indices} | {i for d in t.deltas for i in d}
            coef, summed = t.coef, t.summed
            for index in _present(ir, ic):
                if index in used:
                    summed = (*summed, index)
                else:  # a term without the index: Σ_i c = n c
                    coef *= names.sizes[index]
            out.append(replace(t, coef=coef, summed=summed))
        return out
    raise NoRule("the component view handles sums of products of entries (linear forms)")


def differentiate(terms: Sequence[Term], var: str, by: tuple[str, ...]) -> list[Term]:
    """∂/∂var[by] of each term: one new term per occurrence, with Kronecker deltas."""
    out: list[Term] = []
    for t in terms:
        for k, f in enumerate(t.factors):
            if f.var != var:
                continue
            rest = t.factors[:k] + t.factors[k + 1 :]
            out.append(
                Term(t.coef, rest, t.deltas + tuple(zip(f.indices, by, strict=True)), t.summed)
            )
    return out


def remove_sums(terms: Sequence[Term]) -> list[Term]:
    """Use each delta that meets a summation index to drop that sum (``Σ_k a_k δ_{k,j} = a_j``)."""
    out: list[Term] = []
    for t in terms:
        factors, deltas, summed = list(t.factors), list(t.deltas), list(t.summed)
        changed = True
        while changed:
            changed = False
            for d_i, (p, q) in enumerate(deltas):
                if p == q:
                    del deltas[d_i]
                    changed = True
                    break
                old, new = (p, q) if p in summed else (q, p) if q in summed else (None, None)
                if old is None or new is None:
                    continue
                summed.remove(old)
                del deltas[d_i]
                factors = [
                    Factor(f.var, tuple(new if i == old else i for i in f.indices)) for f in factors
                ]
                deltas = [(new if a == old else a, new if b == old else b) for a, b in deltas]
                changed = True
                break
        out.append(Term(t.coef, tuple(factors), tuple(deltas), tuple(summed)))
    return out


def to_index_form(terms: Sequence[Term]) -> Node:
    """The terms as an index-form expression of the language (no sums may be left)."""
    total: Node = al.num(0)
    for t in terms:
        if t.summed:
            raise NoRule("a sum remains; the entry has no closed index form")
        node: Node = al.num(t.coef)
        for p, q in t.deltas:
            node = al.mul(node, Call("delta", (Name(p), Name(q))))
        for f in t.factors:
            node = al.mul(
                node,
                Index(Name(f.var), tuple(Name(i) for i in f.indices)) if f.indices else Name(f.var),
            )
        total = al.add(total, node)
    return total


def to_matrix(
    terms: Sequence[Term],
    row: str | None,
    col: str | None,
    shapes: Mapping[str, Shape],
    sizes: Mapping[str, int],
) -> Node:
    """Read a 2-D pattern back as a matrix expression: ``Σ_k V_{i,k} W_{k,j}`` is ``V W``.

    Each term must be a chain of factors leading from the row index to the column index
    through summation indices; a delta between them is the identity.
    """
    total: Node = al.num(0)
    for t in terms:
        node: Node = al.num(t.coef)
        for f in t.factors:
            if not f.indices:
                node = al.mul(node, Name(f.var))
        chain = [f for f in t.factors if f.indices]
        deltas = list(t.deltas)
        current = row
        pieces: list[Node] = []
        while chain or deltas:
            linked = [d for d in deltas if current is not None and current in d]
            if linked:
                d = linked[0]
                deltas.remove(d)
                nxt = d[1] if d[0] == current else d[0]
                if current != nxt:
                    pieces.append(al.eye(sizes[nxt]))
                current = nxt
                continue
            found = next(
                (
                    f
                    for f in chain
                    if current in f.indices or (current is None and len(f.indices) == 1)
                ),
                None,
            )
            if found is None:
                raise NoRule("the pattern is not a product of matrices")
            chain.remove(found)
            v: Node = Name(found.var)
            if len(found.indices) == 1:
                as_col = shapes[found.var][1] == 1
                if current is None:  # a row: v^T
                    pieces.append(al.transpose(v) if as_col else v)
                    current = found.indices[0]
                else:  # a column ends the chain
                    pieces.append(v if as_col else al.transpose(v))
                    current = None
                continue
            first, second = found.indices
            pieces.append(v if first == current else al.transpose(v))
            current = second if first == current else first
        if current != col:
            raise NoRule("the pattern is not a product of matrices")
        product: Node | None = None
        for piece in pieces:
            product = piece if product is None else al.matmul(product, piece)
        if product is not None:
            node = al.mul(node, product)
        total = al.add(total, node)
    return total


def compact_pair(
    terms: Sequence[Term], out_indices: Sequence[str], wrt_indices: Sequence[str]
) -> tuple[str, str] | None:
    """The delta every term shares between an output and a variable index, if any."""
    common: set[tuple[str, str]] | None = None
    for t in terms:
        pairs = {
            (p, q) if p in out_indices else (q, p)
            for p, q in t.deltas
            if (p in out_indices and q in wrt_indices) or (q in out_indices and p in wrt_indices)
        }
        common = pairs if common is None else common & pairs
    if not common:
        return None
    return sorted(common)[0]


def drop_delta(terms: Sequence[Term], pair: tuple[str, str]) -> list[Term]:
    """The compact form: the terms on the slice where the paired indices are equal."""
    out_idx, wrt_idx = pair
    result = []
    for t in terms:
        deltas = [d for d in t.deltas if set(d) != {out_idx, wrt_idx}]
        factors = tuple(
            Factor(f.var, tuple(out_idx if i == wrt_idx else i for i in f.indices))
            for f in t.factors
        )
        result.append(Term(t.coef, factors, tuple(deltas), t.summed))
    return result


def evaluate_terms(
    terms: Sequence[Term],
    free: Sequence[str],
    sizes: Mapping[str, int],
    values: Mapping[str, Array],
) -> Array:
    """The tensor ``T[free...]`` of a sum of terms, by einsum (used to check the sum steps)."""
    letters: dict[str, str] = {}

    def letter(index: str) -> str:
        if index not in letters:
            letters[index] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(letters)]
        return letters[index]

    total = np.zeros(tuple(sizes[i] for i in free))
    for t in terms:
        operands: list[Array] = []
        specs: list[str] = []
        for f in t.factors:
            value = np.asarray(values[f.var], dtype=np.float64)
            operands.append(
                value.reshape(-1)
                if len(f.indices) == 1
                else value.reshape(value.shape[-2:])
                if f.indices
                else value.reshape(())
            )
            specs.append("".join(letter(i) for i in f.indices))
        for p, q in t.deltas:
            operands.append(np.eye(sizes[p], sizes[q]))
            specs.append(letter(p) + letter(q))
        out_spec = "".join(letter(i) for i in free)
        for i in free:
            letter(i)
        # free indices missing from every factor broadcast as ones
        for i in free:
            if not any(letter(i) in s for s in specs):
                operands.append(np.ones(sizes[i]))
                specs.append(letter(i))
        if not operands:
            total = total + t.coef
            continue
        total = total + t.coef * np.einsum(",".join(specs) + "->" + out_spec, *operands)
    return total
