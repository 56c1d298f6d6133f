"""Pieces of the launch that need no platform: where a launch lands, the login redirect,
the score body and URL, the tool's public address behind a TLS-terminating proxy."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from app.lti.launch import Target, target_of
from app.lti.oidc import LoginRefused, authorisation_redirect, read_login
from app.lti.scores import backoff, score_body, scores_url
from app.lti.tokens import Launch


def _launch(target: str | None, **custom: str) -> Launch:
    return Launch(
        claims={},
        message_type="LtiResourceLinkRequest",
        subject="u",
        deployment_id="d",
        name="U",
        roles=(),
        context_id=None,
        context_title=None,
        target_link_uri=target,
        custom=dict(custom),
    )


def test_a_launch_lands_on_the_tool_page_its_target_or_custom_parameter_names() -> None:
    assert target_of(_launch("https://t.example/exercises/u03-core-wx")) == Target(
        "exercises", "u03-core-wx"
    )
    assert target_of(_launch("https://t.example/assignments/12/")) == Target("assignments", "12")
    assert target_of(_launch("https://t.example/lti/launch", assignment_id="5")).path == (
        "/assignments/5"
    )
    assert target_of(_launch("https://t.example/lti/launch", exercise_id="x")).path == (
        "/exercises/x"
    )
    for elsewhere in ("https://t.example/admin", "https://t.example/exercises/a/b", None):
        assert target_of(_launch(elsewhere)).path == "/"


def test_the_login_redirect_is_the_specified_authentication_request() -> None:
    login = read_login(
        {"iss": "https://lms", "login_hint": "h", "target_link_uri": "/x", "lti_message_hint": "m"}
    )
    url = authorisation_redirect(
        auth_url="https://lms/auth?tenant=3",
        client_id="c",
        redirect_uri="https://tool/lti/launch",
        login=login,
        state="s",
        nonce="n",
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query == {
        "tenant": "3",
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": "c",
        "redirect_uri": "https://tool/lti/launch",
        "login_hint": "h",
        "lti_message_hint": "m",
        "state": "s",
        "nonce": "n",
    }
    for missing in ("iss", "login_hint", "target_link_uri"):
        params = {"iss": "i", "login_hint": "h", "target_link_uri": "t"}
        del params[missing]
        with pytest.raises(LoginRefused):
            read_login(params)


def test_scores_go_to_the_line_items_scores_path_with_the_specified_fields() -> None:
    assert (
        scores_url("https://lms/c/7/lineitems/3?type=x")
        == "https://lms/c/7/lineitems/3/scores?type=x"
    )
    body = score_body(subject="u", given=1.0, maximum=1.0, at=datetime(2026, 1, 2, tzinfo=UTC))
    assert body == {
        "userId": "u",
        "scoreGiven": 1.0,
        "scoreMaximum": 1.0,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-01-02T00:00:00.000+00:00",
    }
    assert score_body(subject="u", given=0, maximum=2, at=datetime.now(UTC))[
        "activityProgress"
    ] == ("InProgress")
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff(30).total_seconds() == 3600
