"""The frame cache on templates of its own: what it reuses, what makes it render again, and
what it refuses to share between learners."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pytest

from app.web.page_frames import FrameCache, LearnerDataInSharedPart
from app.web.rendering import make_templates


@dataclass
class FakeRequest:
    app: Any
    who: str


def templates_in(folder: Path, files: dict[str, str]) -> jinja2.Environment:
    for name, text in files.items():
        write(folder / name, text)
    return make_templates(folder).env


def write(path: Path, text: str) -> None:
    """Write ``text`` with a modification time Jinja cannot mistake for an earlier one."""
    stamp = path.stat().st_mtime + 10 if path.exists() else 1_000_000.0
    path.write_text(text)
    os.utime(path, (stamp, stamp))


def page(cache: FrameCache, env: jinja2.Environment, who: str, **shared: Any) -> str:
    return cache.page(
        env,
        FakeRequest(app=None, who=who),
        template="page.html",
        block="mine",
        key="k",
        shared=shared,
        learner={"count": len(who)},
    )


def test_the_block_is_rendered_per_request_and_the_rest_once(tmp_path: Path) -> None:
    env = templates_in(
        tmp_path,
        {
            "page.html": "<h1>{{ title }}</h1>"
            "{% block mine %}<p>{{ request.who }} {{ count }}</p>{% endblock %}"
        },
    )
    cache = FrameCache()
    assert page(cache, env, "ann", title="One") == "<h1>One</h1><p>ann 3</p>"
    assert page(cache, env, "bo", title="Two") == "<h1>One</h1><p>bo 2</p>"  # the frame stays


def test_a_changed_template_is_rendered_again(tmp_path: Path) -> None:
    env = templates_in(
        tmp_path,
        {
            "page.html": '{% extends "base.html" %}{% block body %}{% include "part.html" %}'
            "{% block mine %}{{ request.who }}{% endblock %}{% endblock %}",
            "base.html": "<main>{% block body %}{% endblock %}</main>",
            "part.html": "<p>old</p>",
        },
    )
    cache = FrameCache()
    assert page(cache, env, "ann") == "<main><p>old</p>ann</main>"
    write(tmp_path / "part.html", "<p>new</p>")
    assert page(cache, env, "ann") == "<main><p>new</p>ann</main>"
    write(tmp_path / "base.html", "<body>{% block body %}{% endblock %}</body>")
    assert page(cache, env, "ann") == "<body><p>new</p>ann</body>"


def test_a_template_that_appears_ahead_in_an_include_list_is_used(tmp_path: Path) -> None:
    env = templates_in(
        tmp_path,
        {
            "page.html": "{% include ['first.html', 'fallback.html'] %}"
            "{% block mine %}{% endblock %}",
            "fallback.html": "fallback",
        },
    )
    cache = FrameCache()
    assert page(cache, env, "ann") == "fallback"
    write(tmp_path / "first.html", "first")
    assert page(cache, env, "ann") == "first"


def test_formulas_become_mathml_in_the_frame_and_in_the_block(tmp_path: Path) -> None:
    text = "<p>\\(x^2\\)</p>{% block mine %}<p>\\(y_{{ count }}\\)</p>{% endblock %}<p>$z$</p>"
    env = templates_in(tmp_path, {"page.html": text})
    whole = env.get_template("page.html").render(count=3, request=None)
    assert whole.count("<math") == 3
    assert page(FrameCache(), env, "ann") == whole


def test_the_shared_part_may_not_read_the_request(tmp_path: Path) -> None:
    env = templates_in(
        tmp_path,
        {"page.html": "<p>{{ request.who }}</p>{% block mine %}{% endblock %}"},
    )
    with pytest.raises(LearnerDataInSharedPart, match=r"request\.who"):
        page(FrameCache(), env, "ann")


def test_a_template_without_the_block_or_with_it_twice_is_refused(tmp_path: Path) -> None:
    env = templates_in(tmp_path, {"page.html": "<p>{% block other %}{% endblock %}</p>"})
    with pytest.raises(ValueError, match="no block 'mine'"):
        page(FrameCache(), env, "ann")
    write(tmp_path / "page.html", "{% block mine %}{% endblock %}{{ self.mine() }}")
    with pytest.raises(ValueError, match="more than once"):
        page(FrameCache(), env, "ann")
