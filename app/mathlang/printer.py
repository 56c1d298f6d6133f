"""PLACEHOLDER until the printer lands."""

from app.mathlang.ast import Node


def to_text(node: Node) -> str:
    raise NotImplementedError
