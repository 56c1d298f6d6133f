"""Learner accounts, courses, staff, join codes, enrolments and assignments.

An account owns exactly one learner id (the id the anonymous cookie carries), so an account
sees the history its learner id already had; signing up or in from an anonymous session
moves that session's attempts onto the account (:func:`merge_learner`). Accounts come from
a password (argon2 hash, hashed in ``app.web.auth`` as for instructors) or from an LTI
launch (platform + subject, no password). Join codes are random, unambiguous and unique.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

import app.store.lti  # noqa: F401  (the lti_platforms table the accounts refer to)
from app.store.attempts import ensure_learner
from app.store.instructors import Instructor, normalise_email
from app.store.models import Attempt, Base, Learner, utcnow
from app.store.rows import find_or_add

ID = BigInteger().with_variant(Integer, "sqlite")
# No 0/O, 1/I/L: codes are read aloud and typed from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class LearnerAccount(Base):
    __tablename__ = "learner_accounts"
    __table_args__ = (
        UniqueConstraint("lti_platform_id", "lti_subject", name="uq_learner_accounts_lti"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    learner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    lti_platform_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="SET NULL"), nullable=True
    )
    lti_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        UniqueConstraint("lti_platform_id", "lti_context_id", name="uq_courses_lti_context"),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    owner_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("instructors.id", ondelete="RESTRICT"), nullable=True
    )
    join_code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    lti_platform_id: Mapped[int | None] = mapped_column(
        ID, ForeignKey("lti_platforms.id", ondelete="SET NULL"), nullable=True
    )
    lti_context_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class CourseStaff(Base):
    __tablename__ = "course_staff"

    course_id: Mapped[int] = mapped_column(
        ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    instructor_id: Mapped[int] = mapped_column(
        ID, ForeignKey("instructors.id", ondelete="CASCADE"), primary_key=True
    )


class Enrolment(Base):
    __tablename__ = "enrolments"

    course_id: Mapped[int] = mapped_column(
        ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ID, ForeignKey("learner_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="learner")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ID, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    solution_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class AssignmentItem(Base):
    __tablename__ = "assignment_items"

    assignment_id: Mapped[int] = mapped_column(
        ID, ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(200), nullable=False)


class AccountExists(ValueError):
    """The e-mail address already has an account."""


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create_account(
    session: Session,
    *,
    learner_id: str,
    display_name: str,
    email: str | None = None,
    password_hash: str | None = None,
) -> LearnerAccount:
    """An account for the learner id the browser already carries (its history comes along)."""
    email = email.strip().lower() if email else None
    if email and session.scalar(select(LearnerAccount.id).where(LearnerAccount.email == email)):
        raise AccountExists(email)
    ensure_learner(session, learner_id=learner_id)
    if session.scalar(select(LearnerAccount).where(LearnerAccount.learner_id == learner_id)):
        # This browser's learner id already belongs to an account: start a fresh one.
        learner_id = secrets.token_urlsafe(24)
        ensure_learner(session, learner_id=learner_id)
    account = LearnerAccount(
        learner_id=learner_id,
        display_name=display_name.strip()[:100] or "Learner",
        email=email,
        password_hash=password_hash,
    )
    session.add(account)
    session.flush()
    return account


def account_by_email(session: Session, *, email: str) -> LearnerAccount | None:
    return session.scalar(
        select(LearnerAccount).where(LearnerAccount.email == email.strip().lower())
    )


def account_by_learner(session: Session, *, learner_id: str) -> LearnerAccount | None:
    return session.scalar(select(LearnerAccount).where(LearnerAccount.learner_id == learner_id))


def lti_account(
    session: Session, *, platform_id: int, subject: str, display_name: str
) -> LearnerAccount:
    """The account of an LMS user, made on their first launch (no password)."""
    key = {"lti_platform_id": platform_id, "lti_subject": subject}
    account = session.scalar(select(LearnerAccount).filter_by(**key))
    if account is not None:
        if display_name and account.display_name != display_name[:100]:
            account.display_name = display_name[:100]
        return account
    learner_id = secrets.token_urlsafe(24)
    ensure_learner(session, learner_id=learner_id)
    account, _ = find_or_add(
        session,
        LearnerAccount,
        key,
        learner_id=learner_id,
        display_name=(display_name or "LMS learner")[:100],
    )
    return account


def lti_course(session: Session, *, platform_id: int, context_id: str, title: str) -> Course:
    """The course of an LMS context, made on its first launch (no owner, its own code)."""
    course, made = find_or_add(
        session,
        Course,
        {"lti_platform_id": platform_id, "lti_context_id": context_id},
        title=(title or "LMS course").strip()[:200],
        join_code=new_join_code(session),
    )
    if not made and title and course.title != title.strip()[:200]:
        course.title = title.strip()[:200]
    return course


def merge_learner(session: Session, *, from_learner: str, into_learner: str) -> int:
    """Move an anonymous learner's attempts onto an account's learner id; returns how many.

    A learner id that belongs to another account is never merged away.
    """
    if from_learner == into_learner or account_by_learner(session, learner_id=from_learner):
        return 0
    if session.get(Learner, from_learner) is None:
        return 0
    moved = session.execute(
        update(Attempt)
        .where(Attempt.learner_id == from_learner)
        .values(learner_id=into_learner)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(moved, "rowcount", 0) or 0)


def new_join_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Course.id).where(Course.join_code == code)) is None:
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_course(session: Session, *, title: str, owner_id: int | None) -> Course:
    course = Course(title=title.strip()[:200], owner_id=owner_id, join_code=new_join_code(session))
    session.add(course)
    session.flush()
    return course


def course_by_code(session: Session, *, code: str) -> Course | None:
    return session.scalar(select(Course).where(Course.join_code == normalise_code(code)))


def add_staff(session: Session, *, course_id: int, instructor_id: int) -> None:
    find_or_add(session, CourseStaff, {"course_id": course_id, "instructor_id": instructor_id})


def is_staff(session: Session, *, course_id: int, instructor_id: int) -> bool:
    course = session.get(Course, course_id)
    if course is None:
        return False
    if course.owner_id == instructor_id:
        return True
    return session.get(CourseStaff, (course_id, instructor_id)) is not None


def staff_courses(session: Session, *, instructor_id: int) -> list[Course]:
    staffed = select(CourseStaff.course_id).where(CourseStaff.instructor_id == instructor_id)
    return list(
        session.scalars(
            select(Course)
            .where((Course.owner_id == instructor_id) | Course.id.in_(staffed))
            .order_by(Course.created_at, Course.id)
        )
    )


def enrol(session: Session, *, course_id: int, account_id: int, role: str = "learner") -> None:
    enrolment, made = find_or_add(
        session, Enrolment, {"course_id": course_id, "account_id": account_id}, role=role
    )
    if not made and enrolment.role != role:
        enrolment.role = role
        session.flush()


def roster(session: Session, *, course_id: int) -> list[tuple[LearnerAccount, str]]:
    rows = session.execute(
        select(LearnerAccount, Enrolment.role)
        .join(Enrolment, Enrolment.account_id == LearnerAccount.id)
        .where(Enrolment.course_id == course_id)
        .order_by(LearnerAccount.display_name, LearnerAccount.id)
    )
    return [(account, role) for account, role in rows]


def create_assignment(
    session: Session,
    *,
    course_id: int,
    title: str,
    exercise_ids: list[str],
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    attempts_allowed: int | None = None,
    solution_allowed: bool = True,
) -> Assignment:
    if attempts_allowed is not None and attempts_allowed < 1:
        raise ValueError("attempts allowed must be at least 1 (or left empty for no limit)")
    if opens_at and due_at and _utc(due_at) < _utc(opens_at):  # type: ignore[operator]
        raise ValueError("the due date is before the opening date")
    assignment = Assignment(
        course_id=course_id,
        title=title.strip()[:200],
        opens_at=opens_at,
        due_at=due_at,
        attempts_allowed=attempts_allowed,
        solution_allowed=solution_allowed,
    )
    session.add(assignment)
    session.flush()
    for position, exercise_id in enumerate(exercise_ids):
        session.add(
            AssignmentItem(assignment_id=assignment.id, position=position, exercise_id=exercise_id)
        )
    session.flush()
    return assignment


def assignment_exercises(session: Session, *, assignment_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AssignmentItem.exercise_id)
            .where(AssignmentItem.assignment_id == assignment_id)
            .order_by(AssignmentItem.position)
        )
    )


def course_assignments(session: Session, *, course_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.course_id == course_id).order_by(Assignment.id)
        )
    )


@dataclass(frozen=True)
class Window:
    """Whether an assignment takes answers at ``now``: open, not yet open, or past due."""

    state: str  # "open" | "not_open" | "closed"


def window(assignment: Assignment, now: datetime) -> Window:
    opens, due = _utc(assignment.opens_at), _utc(assignment.due_at)
    if opens is not None and now < opens:
        return Window("not_open")
    if due is not None and now > due:
        return Window("closed")
    return Window("open")


@dataclass(frozen=True)
class Cell:
    """One learner x one assignment: how many exercises right first time and in the end."""

    first_try: int
    final: int
    attempted: int
    total: int


def gradebook(
    session: Session, *, course_id: int
) -> tuple[list[Assignment], list[tuple[LearnerAccount, list[Cell]]]]:
    """Learners x assignments of a course, from the attempts made within each window."""
    assignments = course_assignments(session, course_id=course_id)
    learners = [
        account for account, role in roster(session, course_id=course_id) if role == "learner"
    ]
    rows = [
        (account, learner_cells(session, learner_id=account.learner_id, assignments=assignments))
        for account in learners
    ]
    return assignments, rows


@dataclass(frozen=True)
class ItemStatus:
    """One exercise of an assignment for one learner: tries counted, first and final right."""

    exercise_id: str
    tries: int
    first_try: bool
    solved: bool


def _counted_attempts(session: Session, learner_id: str) -> list[Attempt]:
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.learner_id == learner_id, Attempt.counted.is_(True))
            .order_by(Attempt.created_at, Attempt.id)
        )
    )


def _statuses(
    assignment: Assignment, items: list[str], attempts: list[Attempt]
) -> list[ItemStatus]:
    statuses = []
    for exercise_id in items:
        tries = [
            a
            for a in attempts
            if a.exercise_id == exercise_id and _in_window(assignment, a.created_at)
        ]
        if assignment.attempts_allowed is not None:
            tries = tries[: assignment.attempts_allowed]
        statuses.append(
            ItemStatus(
                exercise_id,
                len(tries),
                bool(tries) and tries[0].verdict == "correct",
                any(a.verdict == "correct" for a in tries),
            )
        )
    return statuses


def assignment_status(
    session: Session, *, learner_id: str, assignment: Assignment
) -> list[ItemStatus]:
    """Each exercise of the assignment for this learner, in the assignment's order: the
    attempts within its window, the first ``attempts_allowed`` of them."""
    items = assignment_exercises(session, assignment_id=assignment.id)
    return _statuses(assignment, items, _counted_attempts(session, learner_id))


def learner_cells(
    session: Session, *, learner_id: str, assignments: list[Assignment]
) -> list[Cell]:
    """One learner's cell of each assignment."""
    attempts = _counted_attempts(session, learner_id)
    cells = []
    for assignment in assignments:
        items = assignment_exercises(session, assignment_id=assignment.id)
        statuses = _statuses(assignment, items, attempts)
        cells.append(
            Cell(
                first_try=sum(s.first_try for s in statuses),
                final=sum(s.solved for s in statuses),
                attempted=sum(s.tries > 0 for s in statuses),
                total=len(items),
            )
        )
    return cells


