"""``/author``: instructors list, write, check, save, duplicate, delete, import and export
exercises in the browser (DESIGN §7). The dashboard lives in ``author_dashboard``.

File-bank exercises are read-only here (they live in git); duplicating one copies it into
the database, where it can be edited. Nothing is saved unless the self-check passes: the
schema, the reference against finite differences, and every test's verdict on every
seed: the same check as ``jtutor check`` (``app.bank.selfcheck``), graded in the workers.
Every route needs a signed-in instructor and, when it changes anything, the session's CSRF
token (``app.web.auth``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from app.bank.selfcheck import CHECK_SEEDS, CheckReport
from app.bank.yaml_text import load_yaml
from app.mathlang import MathError
from app.store.authored import (
    create_authored,
    delete_authored,
    get_authored,
    list_authored,
    update_authored,
)
from app.store.courses import may_edit_exercise
from app.web.auth import SignedIn, instructor_router, require_instructor
from app.web.author_forms import (
    FORM_KEYS,
    STARTER,
    ComposeError,
    compose,
    dump,
    refuse_hostile_yaml,
    split,
)
from app.web.deps import TutorDep
from app.web.errors import BadInput, NotFound, WebError
from app.web.offload import off_loop
from app.web.preview import read_math, shapes_from_declarations
from app.web.rendering import render
from app.web.routes import author_api, author_dashboard
from app.web.tutor import Tutor

router = instructor_router()
router.include_router(author_dashboard.router)
router.include_router(author_api.router)

InstructorDep = Annotated[SignedIn, Depends(require_instructor)]
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_UPLOAD_BYTES = 200_000


@dataclass
class EditorCheck:
    """The self-check of the editor's exercise, with what the live panel shows beside it:
    the prompt of one variant and how the reference reads."""

    report: CheckReport
    sample: dict[str, Any] | None = None
    reading: dict[str, Any] | None = None


def _panel(tutor: Tutor, text: str) -> EditorCheck:
    report = tutor.check(text)
    panel = EditorCheck(report)
    exercise = report.exercise
    if exercise is None:
        return panel
    try:
        panel.sample = exercise.variant(CHECK_SEEDS[0])
    except (MathError, ValueError, TypeError):
        return panel
    indices = panel.sample.get("indices") if exercise.answer_form == "index" else None
    try:
        shapes = shapes_from_declarations(panel.sample.get("shapes") or {})
        panel.reading = read_math(exercise.reference, shapes, indices=indices)
    except (MathError, ValueError) as exc:
        panel.reading = {"ok": False, "error": {"kind": "shape", "message": str(exc)}}
    return panel


def check_form(tutor: Tutor, values: dict[str, str]) -> EditorCheck:
    """The editor's exercise checked (YAML, schema, grading in the workers): call it in a
    thread (``off_loop``), never on the event loop."""
    try:
        text = compose(values)
    except ComposeError as exc:
        report = CheckReport("<browser>", schema_error=str(exc), failures=[str(exc)])
        return EditorCheck(report)
    return _panel(tutor, text)


def form_values(form: FormData) -> dict[str, str]:
    return {key: str(form.get(key) or "") for key in (*FORM_KEYS, "rest")}


def _editor(
    request: Request,
    who: SignedIn,
    *,
    values: dict[str, str],
    mode: str,
    exercise_id: str | None = None,
    panel: EditorCheck | None = None,
    notice: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    from app.bank.curriculum import LESSONS

    context = {
        "title": "Edit exercise" if mode == "edit" else "New exercise",
        "who": who,
        "csrf_token": who.csrf_token,
        "values": values,
        "mode": mode,
        "exercise_id": exercise_id,
        "report": panel.report if panel is not None else None,
        "sample": panel.sample if panel is not None else None,
        "reading": panel.reading if panel is not None else None,
        "notice": notice,
        "problem": problem,
        "lessons": LESSONS,
    }
    return render(
        request, "author/edit.html", context, partial="author/_check.html", status_code=status
    )


def _taken(tutor: Tutor, exercise_id: str) -> bool:
    if tutor.catalogue.file_exercise(exercise_id) is not None:
        return True
    with tutor.database.read() as session:
        return get_authored(session, exercise_id=exercise_id) is not None


def _file_text(exercise: Any) -> str:
    path = Path(str(getattr(exercise, "source_path", "")))
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NotFound(f"the file of exercise {exercise.id!r} cannot be read") from exc


def _source_text(tutor: Tutor, exercise_id: str) -> tuple[str, bool]:
    """(YAML, editable): a database exercise is editable, a file exercise is not."""
    with tutor.database.read() as session:
        row = get_authored(session, exercise_id=exercise_id)
        if row is not None:
            return row.yaml_text, True
    exercise = tutor.catalogue.file_exercise(exercise_id)
    if exercise is None:
        raise NotFound(f"There is no exercise {exercise_id!r}.")
    return _file_text(exercise), False


def _store_new(
    request: Request,
    who: SignedIn,
    tutor: Tutor,
    values: dict[str, str],
    *,
    notice: str,
) -> Response:
    panel = check_form(tutor, values)
    report = panel.report
    exercise = report.exercise
    if exercise is not None and _taken(tutor, exercise.id):
        report.failures.insert(0, f"id: {exercise.id!r} is already used by another exercise")
    if not report.ok or exercise is None:
        problem = "Not saved: " + (report.failures[0] if report.failures else "the check failed")
        return _editor(
            request, who, values=values, mode="new", panel=panel, problem=problem, status=422
        )
    with tutor.database.write() as session:
        create_authored(
            session, exercise_id=exercise.id, yaml_text=report.yaml_text, author_email=who.email
        )
    return RedirectResponse(f"/author/exercises/{exercise.id}?notice={notice}", status_code=303)


@router.get("/author", response_class=HTMLResponse)
def author_home(request: Request, who: InstructorDep, tutor: TutorDep) -> HTMLResponse:
    with tutor.database.read() as session:
        rows = [(r.id, r.version, r.author_email, r.updated_at) for r in list_authored(session)]
    loaded = {e.id: e for e in tutor.catalogue.authored.all()}
    authored = [
        {"id": i, "version": v, "author": a, "updated_at": u, "exercise": loaded.get(i)}
        for i, v, a, u in rows
    ]
    context = {
        "title": "Authoring",
        "who": who,
        "csrf_token": who.csrf_token,
        "files": tutor.catalogue.file_exercises(),
        "authored": authored,
        "bank_error": tutor.catalogue.bank_error,
        "check_failures": list(tutor.startup_check.failures),
    }
    return render(request, "author/list.html", context)


@router.get("/author/exercises")
def exercises_index(who: InstructorDep) -> Response:
    return RedirectResponse("/author", status_code=303)


@router.get("/author/new", response_class=HTMLResponse)
def new_form(request: Request, who: InstructorDep) -> HTMLResponse:
    values = {key: "" for key in (*FORM_KEYS, "rest")}
    values.update(STARTER)
    return _editor(request, who, values=values, mode="new")


@router.post("/author/new")
async def create(request: Request, who: InstructorDep, tutor: TutorDep) -> Response:
    values = form_values(await request.form())
    return await off_loop(_store_new, request, who, tutor, values, notice="created")


@router.get("/author/exercises/{exercise_id}", response_class=HTMLResponse)
def edit_form(
    exercise_id: str,
    request: Request,
    who: InstructorDep,
    tutor: TutorDep,
    notice: str | None = None,
) -> HTMLResponse:
    text, editable = _source_text(tutor, exercise_id)
    notices = {
        "created": "Saved. Learners now find it with the other exercises of its lesson.",
        "saved": "Saved. Learners see the new version from now on.",
        "imported": "Imported and saved.",
        "duplicated": "Duplicated into the database; this copy is yours to edit.",
    }
    return _editor(
        request,
        who,
        values=split(text),
        mode="edit" if editable else "view",
        exercise_id=exercise_id,
        notice=notices.get(notice or ""),
    )


@router.post("/author/exercises/{exercise_id}")
async def update(
    exercise_id: str,
    request: Request,
    who: InstructorDep,
    tutor: TutorDep,
) -> Response:
    values = form_values(await request.form())
    return await off_loop(_update, request, who, tutor, exercise_id, values)


def _update(
    request: Request, who: SignedIn, tutor: Tutor, exercise_id: str, values: dict[str, str]
) -> Response:
    _, editable = _source_text(tutor, exercise_id)
    if not editable:
        raise WebError("File-bank exercises are read-only; duplicate one to edit it.", status=403)
    _check_owner(tutor, exercise_id, who)
    panel = check_form(tutor, values)
    report = panel.report
    if report.exercise is not None and report.exercise.id != exercise_id:
        report.failures.insert(
            0, f"id: an exercise keeps its id ({exercise_id}); duplicate it for a new id"
        )
    if not report.ok:
        problem = "Not saved: " + (report.failures[0] if report.failures else "the check failed")
        return _editor(
            request,
            who,
            values=values,
            mode="edit",
            exercise_id=exercise_id,
            panel=panel,
            problem=problem,
            status=422,
        )
    with tutor.database.write() as session:
        update_authored(
            session, exercise_id=exercise_id, yaml_text=report.yaml_text, author_email=who.email
        )
    return RedirectResponse(f"/author/exercises/{exercise_id}?notice=saved", status_code=303)


def _check_owner(tutor: Tutor, exercise_id: str, who: SignedIn) -> None:
    """Only an exercise's author, or staff of a course the author teaches, may change it."""
    with tutor.database.read() as session:
        row = get_authored(session, exercise_id=exercise_id)
        if row is not None and not may_edit_exercise(
            session, author_email=row.author_email, instructor_id=who.instructor_id
        ):
            raise WebError(
                f"Only {row.author_email} (its author) or the staff of their courses may "
                "change this exercise; duplicate it to make a copy of your own.",
                status=403,
            )


