"""Pages whose text is the same for every learner, rendered once: the learner's part per request.

A lesson page is mostly the lesson: its prose with every formula turned into MathML
(``app.web.mathml``), which is most of the work of a response. Only one block of it (the
exercises with the learner's progress on each) differs between learners. A
:class:`FrameCache` renders the page once with a marker in place of that block (the
*frame*) and, per request, renders the block alone (the htmx template-fragments idea) and
puts it in place of the marker: the same bytes as rendering the whole page.

What a frame may depend on is checked, not assumed:

- its key (the lesson, exam mode) and the templates it was rendered from. The
  :class:`TrackingEnvironment` notes every template a render loads; a frame is used only
  while asking the environment for the same names gives the same template objects, and
  Jinja reloads a template whose file changed on disk, so an edited lesson shows at once.
- the request only through ``request.app`` (``offered()`` reads the app's settings): the
  frame is rendered with a :class:`SharedRequest`, which refuses anything else a template
  could read of the request (cookies, the learner, headers), so nothing of one learner can
  end up in a page another learner is sent.

The block is rendered from the same template on every request, with the learner's data
and the real request, so exercises an instructor just saved and the learner's latest
attempt show at once. MathML conversion of a page is a pass over its tags that keeps
state only inside elements; the block is whole elements between whitespace, so converting
it alone gives what converting it inside the page gives.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2

from app.web.mathml import mathml_page

MARKER = "<!-- jtutor: the learner's part -->"

TemplateName = str | tuple[str, ...]
"""A template's name, or the names of a ``{% include [a, b] %}`` in the order tried."""

_loads: ContextVar[dict[TemplateName, jinja2.Template] | None] = ContextVar(
    "jtutor_template_loads", default=None
)


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that can tell which templates a render loaded."""

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        template = super().get_template(name, parent, globals)
        noted = _loads.get()
        if noted is not None and isinstance(name, str):
            noted[name if parent is None else self.join_path(name, parent)] = template
        return template

    def select_template(
        self,
        names: Any,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        template = super().select_template(names, parent, globals)
        noted = _loads.get()
        if noted is not None and all(isinstance(n, str) for n in names):
            noted[tuple(self.join_path(n, parent) if parent else n for n in names)] = template
        return template

    @contextmanager
    def noting_loads(self) -> Iterator[dict[TemplateName, jinja2.Template]]:
        """The templates loaded inside the ``with`` block, by the name they were asked by."""
        noted: dict[TemplateName, jinja2.Template] = {}
        token = _loads.set(noted)
        try:
            yield noted
        finally:
            _loads.reset(token)

    def current(self, name: TemplateName) -> jinja2.Template | None:
        """What asking for ``name`` gives now (Jinja reloads a changed file), or None."""
        try:
            if isinstance(name, tuple):
                return super().select_template(list(name))
            return super().get_template(name)
        except jinja2.TemplateNotFound:
            return None


class LearnerDataInSharedPart(RuntimeError):
    """A template read something of the request in the part of a page every learner shares."""


class SharedRequest:
    """The request as the shared part of a page may see it: the app, nothing of the caller.

    Jinja turns a missing attribute into an empty value; this raises instead, so a template
    that starts showing something of the learner outside the learner's block fails loudly.
    """

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        raise LearnerDataInSharedPart(
            f"request.{name} read in a part of the page shared by every learner; "
            "move it into the learner's block"
        )


@dataclass(frozen=True)
class Frame:
    """A page rendered with :data:`MARKER` in place of the learner's block, split there."""

    before: str
    after: str
    loaded: Mapping[TemplateName, jinja2.Template]

    def is_current(self, env: TrackingEnvironment) -> bool:
        return all(env.current(name) is template for name, template in self.loaded.items())


class FrameCache:
    """The frames of one app's pages, by (template, block, key)."""

    def __init__(self) -> None:
        self._frames: dict[tuple[str, str, Hashable], Frame] = {}
        self._lock = threading.Lock()

    def page(
        self,
        env: jinja2.Environment,
        request: Any,
        *,
        template: str,
        block: str,
        key: Hashable,
        shared: Mapping[str, Any],
        learner: Mapping[str, Any],
    ) -> str:
        """``template`` rendered with ``shared`` and ``learner`` (and ``request``), as
        ``env.get_template(template).render(...)`` would render it; only ``block`` may read
        ``learner`` or the request, and ``key`` must tell apart everything else the shared
        part depends on (``shared`` is read only when the frame is rendered)."""
        if not isinstance(env, TrackingEnvironment):
            raise TypeError("frames need the templates of app.web.rendering.make_templates")
        frame = self._frame(
            env, request.app, template=template, block=block, key=key, shared=shared
        )
        page_template = env.get_template(template)
        context = page_template.new_context({**shared, **learner, "request": request})
        part = mathml_page("".join(page_template.blocks[block](context)))
        return frame.before + part + frame.after

    def _frame(
        self,
        env: TrackingEnvironment,
        app: Any,
        *,
        template: str,
        block: str,
        key: Hashable,
        shared: Mapping[str, Any],
    ) -> Frame:
        slot = (template, block, key)
        frame = self._frames.get(slot)
        if frame is not None and frame.is_current(env):
            return frame
        if block not in env.get_template(template).blocks:
            raise ValueError(f"{template} has no block {block!r}")
        source = f"{{% extends {template!r} %}}{{% block {block} %}}{MARKER}{{% endblock %}}"
        with env.noting_loads() as loaded:
            rendered = env.from_string(source).render({**shared, "request": SharedRequest(app)})
        before, _, after = rendered.partition(MARKER)
        if MARKER in after:
            raise ValueError(f"{template} renders {block!r} more than once, or the marker itself")
        frame = Frame(before=before, after=after, loaded=dict(loaded))
        with self._lock:
            self._frames[slot] = frame
        return frame
