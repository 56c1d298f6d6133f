"""A learner's progress, per exercise and per lesson, for the pages that show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.bank.curriculum import LESSONS, Lesson
from app.store import Database, ExerciseProgress, progress
from app.web.catalogue import Catalogue


@dataclass(frozen=True)
class LessonProgress:
    lesson: Lesson
    exercises: int
    solved: int
    attempted: int

    @property
    def percent(self) -> int:
        return round(100 * self.solved / self.exercises) if self.exercises else 0


def exercise_progress(
    database: Database, learner_id: str, *, new_learner: bool = False
) -> dict[str, ExerciseProgress]:
    """``new_learner``: the id was drawn for this request (no cookie came with it), so it
    has no attempts and the database is not asked."""
    if new_learner:
        return {}
    with database.read() as session:
        return progress(session, learner_id=learner_id)


def lessons_progress(
    catalogue: Catalogue, per_exercise: dict[str, ExerciseProgress]
) -> list[LessonProgress]:
    out = []
    for lesson in LESSONS:
        ids = [exercise.id for exercise in catalogue.exercises(lesson.slug)]
        touched = [per_exercise[i] for i in ids if i in per_exercise]
        out.append(
            LessonProgress(
                lesson=lesson,
                exercises=len(ids),
                solved=sum(1 for p in touched if p.solved),
                attempted=len(touched),
            )
        )
    return out


@dataclass(frozen=True)
class LessonExercises:
    """One lesson's exercises with the learner's progress on each (the ``/exercises`` index)."""

    lesson: Lesson
    exercises: list[tuple[Any, ExerciseProgress | None]]


def exercise_index(
    catalogue: Catalogue, per_exercise: dict[str, ExerciseProgress]
) -> list[LessonExercises]:
    """The bank by lesson, in the curriculum's order, each exercise listed once."""
    out = []
    for lesson in LESSONS:
        seen: set[str] = set()
        rows = []
        for exercise in catalogue.exercises(lesson.slug):
            if exercise.id not in seen:
                seen.add(exercise.id)
                rows.append((exercise, per_exercise.get(exercise.id)))
        out.append(LessonExercises(lesson=lesson, exercises=rows))
    return out


def next_exercise(
    catalogue: Catalogue, current_id: str, per_exercise: dict[str, ExerciseProgress]
) -> Any | None:
    """Where to go after solving ``current_id``: the first unsolved exercise after it in the
    curriculum's order (wrapping round), or simply the one after it when all are solved."""
    ordered = [e for group in exercise_index(catalogue, {}) for e, _ in group.exercises]
    ids = [e.id for e in ordered]
    if current_id not in ids or len(ordered) < 2:
        return None
    start = ids.index(current_id) + 1
    following = ordered[start:] + ordered[: start - 1]
    for exercise in following:
        found = per_exercise.get(exercise.id)
        if found is None or not found.solved:
            return exercise
    return following[0]


def totals(rows: list[LessonProgress]) -> dict[str, Any]:
    exercises = sum(r.exercises for r in rows)
    solved = sum(r.solved for r in rows)
    return {
        "exercises": exercises,
        "solved": solved,
        "percent": round(100 * solved / exercises) if exercises else 0,
    }
