"""Exercise versions: every distinct content of an exercise gets the next version number.

An attempt records the version and content hash it was graded against, so an attempt made
before an edit stays attached to the exercise as it was then: dashboards and the CSV group
by version. The hash is over a canonical JSON form of the exercise (key order and
whitespace do not make a new version; any change of meaning does).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.store.models import Base, utcnow


class ExerciseVersion(Base):
    __tablename__ = "exercise_versions"
    __table_args__ = (
        UniqueConstraint("exercise_id", "version", name="uq_exercise_versions_number"),
        UniqueConstraint("exercise_id", "content_hash", name="uq_exercise_versions_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    yaml_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the exercise's canonical JSON (sorted keys, no insignificant spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def version_for(
    session: Session, *, exercise_id: str, content: dict[str, Any], yaml_text: str | None = None
) -> tuple[int, str]:
    """The (version, hash) of this content, recording it as a new version if it is new.

    Content seen before (an edit reverted) gets its old number back rather than a new one.
    Two processes recording the same new content at once both end with the same number.
    """
    digest = content_hash(content)
    for _ in range(3):
        try:
            with session.begin_nested():
                return _version_for(session, exercise_id, digest, yaml_text)
        except IntegrityError:
            # Another process recorded this content (or took this number) first: read again.
            continue
    return _version_for(session, exercise_id, digest, yaml_text)


def _version_for(
    session: Session, exercise_id: str, digest: str, yaml_text: str | None
) -> tuple[int, str]:
    known = session.scalar(
        select(ExerciseVersion.version).where(
            ExerciseVersion.exercise_id == exercise_id, ExerciseVersion.content_hash == digest
        )
    )
    if known is not None:
        return known, digest
    latest = session.scalar(
        select(func.max(ExerciseVersion.version)).where(ExerciseVersion.exercise_id == exercise_id)
    )
    number = (latest or 0) + 1
    session.add(
        ExerciseVersion(
            exercise_id=exercise_id, version=number, content_hash=digest, yaml_text=yaml_text
        )
    )
    session.flush()
    return number, digest


def versions_of(session: Session, *, exercise_id: str) -> list[ExerciseVersion]:
    return list(
        session.scalars(
            select(ExerciseVersion)
            .where(ExerciseVersion.exercise_id == exercise_id)
            .order_by(ExerciseVersion.version)
        )
    )
