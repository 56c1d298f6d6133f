"""LTI 1.3 end to end: a simulated platform against a real ``jtutor serve``.

Launch (login initiation by GET and POST, id_token form post, landing signed in as the LMS
user), deep linking (picker, signed response verified by the platform with the tool's
JWKS), score passback (client-credentials token, score posted to the line item), and the
forged launches the tool must refuse.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

import httpx
import pytest

from app.lti import keys
from tests.lti.platform import DL_CLAIM, Browser, Message, Platform

EXERCISE = "u03-core-wx"
RIGHT, WRONG = "W", "W^T"


def _subject() -> str:
    return "lms-user-" + secrets.token_hex(4)


def _attempts(browser: Browser, tool: str) -> list[dict[str, Any]]:
    response = browser.client.get(f"{tool}/api/v1/attempts")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["attempts"]
    return rows


def _answer(browser: Browser, tool: str, answer: str) -> None:
    page = browser.client.get(f"{tool}/exercises/{EXERCISE}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    seed = re.search(r'name="seed" value="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    graded = browser.client.post(
        f"{tool}/exercises/{EXERCISE}/submit",
        data={"answer": answer, "seed": seed, "csrf_token": token},
    )
    assert graded.status_code == 200, graded.text


def _wait_for(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_resource_link_lands_on_its_exercise_signed_in_as_the_lms_user(
    platform: Platform, method: str
) -> None:
    subject = _subject()
    claims = platform.resource_link(subject=subject, target_path=f"/exercises/{EXERCISE}")
    first = Browser()
    landed, _ = first.launch(platform, Message(claims), method=method)
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == f"/exercises/{EXERCISE}"
    assert "jtutor_learner=" in landed.headers["set-cookie"]
    page = first.client.get(platform.tool_url + landed.headers["location"])
    assert page.status_code == 200 and "The Jacobian of y = Wx" in page.text
    _answer(first, platform.tool_url, RIGHT)
    assert [a["verdict"] for a in _attempts(first, platform.tool_url)] == ["correct"]

    # The same LMS user launching from another browser is the same learner.
    second = Browser()
    again, _ = second.launch(platform, Message(claims))
    assert again.status_code == 303
    assert [a["verdict"] for a in _attempts(second, platform.tool_url)] == ["correct"]
    # Another LMS user is not.
    other = Browser()
    other_claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    assert other.launch(platform, Message(other_claims))[0].status_code == 303
    assert _attempts(other, platform.tool_url) == []


def test_a_graded_attempt_posts_its_score_to_the_line_item(platform: Platform) -> None:
    subject = _subject()
    lineitem = platform.lineitem(int(secrets.randbelow(10_000)) + 2)
    claims = platform.resource_link(
        subject=subject, target_path=f"/exercises/{EXERCISE}", lineitem=lineitem
    )
    browser = Browser()
    assert browser.launch(platform, Message(claims))[0].status_code == 303
    path = "/" + lineitem.split("/", 3)[3].split("?")[0] + "/scores"

    def mine() -> list[dict[str, Any]]:
        return [s for s in platform.scores if s["userId"] == subject]

    _answer(browser, platform.tool_url, WRONG)
    _wait_for(lambda: len(mine()) == 1)
    _answer(browser, platform.tool_url, RIGHT)
    _wait_for(lambda: len(mine()) == 2)
    wrong, right = mine()
    assert (wrong["scoreGiven"], wrong["scoreMaximum"]) == (0.0, 1.0)
    assert (right["scoreGiven"], right["scoreMaximum"]) == (1.0, 1.0)
    assert right["path"] == path
    assert right["activityProgress"] == "Completed"
    assert right["gradingProgress"] == "FullyGraded"
    assert right["timestamp"] >= wrong["timestamp"]
    assert platform.token_requests, "no client-credentials token was asked for"
    assert not platform.refusals, platform.refusals


def test_deep_linking_returns_a_signed_response_with_the_chosen_exercise(
    platform: Platform,
) -> None:
    browser = Browser()
    picker, _ = browser.launch(platform, Message(platform.deep_linking(subject=_subject())))
    assert picker.status_code == 200, picker.text
    assert f'value="{EXERCISE}"' in picker.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', picker.text).group(1)  # type: ignore[union-attr]
    chosen = browser.client.post(
        platform.tool_url + "/lti/deep-link", data={"ticket": ticket, "exercise": EXERCISE}
    )
    assert chosen.status_code == 200, chosen.text
    action = re.search(r'<form method="post" action="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    jwt_value = re.search(r'name="JWT" value="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    assert action == f"{platform.url}/deep-link-return"
    assert "form-action 'self' " + platform.url in chosen.headers["content-security-policy"]
    returned = httpx.post(action, data={"JWT": jwt_value}, timeout=30)
    assert returned.status_code == 200
    claims = platform.deep_link_returns[-1]
    assert claims["iss"] == platform.client_id and claims["aud"] == platform.issuer
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == (
        "LtiDeepLinkingResponse"
    )
    assert claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == (
        platform.deployment_id
    )
    assert claims[DL_CLAIM + "data"] == "platform-opaque-42"
    (item,) = claims[DL_CLAIM + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == f"{platform.tool_url}/exercises/{EXERCISE}"
    assert item["lineItem"]["scoreMaximum"] == 1

    # The placed link launches onto the exercise.
    launched = Browser().launch(
        platform,
        Message(platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")),
    )[0]
    assert launched.headers["location"] == f"/exercises/{EXERCISE}"


def _refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403, (response.status_code, response.text[:500])
    assert "location" not in response.headers
    assert "jtutor_learner=" not in response.headers.get("set-cookie", "")
    assert reason in response.text, response.text[:2000]


def test_a_token_signed_with_another_key_is_refused(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    forged = Message(claims, pem=keys.new_private_pem())
    _refused(Browser().launch(platform, forged)[0], "signature does not verify")


def test_a_token_for_another_tool_is_refused(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    other = Message(claims, overrides={"aud": "some-other-tool", "azp": "some-other-tool"})
    _refused(Browser().launch(platform, other)[0], "not addressed to this tool")


def test_an_expired_token_is_refused(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    now = int(time.time())
    stale = Message(claims, overrides={"iat": now - 900, "exp": now - 600})
    _refused(Browser().launch(platform, stale)[0], "expired")


def test_a_replayed_launch_is_refused(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    browser = Browser()
    first, form = browser.launch(platform, Message(claims))
    assert first.status_code == 303
    # The same form post again (state and nonce already spent) ...
    again = browser.client.post(platform.tool_url + "/lti/launch", data=form)
    _refused(again, "state is unknown, used or expired")
    # ... and the captured id_token under a fresh login's state (its nonce is not that login's).
    hint = platform.prepare(Message(claims))
    started = browser.client.get(
        platform.tool_url + "/lti/login",
        params={
            "iss": platform.issuer,
            "login_hint": "x",
            "target_link_uri": platform.tool_url + f"/exercises/{EXERCISE}",
            "lti_message_hint": hint,
        },
    )
    state = re.search(r"[?&]state=([^&]+)", started.headers["location"]).group(1)  # type: ignore[union-attr]
    replayed = browser.client.post(
        platform.tool_url + "/lti/launch", data={"id_token": form["id_token"], "state": state}
    )
    _refused(replayed, "nonce")


def test_a_wrong_deployment_or_unknown_platform_is_refused(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "unregistered"
    _refused(Browser().launch(platform, Message(claims))[0], "deployment id is not registered")
    unknown = httpx.get(
        platform.tool_url + "/lti/login",
        params={"iss": "https://nobody.example", "login_hint": "x", "target_link_uri": "/"},
    )
    assert unknown.status_code == 403 and "not registered" in unknown.text


def test_an_assignment_link_posts_the_exercises_solved_of_the_assignment(
    platform: Platform, lti_database: str
) -> None:
    from app.store import Database
    from app.store import courses as course_store

    database = Database(lti_database)
    try:
        with database.write() as session:
            course = course_store.create_course(session, title="Placed", owner_id=None)
            assignment = course_store.create_assignment(
                session,
                course_id=course.id,
                title="Two Jacobians",
                exercise_ids=[EXERCISE, "u03-wx-plus-b"],
            )
            assignment_id = assignment.id
    finally:
        database.dispose()
    subject = _subject()
    lineitem = platform.lineitem(50_000 + assignment_id)
    claims = platform.resource_link(
        subject=subject, target_path=f"/assignments/{assignment_id}", lineitem=lineitem
    )
    browser = Browser()
    landed = browser.launch(platform, Message(claims))[0]
    assert landed.headers["location"] == f"/assignments/{assignment_id}"
    page = browser.client.get(platform.tool_url + landed.headers["location"])
    assert "Two Jacobians" in page.text and page.text.count("Not started") == 2
    _answer(browser, platform.tool_url, RIGHT)
    _wait_for(lambda: any(s["userId"] == subject for s in platform.scores))
    (score,) = [s for s in platform.scores if s["userId"] == subject]
    assert (score["scoreGiven"], score["scoreMaximum"]) == (1.0, 2.0)
    assert score["activityProgress"] == "InProgress"


def test_a_platform_that_rotates_its_key_is_followed(platform: Platform) -> None:
    claims = platform.resource_link(subject=_subject(), target_path=f"/exercises/{EXERCISE}")
    assert Browser().launch(platform, Message(claims))[0].status_code == 303  # key set cached
    platform.pem = keys.new_private_pem()  # rotated, under the same kid
    time.sleep(1.2)  # past the refetch interval
    assert Browser().launch(platform, Message(claims))[0].status_code == 303
    platform.kid = "platform-key-2"  # rotated under a new kid
    platform.pem = keys.new_private_pem()
    time.sleep(1.2)
    assert Browser().launch(platform, Message(claims))[0].status_code == 303


def test_deep_linking_leaves_out_line_items_a_platform_does_not_accept(
    platform: Platform,
) -> None:
    claims = platform.deep_linking(subject=_subject())
    claims[DL_CLAIM + "deep_linking_settings"]["accept_lineitem"] = False
    browser = Browser()
    picker, _ = browser.launch(platform, Message(claims))
    ticket = re.search(r'name="ticket" value="([^"]+)"', picker.text).group(1)  # type: ignore[union-attr]
    chosen = browser.client.post(
        platform.tool_url + "/lti/deep-link", data={"ticket": ticket, "exercise": EXERCISE}
    )
    jwt_value = re.search(r'name="JWT" value="([^"]+)"', chosen.text).group(1)  # type: ignore[union-attr]
    returned = platform.verify_tool_jwt(jwt_value, audience=platform.issuer)
    (item,) = returned[DL_CLAIM + "content_items"]
    assert item["url"] == f"{platform.tool_url}/exercises/{EXERCISE}" and "lineItem" not in item
