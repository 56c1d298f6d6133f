"""PLACEHOLDER until the grammar lands: the parser of the expression language."""

from app.mathlang.ast import Node


def parse(text: str) -> Node:
    raise NotImplementedError
