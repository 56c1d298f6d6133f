"""The running tutor: everything a route needs, built once by ``create_app`` from ``Settings``.

Routes receive it through the one dependency ``TutorDep`` (``app.web.deps``); nothing is
swapped or added later. Grading runs in the worker pool with the limits of the settings
(size, time, memory, DESIGN §10), passed to the pool when it is made; the pool itself is
started on the first grading, so the reading pages are up before the workers are.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

import anyio
from fastapi.templating import Jinja2Templates

from app.bank.selfcheck import CheckReport, check_exercise, check_text
from app.grading import Problem
from app.grading.result import GradeResult
from app.grading.worker import GradingPool, shared_pool
from app.lti.scores import ScoreSender, queue_for_attempt
from app.settings import Settings
from app.store import Database, record_attempt
from app.store.models import Attempt
from app.store.versions import version_for
from app.web.admission import Caller, Gate
from app.web.catalogue import AuthoredExercises, Catalogue, ExerciseBank, file_bank_loader
from app.web.checked_problems import CheckedProblem, CheckedProblems
from app.web.errors import BadInput, Unavailable
from app.web.offload import admitted, off_loop
from app.web.page_frames import FrameCache
from app.web.practice import record_evidence
from app.web.rendering import make_templates

log = logging.getLogger("jtutor.web")

P = ParamSpec("P")
T = TypeVar("T")


class Grader(Protocol):
    """What grading needs from the pool (``GradingPool``); tests may hand in their own."""

    def grade(self, problem: Problem, answer: str, seed: int | None = None) -> GradeResult: ...


@dataclass
class StartupCheck:
    """The self-check of every exercise, run once in the background when the app starts."""

    done: threading.Event = field(default_factory=threading.Event)
    failures: list[str] = field(default_factory=list)
    checked: int = 0


@dataclass
class Tutor:
    settings: Settings
    database: Database
    catalogue: Catalogue
    templates: Jinja2Templates
    make_pool: Callable[[], GradingPool]
    make_preview_pool: Callable[[], GradingPool]
    grading_gate: Gate
    parse_gate: Gate
    checked_problems: CheckedProblems
    grader_override: Grader | None = None
    startup_check: StartupCheck = field(default_factory=StartupCheck)
    score_sender: ScoreSender | None = None
    frames: FrameCache = field(default_factory=FrameCache)  # pages rendered once (page_frames)
    _started_pool: GradingPool | None = field(default=None, init=False, repr=False)

    async def grading_job(
        self,
        caller: Caller,
        func: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run work that occupies a grading worker (a grading, a derivation) in a thread,
        once the grading gate admits ``caller`` (429/503 with Retry-After otherwise)."""
        return await admitted(self.grading_gate, caller, func, *args, **kwargs)

    async def heavy_grading_job(
        self,
        caller: Caller,
        func: Callable[P, T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """As :meth:`grading_job`, for a problem the caller sized itself and that is not
        small (``app.web.problem_limits.is_heavy``): such jobs never take the last free
        grading worker, which stays for exercises' answers."""
        async with self.grading_gate.admit(caller, heavy=True):
            return await off_loop(func, *args, **kwargs)

    async def grade_checked(
        self,
        caller: Caller,
        checked: CheckedProblem,
        answer: str,
        seed: int | None,
        *,
        on_loop: bool,
    ) -> GradeResult:
        """A public problem's grading, admitted by the grading gate as :meth:`grading_job`
        (heavy problems as :meth:`heavy_grading_job`).

        ``on_loop`` (a small request) waits for the worker on the event loop itself
        (``GradingPool.grade_async``: the loop watches the worker's pipe), with no thread
        to hand the grading to and take the answer back from; the place in the gate is
        held until the worker has answered or been replaced, even if the request is
        cancelled. Otherwise, or with a grader of the tests', the grading waits in a thread."""
        self._check_answer(answer)
        if not on_loop or self.grader_override is not None:
            job = self.heavy_grading_job if checked.heavy else self.grading_job
            return await job(caller, self.grade, checked.problem, answer, seed=seed)
        async with self.grading_gate.admit(caller, heavy=checked.heavy):
            pool = await self._running_pool()
            with anyio.CancelScope(shield=True):
                try:
                    result = await pool.grade_async(checked.data, answer, seed)
                except (ValueError, TypeError) as exc:
                    raise BadInput(str(exc)) from exc
                except Exception as exc:
                    log.exception("grading failed")
                    raise Unavailable("The grader could not finish; please try again.") from exc
            return result

    async def _running_pool(self) -> GradingPool:
        """The grading pool; found (or started) in a thread the first time, as starting
        worker processes is no work for the event loop."""
        pool = self._started_pool
        if pool is None or pool.closed:
            pool = await off_loop(self.make_pool)
            self._started_pool = pool
        return pool

    async def parsing_job(
        self, caller: Caller, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run a preview or a parse (in a thread that waits for a preview worker) once the
        parse gate admits ``caller``."""
        return await admitted(self.parse_gate, caller, func, *args, **kwargs)

    @property
    def pool(self) -> GradingPool:
        """The grading workers (started on first use, shared by apps with equal limits)."""
        return self.make_pool()

    @property
    def preview_pool(self) -> GradingPool:
        """The workers that read previews (``GradingPool.read``), apart from the graders."""
        return self.make_preview_pool()

    @property
    def grader(self) -> Grader:
        if self.grader_override is not None:
            return self.grader_override
        pool: Grader = self.pool
        return pool

    def _check_answer(self, answer: str) -> None:
        limit = self.settings.max_answer_chars
        if len(answer) > limit:
            raise BadInput(
                f"the answer is {len(answer)} characters long; the limit is {limit}",
                field="answer",
            )

    def grade(self, problem: Problem, answer: str, seed: int | None = None) -> GradeResult:
        """The grade result (DESIGN §11); too-long answers are refused first."""
        self._check_answer(answer)
        try:
            return self.grader.grade(problem, answer, seed=seed)
        except (ValueError, TypeError) as exc:
            raise BadInput(str(exc)) from exc
        except Exception as exc:
            log.exception("grading failed")
            raise Unavailable("The grader could not finish; please try again.") from exc

    def record_attempt(
        self, *, learner_id: str, exercise_id: str, answer: str, seed: int, result: dict[str, Any]
    ) -> Attempt:
        """Store a graded answer for the learner, the learner model's update from it and, for
        an LMS user, the scores to pass back, in one transaction (every route that takes
        answers comes through here); the scores are posted off the request path."""
        data: Any = getattr(self.catalogue.find(exercise_id), "data", None)
        with self.database.write() as session:
            version = (
                version_for(session, exercise_id=exercise_id, content=data.model_dump(mode="json"))
                if hasattr(data, "model_dump")
                else None
            )
            attempt = record_attempt(
                session,
                learner_id=learner_id,
                exercise_id=exercise_id,
                answer=answer,
                seed=seed,
                result=result,
                version=version,
            )
            record_evidence(
                session, catalogue=self.catalogue, learner_id=learner_id, attempt=attempt
            )
            queued = queue_for_attempt(session, attempt=attempt)
        if queued and self.score_sender is not None:
            self.score_sender.wake()
        return attempt

    def check_grade(self, problem: Problem, answer: str, seed: int) -> GradeResult:
        """The self-check's grading: the learners' path, a refused answer as ``invalid``."""
        try:
            return self.grade(problem, answer, seed)
        except (BadInput, Unavailable) as exc:
            return GradeResult.refused(exc.message, seed)

    def check(self, yaml_text: str, source: str = "<browser>") -> CheckReport:
        """The self-check of an exercise's YAML (authoring panel, save, import)."""
        return check_text(yaml_text, self.check_grade, source=source)

    def _wait_for_idle_workers(self, limit: float = 600.0) -> None:
        """The start-up check uses the grading workers outside the gate: before each of its
        gradings it waits (up to ``limit`` seconds) while learners' work is running or
        waiting."""
        gate = self.grading_gate
        deadline = time.monotonic() + limit
        while (gate.running or gate.waiting) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _yielding_check_grade(self, problem: Problem, answer: str, seed: int) -> GradeResult:
        self._wait_for_idle_workers()
        return self.check_grade(problem, answer, seed)

    def start_workers(self) -> None:
        """Start the grading and preview workers now (they take a second or two to load),
        so that the first learner does not wait for them."""
        if self.grader_override is None:
            _ = self.pool
        _ = self.preview_pool

    def run_startup_check(self) -> None:
        """Check every exercise of the catalogue; failures are logged and kept for the
        authoring page (a broken exercise is reported, the site stays up)."""
        state = self.startup_check
        try:
            for exercise in self.catalogue.exercises():
                report = check_exercise(exercise, self._yielding_check_grade)
                state.checked += 1
                if not report.ok:
                    line = report.summary()
                    state.failures.append(line.removeprefix("FAIL "))
                    log.error("self-check: %s", line)
        except Exception:  # the check reports; it must never stop the app
            log.exception("the start-up self-check stopped")
        finally:
            state.done.set()


def build_tutor(
    settings: Settings,
    *,
    database: Database | None = None,
    bank: ExerciseBank | None = None,
    grader: Grader | None = None,
) -> Tutor:
    """The tutor of ``settings``; ``bank``, ``database`` and ``grader`` replace the ones the
    settings name (tests hand in small banks)."""
    database = database or Database(settings.database_url)
    load_files = (
        (lambda: bank)
        if bank is not None
        else file_bank_loader(settings.home, settings.exercise_dirs)
    )
    catalogue = Catalogue(load_files, AuthoredExercises(database))

    def make_pool() -> GradingPool:
        return shared_pool(
            size=settings.grading_workers,
            timeout=settings.grading_timeout,
            memory_mb=settings.grading_memory_mb,
        )

    def make_preview_pool() -> GradingPool:
        return shared_pool(
            size=settings.preview_workers,
            timeout=settings.grading_timeout,
            memory_mb=settings.grading_memory_mb,
            purpose="preview",
        )

    return Tutor(
        grading_gate=Gate(
            "grading",
            capacity=settings.grading_workers,
            queue_limit=settings.grading_queue,
            per_client=settings.client_concurrency,
            per_learner=settings.learner_concurrency,
            typical_seconds=0.25,
        ),
        parse_gate=Gate(
            "preview",
            capacity=settings.preview_workers,
            queue_limit=settings.grading_queue,
            per_client=settings.client_concurrency,
            per_learner=settings.learner_concurrency,
            typical_seconds=0.05,
        ),
        checked_problems=CheckedProblems(settings),
        settings=settings,
        database=database,
        catalogue=catalogue,
        templates=make_templates(settings.home / "templates"),
        make_pool=make_pool,
        make_preview_pool=make_preview_pool,
        grader_override=grader,
        score_sender=ScoreSender(database),
    )
