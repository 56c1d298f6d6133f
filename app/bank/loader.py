"""Loading exercise files into a bank; a broken file is refused with its file and field.

``load_bank(*paths)`` reads files and folders (``*.yaml``/``*.yml``, sorted by name);
``default_bank()`` is the shipped ``exercises/`` folder, loaded once per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from app.bank.exercise import Exercise
from app.bank.schema import BankError, validate
from app.bank.yaml_text import load_yaml


def _shipped_exercises() -> Path:
    """Where the shipped bank lives: under ``JTUTOR_HOME`` when set (an installed package,
    as in the container image), else beside the package in a source checkout, else in
    the current directory."""
    home = os.environ.get("JTUTOR_HOME")
    if home:
        return Path(home) / "exercises"
    checkout = Path(__file__).resolve().parents[2] / "exercises"
    return checkout if checkout.is_dir() else Path.cwd() / "exercises"


EXERCISES_DIR = _shipped_exercises()
MAX_FILE_BYTES = 200_000


def load_exercise_text(yaml_text: str, source: str = "<browser>") -> Exercise:
    """Validate one exercise given as YAML text (a file's content or the authoring page's)."""
    if len(yaml_text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise BankError(source, "", f"the file is larger than {MAX_FILE_BYTES} bytes")
    try:
        data = load_yaml(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise BankError(source, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    return Exercise(validate(data, source))


def load_exercise_file(path: str | Path) -> Exercise:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError(str(path), "", f"cannot be read: {exc}") from exc
    return load_exercise_text(text, str(path))


def exercise_files(paths: Iterable[str | Path]) -> list[Path]:
    """The exercise files named by ``paths`` (folders are searched recursively)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        elif path.exists():
            files.append(path)
        else:
            raise BankError(str(path), "", "no such file or folder")
    return files


@dataclass
class Bank:
    exercises: list[Exercise] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {exercise.id: exercise for exercise in self.exercises}

    def get(self, exercise_id: str) -> Exercise | None:
        return self._by_id.get(exercise_id)

    def by_lesson(self, slug: str) -> list[Exercise]:
        return [exercise for exercise in self.exercises if exercise.lesson == slug]

    def __len__(self) -> int:
        return len(self.exercises)


def load_bank(*paths: str | Path) -> Bank:
    """Every exercise under ``paths``; raises :class:`BankError` on the first broken file
    or on a duplicate id (the app refuses to load a broken bank and says why)."""
    exercises: list[Exercise] = []
    seen: dict[str, str] = {}
    for path in exercise_files(paths or (EXERCISES_DIR,)):
        exercise = load_exercise_file(path)
        if exercise.id in seen:
            raise BankError(str(path), "id", f"{exercise.id!r} is also used by {seen[exercise.id]}")
        seen[exercise.id] = str(path)
        exercises.append(exercise)
    return Bank(exercises)


_default: Bank | None = None
_lock = threading.Lock()


def default_bank() -> Bank:
    """The shipped bank (``exercises/``), loaded once."""
    global _default
    with _lock:
        if _default is None:
            _default = load_bank(EXERCISES_DIR)
        return _default
