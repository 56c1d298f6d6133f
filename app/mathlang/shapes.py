"""PLACEHOLDER until the shape checker lands."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.mathlang.ast import Node


@dataclass(frozen=True)
class Typed:
    """A checked tree: its result shape and the 2-D shape of every node (by ``id``)."""

    node: Node
    shape: tuple[int, ...]
    node_shapes: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    indices: Mapping[str, int] | None = None


def check(
    node: Node,
    variables: Mapping[str, tuple[int, int]],
    *,
    expected: tuple[int, int] | None = None,
    indices: Mapping[str, int] | None = None,
) -> Typed:
    raise NotImplementedError
