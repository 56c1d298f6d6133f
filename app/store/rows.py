"""Lookup-or-create, the one way the store finds a row by its natural key or makes it.

Courses, enrolments, staff, LMS accounts, platforms, deployments, line items and launch
links are all "the row with this key, made if missing"; writing that once keeps the flush
(so the new row has its id) and the key handling the same everywhere.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Base

Row = TypeVar("Row", bound=Base)


def find_or_add(
    session: Session, model: type[Row], key: dict[str, Any], **values: Any
) -> tuple[Row, bool]:
    """The row of ``model`` whose columns equal ``key``, or a new one with ``key`` and
    ``values`` (flushed, so its id is known); the flag says whether it was made now."""
    row = session.scalar(select(model).filter_by(**key).limit(1))
    if row is not None:
        return row, False
    row = model(**key, **values)
    session.add(row)
    session.flush()
    return row, True
