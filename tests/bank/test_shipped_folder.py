"""The shipped bank is found under JTUTOR_HOME, as in the container image where the
package is installed away from the checkout."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_default_bank_reads_exercises_under_jtutor_home(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    source = sorted((ROOT / "exercises").glob("u03-core-*.yaml"))[0]
    shutil.copy(source, tmp_path / "exercises" / source.name)
    code = "import json; from app.bank import default_bank; "
    code += "print(json.dumps([e.id for e in default_bank().exercises]))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"JTUTOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    ids = json.loads(out.stdout)
    assert len(ids) == 1
    assert ids[0].startswith("u03-core")
