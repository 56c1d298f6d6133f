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


def exercise_progress(database: Database, learner_id: str) -> dict[str, ExerciseProgress]:
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


def totals(rows: list[LessonProgress]) -> dict[str, Any]:
    exercises = sum(r.exercises for r in rows)
    solved = sum(r.solved for r in rows)
    return {
        "exercises": exercises,
        "solved": solved,
        "percent": round(100 * solved / exercises) if exercises else 0,
    }