def _copy_id(tutor: Tutor, exercise_id: str) -> str:
    base = f"{exercise_id[:70]}-copy"
    candidate, n = base, 2
    while _taken(tutor, candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@router.post("/author/exercises/{exercise_id}/duplicate")
def duplicate(
    exercise_id: str,
    request: Request,
    who: InstructorDep,
    tutor: TutorDep,
) -> Response:
    text, _ = _source_text(tutor, exercise_id)
    data = load_yaml(text)
    if not isinstance(data, dict):
        raise BadInput("the exercise to duplicate is not a YAML mapping")
    data["id"] = _copy_id(tutor, exercise_id)
    data["title"] = f"{data.get('title') or exercise_id} (copy)"
    return _store_new(request, who, tutor, split(dump(data)), notice="duplicated")


@router.post("/author/exercises/{exercise_id}/delete")
def delete(exercise_id: str, who: InstructorDep, tutor: TutorDep) -> Response:
    _check_owner(tutor, exercise_id, who)
    with tutor.database.write() as session:
        removed = delete_authored(session, exercise_id=exercise_id)
    if not removed:
        raise NotFound(f"There is no exercise {exercise_id!r} in the database to delete.")
    return RedirectResponse("/author", status_code=303)


def _yaml_download(text: str, exercise_id: str | None) -> Response:
    name = exercise_id if exercise_id and _ID.match(exercise_id) else "exercise"
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
    )


