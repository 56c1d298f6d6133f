"""Dependencies: what the image and ``make run`` install is pinned and holds no test tools.

``requirements.lock`` pins every runtime dependency (``make lock`` refreshes it); the
Dockerfile installs against it; ``make run`` installs the runtime dependencies only and
``make test`` the dev extra too.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DEV_ONLY = ("playwright", "schemathesis", "scipy", "hypothesis", "pytest", "mypy", "ruff")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"not pinned: {line!r}"
            pins[_name(name)] = version.strip()
    return pins


def _project() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def test_the_lock_pins_every_runtime_dependency_and_no_test_tool() -> None:
    pins = _pins()
    for spec in _project()["dependencies"]:  # type: ignore[attr-defined]
        requirement = Requirement(spec)
        name = _name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])
    for tool in DEV_ONLY:
        assert tool not in pins, f"{tool} would be installed by make run and the image"


def test_the_image_installs_against_the_lock() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"COPY [^\n]*requirements\.lock", text)
    assert re.search(r"pip install [^\n]*-c requirements\.lock", text)


def _recipe(makefile: str, target: str) -> tuple[str, str]:
    """(prerequisites, recipe) of a make target; variables expanded one level."""
    names = dict(re.findall(r"^([A-Z_]+) :?= (.*)$", makefile, re.M))

    def expand(text: str) -> str:
        return re.sub(r"\$\(([A-Z_]+)\)", lambda m: names.get(m.group(1), m.group(0)), text)

    found = re.search(rf"^{re.escape(target)}:([^\n]*)\n((?:\t[^\n]*\n)*)", expand(makefile), re.M)
    assert found, f"no target {target}"
    return found.group(1), found.group(2)


def test_make_run_installs_the_runtime_only_and_make_test_the_dev_extra() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_needs, _ = _recipe(makefile, "run")
    test_needs, _ = _recipe(makefile, "test")
    run_stamp = run_needs.split()[0]
    test_stamp = test_needs.split()[0]
    _, run_install = _recipe(makefile, run_stamp)
    _, test_install = _recipe(makefile, test_stamp)
    assert "pip install" in run_install and "[dev]" not in run_install
    assert "-c requirements.lock" in run_install
    assert "'.[dev]'" in test_install and "-c requirements.lock" in test_install
    assert "lock:" in makefile
