"""Authoring in the browser: the editor, its live self-check, saving, and what learners see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from app.bank import check_exercise, load_exercise_text
from app.cli import main as jtutor
from app.store.authored import create_authored, get_authored
from app.web.author_forms import compose, split
from tests.web import test_author_support as support
from tests.web.test_author_support import GOOD_FIELDS, ROOT, database_of

make_database = support.make_database
make_app_client = support.make_app_client
anon = support.anon
instructor = support.instructor

Session = tuple[TestClient, str]


def _fields(**changes: str) -> dict[str, str]:
    return {**GOOD_FIELDS, **changes}


def _status(html: str) -> str | None:
    found = re.search(r'id="check-status" data-ok="(\w+)"', html)
    return found.group(1) if found else None


def _create(client: TestClient, token: str, **changes: str) -> str:
    fields = _fields(**changes)
    response = client.post(
        "/author/new", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return fields["id"]


def _stored(client: TestClient, exercise_id: str) -> str | None:
    with database_of(client).read() as session:
        row = get_authored(session, exercise_id=exercise_id)
        return None if row is None else row.yaml_text


def test_editor_page_carries_the_csrf_header_and_a_working_starter(instructor: Session) -> None:
    client, token = instructor
    page = client.get("/author/new")
    assert page.status_code == 200
    assert f'"X-CSRF-Token": "{token}"' in page.text
    assert 'hx-post="/author/check"' in page.text and "delay:" in page.text
    starter = {
        k: v
        for k, v in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page.text)
        if k in ("function", "wrt", "reference")
    }
    assert starter == {"function": "W x", "wrt": "x", "reference": "W"}


def test_live_check_shows_prompt_reference_and_every_verdict(instructor: Session) -> None:
    client, token = instructor
    response = client.post(
        "/author/check", data={**_fields(), "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # the partial only
    assert _status(html) == "true"
    assert 'Let <span class="math" data-latex="y = Wx"><math' in html  # the prompt, as MathML
    assert 'data-latex="W"' in html  # the reference in LaTeX, with its shape
    assert re.search(r'class="shape"[^>]*>\d×\d<', html)
    assert len(re.findall(r'<li data-ok="true">', html)) == 3 + 2  # 3 seeds, 2 tests
    assert "transposed" in html


def test_live_check_flags_a_wrong_reference_and_why(instructor: Session) -> None:
    client, token = instructor
    response = client.post(
        "/author/check",
        data={**_fields(reference="W^T"), "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    html = response.text
    assert _status(html) == "false"
    assert re.search(r'id="reference-checks">\s*<li data-ok="false">', html)
    wrong = "reference: &#39;W^T&#39; is incorrect/transposed/linear_map_transposed on seed 1"
    assert wrong in html


def test_live_check_names_the_field_of_a_schema_error(instructor: Session) -> None:
    client, token = instructor
    html = client.post(
        "/author/check",
        data={**_fields(layout="sideways"), "csrf_token": token},
        headers={"HX-Request": "true"},
    ).text
    assert _status(html) == "false"
    assert "layout: must be one of numerator, denominator, any" in html
    broken = client.post(
        "/author/check",
        data={**_fields(rest="variables: [unclosed"), "csrf_token": token},
        headers={"HX-Request": "true"},
    ).text
    assert "not valid YAML" in broken


def test_save_refuses_failing_checks_and_stores_nothing(instructor: Session) -> None:
    client, token = instructor
    response = client.post("/author/new", data={**_fields(reference="2 W"), "csrf_token": token})
    assert response.status_code == 422
    assert "Not saved: reference" in response.text
    assert _stored(client, "t-wx") is None
    assert client.get("/exercises/t-wx").status_code == 404


def test_saved_exercise_is_served_to_learners_like_a_file_exercise(instructor: Session) -> None:
    client, token = instructor
    _create(client, token)
    assert "id: t-wx" in (_stored(client, "t-wx") or "")
    learner = TestClient(client.app)
    page = learner.get("/exercises/t-wx")
    assert page.status_code == 200 and "Test: the Jacobian of Wx" in page.text
    listed = learner.get("/api/v1/exercises", params={"lesson": "y-equals-wx"}).json()
    assert "t-wx" in [e["id"] for e in listed["exercises"]]
    detail = learner.get("/api/v1/exercises/t-wx", params={"seed": 5}).json()
    assert detail["variant"]["expected_shape"][0] in (2, 3)
    wrong = learner.post("/api/v1/exercises/t-wx/attempts", json={"answer": "W^T", "seed": 5})
    right = learner.post("/api/v1/exercises/t-wx/attempts", json={"answer": "W", "seed": 5})
    assert (wrong.json()["verdict"], wrong.json()["diagnosis"]) == ("incorrect", "transposed")
    assert right.json()["verdict"] == "correct"
    lesson = learner.get("/lessons/y-equals-wx")
    assert lesson.status_code == 200 and 'href="/exercises/t-wx"' in lesson.text


def test_ids_of_the_file_bank_and_of_saved_exercises_are_taken(instructor: Session) -> None:
    client, token = instructor
    clash = client.post("/author/new", data={**_fields(id="u03-core-wx"), "csrf_token": token})
    assert clash.status_code == 422 and "already used" in clash.text
    _create(client, token)
    again = client.post("/author/new", data={**_fields(), "csrf_token": token})
    assert again.status_code == 422 and "already used" in again.text


def test_edit_saves_a_new_version_learners_see_at_once(instructor: Session) -> None:
    client, token = instructor
    _create(client, token)
    learner = TestClient(client.app)
    assert "Test: the Jacobian of Wx" in learner.get("/exercises/t-wx").text
    editor = client.get("/author/exercises/t-wx")
    assert editor.status_code == 200 and "readonly" in editor.text  # the id cannot change
    saved = client.post(
        "/author/exercises/t-wx",
        data={**_fields(title="Renamed title"), "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Renamed title" in learner.get("/exercises/t-wx").text
    refused = client.post(
        "/author/exercises/t-wx", data={**_fields(reference="-W"), "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "title: Renamed title" in (_stored(client, "t-wx") or "")
    renamed = client.post(
        "/author/exercises/t-wx", data={**_fields(id="other"), "csrf_token": token}
    )
    assert renamed.status_code == 422 and "keeps its id" in renamed.text


def test_file_exercises_are_read_only_and_duplicate_into_the_database(
    instructor: Session,
) -> None:
    client, token = instructor
    view = client.get("/author/exercises/u03-core-wx")
    assert view.status_code == 200 and "read-only" in view.text
    assert ">Save<" not in view.text
    edit = client.post(
        "/author/exercises/u03-core-wx", data={**_fields(id="u03-core-wx"), "csrf_token": token}
    )
    assert edit.status_code == 403
    gone = client.post("/author/exercises/u03-core-wx/delete", data={"csrf_token": token})
    assert gone.status_code == 404
    copy = client.post(
        "/author/exercises/u03-core-wx/duplicate",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert copy.status_code == 303
    assert copy.headers["location"].startswith("/author/exercises/u03-core-wx-copy?")
    copied = yaml.safe_load(_stored(client, "u03-core-wx-copy") or "")
    original = yaml.safe_load((ROOT / "exercises" / "u03-core-wx.yaml").read_text())
    assert copied["title"] == original["title"] + " (copy)"
    assert copied["tests"] == original["tests"] and copied["reference"] == original["reference"]
    second = client.post(
        "/author/exercises/u03-core-wx/duplicate",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert second.headers["location"].startswith("/author/exercises/u03-core-wx-copy-2?")


def test_delete_removes_it_for_learners(instructor: Session) -> None:
    client, token = instructor
    _create(client, token)
    response = client.post(
        "/author/exercises/t-wx/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert _stored(client, "t-wx") is None
    assert TestClient(client.app).get("/exercises/t-wx").status_code == 404


def test_export_is_a_file_jtutor_check_accepts(
    instructor: Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, token = instructor
    _create(client, token)
    saved = client.get("/author/exercises/t-wx/export.yaml")
    assert saved.status_code == 200
    assert 'filename="t-wx.yaml"' in saved.headers["content-disposition"]
    unsaved = client.post("/author/export", data={**_fields(id="draft-one"), "csrf_token": token})
    assert 'filename="draft-one.yaml"' in unsaved.headers["content-disposition"]
    (tmp_path / "t-wx.yaml").write_text(saved.text)
    (tmp_path / "draft-one.yaml").write_text(unsaved.text)
    assert jtutor(["check", str(tmp_path)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_import_saves_a_passing_file_and_refuses_a_failing_one(instructor: Session) -> None:
    client, token = instructor
    text = (
        (ROOT / "exercises" / "u04-core-xw.yaml")
        .read_text()
        .replace("id: u04-core-xw", "id: imported-xw")
    )
    done = client.post(
        "/author/import",
        data={"csrf_token": token},
        files={"file": ("x.yaml", text.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert _stored(client, "imported-xw") == compose(split(text))
    bad = text.replace("id: imported-xw", "id: imported-bad").replace(
        "reference: W", "reference: 3 W"
    )
    refused = client.post(
        "/author/import",
        data={"csrf_token": token},
        files={"file": ("y.yaml", bad.encode(), "application/yaml")},
    )
    assert refused.status_code == 422 and "Not saved" in refused.text
    assert _stored(client, "imported-bad") is None


def test_json_check_api(instructor: Session) -> None:
    client, token = instructor
    text = compose(_fields(reference="W^T"))
    assert client.post("/author/api/check", json={"yaml": text}).status_code == 403
    body = client.post(
        "/author/api/check", json={"yaml": text}, headers={"X-CSRF-Token": token}
    ).json()
    assert body["ok"] is False and body["id"] == "t-wx"
    assert [line["ok"] for line in body["reference"]] == [False, False, False]
    listed = client.get("/author/api/exercises").json()["exercises"]
    assert any(e["id"] == "u03-core-wx" and e["source"] == "file" for e in listed)


@pytest.mark.parametrize("reference", ["W", "W^T", "2 W"])
def test_the_authoring_check_is_jtutor_check(instructor: Session, reference: str) -> None:
    """The panel grades in the app's workers, ``jtutor check`` here: the same failures."""
    client, token = instructor
    text = compose(_fields(reference=reference))
    body = client.post(
        "/author/api/check", json={"yaml": text}, headers={"X-CSRF-Token": token}
    ).json()
    theirs = check_exercise(load_exercise_text(text, "<browser>"))
    assert body["failures"] == theirs.failures
    assert body["ok"] == theirs.ok == (reference == "W")
    assert [line["seed"] for line in body["reference"]] == [1, 2, 3]


