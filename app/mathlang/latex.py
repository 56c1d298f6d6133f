"""PLACEHOLDER until the LaTeX printer lands."""

from app.mathlang.ast import Node


def to_latex(node: Node) -> str:
    raise NotImplementedError
