"""What a validated launch changes: the LMS user's account, their course and enrolment,
the line item their scores go to, and the tool page the browser lands on.

A resource link's ``target_link_uri`` must be a tool page (``/exercises/{id}`` or
``/assignments/{id}``); the custom parameters ``exercise_id`` / ``assignment_id`` (set by
the deep-linking response) name it too, for platforms that launch every link at one URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from app.lti.tokens import AGS_SCOPE_SCORE, Launch
from app.store import courses
from app.store import lti as store

TARGET = re.compile(r"^/(exercises|assignments)/([A-Za-z0-9][A-Za-z0-9_.\-]{0,199})/?$")


@dataclass(frozen=True)
class Target:
    kind: str  # "exercises" | "assignments" | "home"
    ident: str

    @property
    def path(self) -> str:
        return "/" if self.kind == "home" else f"/{self.kind}/{self.ident}"


def target_of(launch: Launch) -> Target:
    """The tool page a resource link opens (home when it names none)."""
    if launch.custom.get("assignment_id"):
        return Target("assignments", str(launch.custom["assignment_id"]))
    if launch.custom.get("exercise_id"):
        return Target("exercises", str(launch.custom["exercise_id"]))
    found = TARGET.match(unquote(urlsplit(launch.target_link_uri or "").path))
    return Target(found.group(1), found.group(2)) if found else Target("home", "")


@dataclass(frozen=True)
class Landed:
    learner_id: str
    account_id: int
    course_id: int | None
    target: Target


def record_launch(session: Session, *, platform_id: int, launch: Launch) -> Landed:
    """The account, course, enrolment and line item of a launch (made on first sight)."""
    account = courses.lti_account(
        session, platform_id=platform_id, subject=launch.subject, display_name=launch.name
    )
    course_id = None
    if launch.context_id is not None:
        course = courses.lti_course(
            session,
            platform_id=platform_id,
            context_id=launch.context_id,
            title=launch.context_title or "",
        )
        course_id = course.id
        role = "instructor" if launch.is_instructor else "learner"
        courses.enrol(session, course_id=course.id, account_id=account.id, role=role)
    target = target_of(launch)
    if launch.lineitem and AGS_SCOPE_SCORE in launch.ags_scopes and target.kind != "home":
        assignment_id = None
        if target.kind == "assignments" and target.ident.isdigit():
            found = session.get(courses.Assignment, int(target.ident))
            assignment_id = found.id if found is not None else None
        item = store.line_item(
            session,
            platform_id=platform_id,
            url=launch.lineitem,
            exercise_id=target.ident if target.kind == "exercises" else None,
            assignment_id=assignment_id,
        )
        store.link_line_item(session, account_id=account.id, line_item_id=item.id)
    return Landed(account.learner_id, account.id, course_id, target)
