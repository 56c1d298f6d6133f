"""Sparsity detection by bit probes and the groups it yields."""

from __future__ import annotations

import numpy as np

from app.calculus import column_groups
from app.calculus.column_groups import entry_codes, group_columns


def probe(codes, jac):
    """What the probes of :func:`probe_displacements` see for a linear map ``jac``."""
    steps = np.full(codes.codes.size, 1e-3)
    moves = column_groups.probe_displacements(codes, steps)
    return (moves @ jac.T) != 0


def test_codes_are_increasing_and_distinct():
    codes = entry_codes([(3, 4), (5, 1)])
    assert codes.codes.size == 17
    assert np.all(np.diff(codes.codes) > 0)


def test_wx_with_respect_to_w_groups_by_column_of_w():
    p, q = 5, 6
    x = np.arange(1.0, q + 1)
    jac = np.einsum("ij,k->ijk", np.eye(p), x).reshape(p, p * q)  # y = W x
    codes = entry_codes([(p, q)])
    grouping = group_columns(codes, probe(codes, jac))
    assert grouping.count == q
    for i in range(p):
        for g in range(q):
            assert grouping.column[i, g] == i * q + g


def test_diagonal_map_is_one_group_and_dense_map_is_ungrouped():
    n = 7
    codes = entry_codes([(n, 1)])
    assert group_columns(codes, probe(codes, np.diag(np.arange(1.0, n + 1)))).count == 1
    dense = np.ones((3, n))
    assert group_columns(codes, probe(codes, dense)).count == n


def test_every_dependency_is_read_from_exactly_one_group():
    rng = np.random.default_rng(3)
    for _ in range(20):
        m, n = rng.integers(2, 9, size=2)
        jac = rng.normal(size=(m, n)) * (rng.random((m, n)) < 0.3)
        codes = entry_codes([(int(n), 1)])
        grouping = group_columns(codes, probe(codes, jac))
        for i in range(m):
            read = set(grouping.column[i][grouping.column[i] >= 0].tolist())
            assert set(np.flatnonzero(jac[i]).tolist()) <= read
            groups_of_read = [grouping.group_of[j] for j in read]
            assert len(groups_of_read) == len(set(groups_of_read))
