"""A cold ``circolari render`` lays the PDF out in a forked worker (``pdf_job``): what it writes
must be byte for byte what a render in one process writes, also when the worker dies, and its
errors must be the same. Each check runs the console entry point in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DGR, NOTA, ROOT

# Run ``circolari render ARGS`` as the console script does, then render the same acts here in
# one process (no worker) and print what differs, and whether this process loaded ReportLab
# before the plain renders. ``CHILD_DIES=1``: the worker exits after sending the layout.
SCRIPT = """
import json, os, sys
from pathlib import Path
import circolari.render as render

if os.environ.get("CHILD_DIES"):
    parent, real = os.getpid(), render.pdf_items

    def dying(*args):
        for index, item in enumerate(real(*args)):
            if index == 1 and os.getpid() != parent:
                os._exit(7)
            yield item

    render.pdf_items = dying
from circolari.cli.entry import main
out = Path(sys.argv[1])
sys.argv = ["circolari", "render", *sys.argv[2:], "--out", str(out)]
try:
    main()
except SystemExit as exc:
    code = exc.code
reportlab_here = "reportlab" in sys.modules
from circolari.input.project import Project
differ = []
for act in map(Path, sys.argv[2:-2]):
    rendered = render.render_act(act, Project.locate(act, templates=None, recipients=None, out=out))
    for name, data in rendered.files.items():
        if (out / rendered.name / name).read_bytes() != data:
            differ.append(name)
print(json.dumps({"code": code, "reportlab_here": reportlab_here, "differ": differ}))
"""


def _render(tmp_path: Path, *acts: Path, child_dies: bool = False) -> dict:
    env = {**os.environ, "CHILD_DIES": "1" if child_dies else ""}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "out"), *map(str, acts)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_cold_render_in_the_worker_writes_what_one_process_writes(tmp_path):
    result = _render(tmp_path, DGR, NOTA)
    assert result == {"code": 0, "reportlab_here": False, "differ": []}  # laid out in the worker
    pdf = (tmp_path / "out" / DGR.stem / f"{DGR.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf


def test_cold_render_when_the_worker_dies_finishes_here_with_the_same_bytes(tmp_path):
    result = _render(tmp_path, NOTA, DGR, child_dies=True)
    assert result == {"code": 0, "reportlab_here": True, "differ": []}


def test_cold_render_names_characters_the_font_lacks_as_the_plain_render_does(tmp_path):
    act = tmp_path / "nota.yaml"
    text = NOTA.read_text(encoding="utf-8").replace("oggetto: ", "oggetto: 漢 ", 1)
    assert "漢" in text
    act.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "circolari", "render", str(act), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert "il carattere «漢» (U+6F22) non esiste nel carattere tipografico del PDF" in proc.stderr
    assert f"{act}:" in proc.stderr and "oggetto" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(("args", "command"), [
    (["render", "atto.yaml"], "render"), (["--version"], None), (["render", "--help"], None),
    (["-h"], None), (["mail", "send", "x"], "mail"), ([], None)])
def test_entry_point_forks_the_pdf_worker_early_only_for_render(args, command):
    from circolari.cli.entry import _command

    assert _command(args) == command


def test_script_uses_the_entry_point_that_forks_early():
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"circolari": "circolari.cli.entry:main"}
    assert "from circolari.cli.entry import main" in (ROOT / "src/circolari/__main__.py").read_text()

