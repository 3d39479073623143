"""A cold ``circolari render`` lays the PDF out in a forked worker (``pdf_job``): what it writes
must be byte for byte what a render in one process writes, also when the worker dies, and its
errors must be the same. Each check runs the console entry point in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DGR, NOTA, ROOT

# Run ``circolari render ARGS`` as the console script does, then render the same acts here in
# one process (no worker) and print what differs, whether this process loaded ReportLab before
# the plain renders, and the modules the worker's jobs loaded beyond its warm-up (each a cost
# on the render's critical path). ``CHILD_DIES=1``: the worker exits after sending the layout.
SCRIPT = """
import json, os, sys
from pathlib import Path
import circolari.pdf_job as pdf_job  # light: the render's modules load after the fork, as in a command

parent, real_items, real_warm = os.getpid(), pdf_job.pdf_items, pdf_job._warm
loaded = Path(sys.argv[1]) / "loaded-by-jobs.json"

def warm():
    real_warm()
    global warmed
    warmed = set(sys.modules)

def items(*args):
    for index, item in enumerate(real_items(*args)):
        if index == 1 and os.getpid() != parent and os.environ.get("CHILD_DIES"):
            os._exit(7)
        yield item
    if os.getpid() != parent:
        loaded.write_text(json.dumps(sorted(set(sys.modules) - warmed)))

pdf_job._warm, pdf_job.pdf_items = warm, items
import circolari.cli.entry as entry
entry.end_now = sys.exit  # go on after the command, to render here too
out = Path(sys.argv[1]) / "out"
sys.argv = ["circolari", "render", *sys.argv[2:], "--out", str(out)]
try:
    entry.main()
except SystemExit as exc:
    code = exc.code
reportlab_here = "reportlab" in sys.modules
import circolari.render as render
from circolari.input.project import Project
differ = []
for act in map(Path, sys.argv[2:-2]):
    rendered = render.render_act(act, Project.locate(act, templates=None, recipients=None, out=out))
    for name, data in rendered.files.items():
        if (out / rendered.name / name).read_bytes() != data:
            differ.append(name)
jobs_loaded = json.loads(loaded.read_text()) if loaded.exists() else None
print(json.dumps({"code": code, "reportlab_here": reportlab_here, "differ": differ, "jobs_loaded": jobs_loaded}))
"""


def _render(tmp_path: Path, *acts: Path, child_dies: bool = False) -> dict:
    env = {**os.environ, "CHILD_DIES": "1" if child_dies else ""}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), *map(str, acts)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_cold_render_in_the_worker_writes_what_one_process_writes(tmp_path):
    result = _render(tmp_path, DGR, NOTA)
    # laid out in the worker, which had loaded all its jobs need
    assert result == {"code": 0, "reportlab_here": False, "differ": [], "jobs_loaded": []}
    pdf = (tmp_path / "out" / DGR.stem / f"{DGR.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf


def test_cold_render_when_the_worker_dies_finishes_here_with_the_same_bytes(tmp_path):
    result = _render(tmp_path, NOTA, DGR, child_dies=True)
    assert result == {"code": 0, "reportlab_here": True, "differ": [], "jobs_loaded": None}


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


def test_cold_render_of_a_series_then_an_act_lets_the_early_worker_go_and_forks_another(tmp_path):
    from circolari.input.project import Project
    from circolari.render import render_act

    series = ROOT / "examples" / "serie" / "richiesta-dati-sub-acute.yaml"
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "circolari", "render", str(series), str(NOTA), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{NOTA.relative_to(ROOT)}: 3 pagine -> {out / NOTA.stem}/" in proc.stdout
    letters = [p for p in (out / series.stem).iterdir() if p.is_dir()]
    assert letters and all((p / f"{series.stem}-{p.name}.pdf").is_file() for p in letters)
    plain = render_act(NOTA, Project.locate(NOTA, templates=None, recipients=None, out=out)).files
    for name in (f"{NOTA.stem}.pdf", f"{NOTA.stem}.docx"):
        assert (out / NOTA.stem / name).read_bytes() == plain[name]
