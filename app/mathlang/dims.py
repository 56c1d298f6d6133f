"""Sizes that may not be known yet: a union-find over the dimensions of an expression.

``I`` in ``z I + A`` and bare ``ones`` in ``x + ones`` have no size of their own; the
size comes from where they stand (DESIGN §3). Every dimension of every node is an
element of this structure; equating two dimensions (the inner sizes of a product, the
shapes of a sum) merges their classes, and a class is *known* once it holds a number.
Two different numbers in one class are a conflict, reported by the caller as a shape error.
"""

from __future__ import annotations

Dim = int
"""A handle of one dimension in :class:`Dims`."""


class Dims:
    """Union-find with an optional size per class (path halving, union by size)."""

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._rank: list[int] = []
        self._size: list[int | None] = []

    def new(self, size: int | None = None) -> Dim:
        """A fresh dimension, known (``size``) or unknown (``None``)."""
        self._parent.append(len(self._parent))
        self._rank.append(1)
        self._size.append(size)
        return len(self._parent) - 1

    def find(self, d: Dim) -> Dim:
        parent = self._parent
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    def size(self, d: Dim) -> int | None:
        """The known size of ``d``'s class, or None."""
        return self._size[self.find(d)]

    def is_one(self, d: Dim) -> bool:
        return self.size(d) == 1

    def unify(self, a: Dim, b: Dim) -> bool:
        """Declare ``a`` and ``b`` equal; False (and no change) if their sizes differ."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        sa, sb = self._size[ra], self._size[rb]
        if sa is not None and sb is not None and sa != sb:
            return False
        if self._rank[ra] < self._rank[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._rank[ra] += self._rank[rb]
        self._size[ra] = sa if sa is not None else sb
        return True

    def can_unify(self, a: Dim, b: Dim) -> bool:
        sa, sb = self.size(a), self.size(b)
        return sa is None or sb is None or sa == sb