@pytest.mark.parametrize("path", sorted((ROOT / "exercises").glob("*.yaml")), ids=lambda p: p.stem)
def test_form_round_trip_keeps_every_shipped_exercise(path: Path) -> None:
    text = path.read_text()
    again = load_exercise_text(compose(split(text)), str(path))
    assert again.data == load_exercise_text(text, str(path)).data


def test_a_stored_exercise_that_no_longer_loads_is_hidden_from_learners(
    instructor: Session,
) -> None:
    client, _ = instructor
    with database_of(client).write() as session:
        create_authored(
            session, exercise_id="broken-one", yaml_text="id: broken-one\n", author_email="x@y.z"
        )
    learner = TestClient(client.app)
    assert learner.get("/exercises/broken-one").status_code == 404
    listed = learner.get("/api/v1/exercises").json()["exercises"]
    assert "broken-one" not in [e["id"] for e in listed]
    listing = client.get("/author").text
    assert "broken-one" in listing and "does not load" in listing
    editor = client.get("/author/exercises/broken-one")
    assert editor.status_code == 200 and 'value="broken-one"' in editor.text


def billion_laughs(levels: int = 7) -> str:
    """A few hundred bytes of YAML whose aliases expand to 9**levels strings."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"title: *a{levels}")
    return "\n".join(lines) + "\n"


def test_an_import_with_yaml_aliases_is_refused(instructor: Session) -> None:
    client, token = instructor
    bomb = billion_laughs()
    assert len(bomb) < 1000
    refused = client.post(
        "/author/import",
        data={"csrf_token": token},
        files={"file": ("bomb.yaml", bomb.encode(), "application/yaml")},
    )
    assert refused.status_code == 422
    assert "aliases" in refused.text


HOSTILE_YAML = {
    "6k-brackets": "[" * 6_000,
    "4300-digit-integer": "id: x\nsizes: {n: " + "9" * 4_300 + "}\n",
    "aliases": billion_laughs(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_is_a_4xx_with_a_short_message_and_no_log_flood(
    instructor: Session, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, token = instructor
    text = HOSTILE_YAML[name]
    caplog.clear()
    replies = {
        "/author/check": client.post(
            "/author/check", data={**GOOD_FIELDS, "rest": text, "csrf_token": token}
        ),
        "/author/check (htmx)": client.post(
            "/author/check",
            data={**GOOD_FIELDS, "rest": text, "csrf_token": token},
            headers={"HX-Request": "true"},
        ),
        "/author/import": client.post(
            "/author/import",
            data={"csrf_token": token},
            files={"file": ("x.yaml", text.encode(), "application/yaml")},
        ),
        "/author/api/check": client.post(
            "/author/api/check", json={"yaml": text}, headers={"X-CSRF-Token": token}
        ),
    }
    for path, reply in replies.items():
        assert reply.status_code == 422, (path, reply.status_code)
        found = re.search(r"refused \(line \d+\): ([^<\"]+)", reply.text)
        assert found and len(found.group(0)) < 100, path
    assert replies["/author/api/check"].json()["field"] == "yaml"
    assert len(caplog.records) < 10, [r.getMessage()[:80] for r in caplog.records]
    assert not any(r.exc_info for r in caplog.records)


def test_a_yaml_typo_is_still_reported_by_the_live_check(instructor: Session) -> None:
    client, token = instructor
    reply = client.post(
        "/author/check",
        data={**GOOD_FIELDS, "rest": "variables: [W", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200 and "not valid YAML" in reply.text
