"""YAML as exercise files and the authoring page write it, without anchors and aliases,
deep nesting or huge integers.

An exercise never needs ``&anchor``/``*alias``, and aliases let a file of a few hundred
bytes expand into gigabytes (the "billion laughs"): a loader that refuses them keeps a
hostile upload from stalling the server. An exercise is never nested more than a few
levels deep, and PyYAML composes nested collections recursively, so a few kilobytes of
``[`` would end in a ``RecursionError`` (a 500 and a traceback thousands of lines long);
nor does it need an integer of more than a few digits, and Python refuses to convert one
of more than 4,300 (``ValueError``). Each is refused here as a ``yaml.YAMLError`` with a
short message, which every caller already turns into a 4xx or a failed check.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlRefused(yaml.YAMLError):
    """Text refused for its shape, not a typo: no exercise is written like this, so the
    web app answers it with a 4xx rather than a check report."""


class AliasRefused(YamlRefused):
    """The text uses a YAML alias (``*name``), which exercise files may not."""

    def __init__(self, mark: Any) -> None:
        super().__init__("YAML anchors and aliases (&name, *name) are not allowed in exercises")
        self.problem_mark = mark


MAX_DEPTH = 32
"""Deepest nesting of collections accepted (an exercise file uses about 4)."""
MAX_INT_DIGITS = 100
"""Longest integer accepted, in characters."""


class TooDeep(YamlRefused):
    """The text nests collections deeper than :data:`MAX_DEPTH`."""

    def __init__(self, mark: Any) -> None:
        super().__init__(f"YAML nested more than {MAX_DEPTH} levels deep is not allowed")
        self.problem_mark = mark


class NumberTooLong(YamlRefused):
    """An integer of more than :data:`MAX_INT_DIGITS` characters."""

    def __init__(self, mark: Any) -> None:
        super().__init__(f"a number longer than {MAX_INT_DIGITS} digits is not allowed")
        self.problem_mark = mark


class _NoAliasLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
            raise AliasRefused(event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                start: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
                raise TooDeep(start.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        if len(str(node.value)) > MAX_INT_DIGITS:
            raise NumberTooLong(node.start_mark)
        return super().construct_yaml_int(node)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` that refuses aliases (``AliasRefused``), nesting deeper than
    :data:`MAX_DEPTH` (``TooDeep``) and integers longer than :data:`MAX_INT_DIGITS`
    (``NumberTooLong``), each a ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_NoAliasLoader)