def learner_courses(session: Session, *, account_id: int) -> list[Course]:
    return list(
        session.scalars(
            select(Course)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.account_id == account_id)
            .order_by(Course.title, Course.id)
        )
    )


def _in_window(assignment: Assignment, moment: datetime) -> bool:
    return window(assignment, _utc(moment) or moment).state == "open"


def course_staff(session: Session, *, course_id: int) -> list[tuple[str, str]]:
    """(e-mail, role) of the course's instructors: its owner first, then its staff."""
    course = session.get(Course, course_id)
    rows: list[tuple[str, str]] = []
    if course is not None and course.owner_id is not None:
        owner = session.get(Instructor, course.owner_id)
        if owner is not None:
            rows.append((owner.email, "owner"))
    staffed = session.scalars(
        select(Instructor.email)
        .join(CourseStaff, CourseStaff.instructor_id == Instructor.id)
        .where(CourseStaff.course_id == course_id)
        .order_by(Instructor.email)
    )
    rows.extend((email, "staff") for email in staffed if (email, "owner") not in rows)
    return rows


def may_edit_exercise(session: Session, *, author_email: str, instructor_id: int) -> bool:
    """Whether an instructor may edit or delete an exercise authored by ``author_email``:
    its author, or anyone on the staff of a course the author also teaches."""
    me = session.get(Instructor, instructor_id)
    if me is None:
        return False
    if normalise_email(me.email) == normalise_email(author_email):
        return True
    author = session.scalar(
        select(Instructor).where(Instructor.email == normalise_email(author_email))
    )
    if author is None:
        return False
    theirs = {c.id for c in staff_courses(session, instructor_id=author.id)}
    return any(c.id in theirs for c in staff_courses(session, instructor_id=instructor_id))


def solution_withheld(
    session: Session, *, learner_id: str, exercise_id: str, now: datetime
) -> Assignment | None:
    """An assignment of the learner's courses that has this exercise, does not allow its
    worked solution, and is not yet past due (None when the solution may be shown)."""
    account = account_by_learner(session, learner_id=learner_id)
    if account is None:
        return None
    candidates = session.scalars(
        select(Assignment)
        .join(AssignmentItem, AssignmentItem.assignment_id == Assignment.id)
        .join(Enrolment, Enrolment.course_id == Assignment.course_id)
        .where(
            Enrolment.account_id == account.id,
            AssignmentItem.exercise_id == exercise_id,
            Assignment.solution_allowed.is_(False),
        )
        .order_by(Assignment.id)
    )
    return next((a for a in candidates if window(a, now).state != "closed"), None)
