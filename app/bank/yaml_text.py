"""YAML as exercise files and the authoring page write it, without anchors and aliases.

An exercise never needs ``&anchor``/``*alias``, and aliases let a file of a few hundred
bytes expand into gigabytes (the "billion laughs"): a loader that refuses them keeps a
hostile upload from stalling the server.
"""

from __future__ import annotations

from typing import Any

import yaml


class AliasRefused(yaml.YAMLError):
    """The text uses a YAML alias (``*name``), which exercise files may not."""

    def __init__(self, mark: Any) -> None:
        super().__init__("YAML anchors and aliases (&name, *name) are not allowed in exercises")
        self.problem_mark = mark


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
            raise AliasRefused(event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` that refuses aliases (``AliasRefused``, a ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_NoAliasLoader)
