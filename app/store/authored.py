"""Exercises authored in the browser: their YAML text, stored in the database.

The YAML is the exercise (the same format as a file in ``exercises/``), so an exported row
is a file ``jtutor check`` accepts and an imported file is a row. ``version`` grows with
every save: a server process keeps parsed exercises by ``(id, version)`` and so sees an
edit made through any other process at its next lookup.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.models import Base, utcnow


class AuthoredExercise(Base):
    __tablename__ = "authored_exercises"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    yaml_text: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    author_email: Mapped[str] = mapped_column(String(254), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def list_authored(session: Session) -> list[AuthoredExercise]:
    return list(session.scalars(select(AuthoredExercise).order_by(AuthoredExercise.id)))


def authored_versions(session: Session) -> dict[str, int]:
    """id -> version of every stored exercise (cheap: no YAML is read)."""
    query = select(AuthoredExercise.id, AuthoredExercise.version)
    return {exercise_id: int(version) for exercise_id, version in session.execute(query)}


def get_authored(session: Session, *, exercise_id: str) -> AuthoredExercise | None:
    return session.get(AuthoredExercise, exercise_id)


def create_authored(
    session: Session, *, exercise_id: str, yaml_text: str, author_email: str
) -> AuthoredExercise:
    """A new row; ``ValueError`` when the id is taken."""
    if session.get(AuthoredExercise, exercise_id) is not None:
        raise ValueError(f"an exercise {exercise_id!r} already exists")
    row = AuthoredExercise(
        id=exercise_id, yaml_text=yaml_text, version=1, author_email=author_email
    )
    session.add(row)
    session.flush()
    return row


def update_authored(
    session: Session, *, exercise_id: str, yaml_text: str, author_email: str
) -> AuthoredExercise | None:
    """Replace the YAML of an existing row (its id and its author, the exercise's owner,
    stay); None when there is no such row. ``author_email`` is who edited it (the route
    checks they may, :func:`app.store.courses.may_edit_exercise`)."""
    row = session.get(AuthoredExercise, exercise_id)
    if row is None:
        return None
    row.yaml_text = yaml_text
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    return row


def delete_authored(session: Session, *, exercise_id: str) -> bool:
    result = session.execute(delete(AuthoredExercise).where(AuthoredExercise.id == exercise_id))
    return bool(getattr(result, "rowcount", 0))