@router.get("/author/exercises/{exercise_id}/export.yaml")
def export_saved(exercise_id: str, who: InstructorDep, tutor: TutorDep) -> Response:
    text, _ = _source_text(tutor, exercise_id)
    return _yaml_download(text, exercise_id)


@router.post("/author/export")
async def export_form(request: Request, who: InstructorDep) -> Response:
    values = form_values(await request.form())
    return await off_loop(_export, values)


def _export(values: dict[str, str]) -> Response:
    try:
        text = compose(values)
    except ComposeError as exc:
        raise BadInput(str(exc), field="rest") from exc
    return _yaml_download(text, values.get("id", "").strip())


@router.post("/author/check", response_class=HTMLResponse)
async def live_check(request: Request, who: InstructorDep, tutor: TutorDep) -> HTMLResponse:
    """The live panel (htmx); without JavaScript, the editor page with the panel filled."""
    form = await request.form()
    return await off_loop(_live_check, request, who, tutor, form)


def _live_check(request: Request, who: SignedIn, tutor: Tutor, form: FormData) -> HTMLResponse:
    values = form_values(form)
    refuse_hostile_yaml(values["rest"], field="rest")
    mode = str(form.get("mode") or "new")
    panel = check_form(tutor, values)
    exercise_id = str(form.get("exercise_id") or "") or None
    return _editor(
        request,
        who,
        values=values,
        mode=mode if mode in ("new", "edit") else "new",
        exercise_id=exercise_id,
        panel=panel,
    )


async def _uploaded_text(form: FormData) -> str:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise BadInput(f"the file is larger than {MAX_UPLOAD_BYTES} bytes", field="file")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput("the file is not UTF-8 text", field="file") from exc
    return str(form.get("yaml") or "")


@router.post("/author/import")
async def import_yaml(request: Request, who: InstructorDep, tutor: TutorDep) -> Response:
    form = await request.form()
    try:
        text = await _uploaded_text(form)
    finally:
        await form.close()
    return await off_loop(_import, request, who, tutor, text)


def _import(request: Request, who: SignedIn, tutor: Tutor, text: str) -> Response:
    if not text.strip():
        raise BadInput("choose a YAML file (or paste its text) to import", field="file")
    refuse_hostile_yaml(text, field="file")
    try:
        values = split(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"the file is not valid YAML: {exc}", field="file") from exc
    return _store_new(request, who, tutor, values, notice="imported")


@router.api_route("/author/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str, who: InstructorDep) -> Response:
    """Any other address under /author: signed-in instructors get 404, anyone else is sent
    to sign in (so a guess reveals nothing about which addresses exist)."""
    raise NotFound("There is no page at this address.")
