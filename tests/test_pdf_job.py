"""A cold ``circolari render`` lays the PDF out in a forked worker (``pdf_job``): what it writes
must be byte for byte what a render in one process writes (here, in the test worker), also when
the worker dies, and its errors must be the same. Each check runs the console entry point in a
fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DGR, NOTA, ROOT

# Run ``circolari render ARGS`` as the console script does and print its exit code, whether this
# process loaded ReportLab (the PDFs were laid out here, not in the worker), and the modules the
# worker's jobs loaded beyond its warm-up (each a cost on the render's critical path).
# ``CHILD_DIES=1``: the worker exits after sending the layout.
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
entry.end_now = sys.exit  # go on after the command, to say what it loaded
out = Path(sys.argv[1]) / "out"
sys.argv = ["circolari", "render", *sys.argv[2:], "--out", str(out)]
try:
    entry.main()
except SystemExit as exc:
    code = exc.code
reportlab_here = "reportlab" in sys.modules
jobs_loaded = json.loads(loaded.read_text()) if loaded.exists() else None
print(json.dumps({"code": code, "reportlab_here": reportlab_here, "jobs_loaded": jobs_loaded}))
"""


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[Path, dict[str, bytes]]:
    """The files of NOTA and DGR rendered in one process (this one, no worker)."""
    from circolari.input.project import Project
    from circolari.render import render_act

    out = tmp_path_factory.mktemp("in-un-processo")
    return {act: render_act(act, Project.locate(act, templates=None, recipients=None, out=out)).files
            for act in (NOTA, DGR)}


def differ(out: Path, plain: dict[Path, dict[str, bytes]]) -> list[str]:
    """The files of the acts in ``plain`` whose bytes in ``out`` are not the plain render's."""
    return [name for act, files in plain.items() for name, data in files.items()
            if (out / act.stem / name).read_bytes() != data]


def _render(tmp_path: Path, *acts: Path, child_dies: bool = False) -> dict:
    env = {**os.environ, "CHILD_DIES": "1" if child_dies else ""}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), *map(str, acts)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_cold_render_in_the_worker_writes_what_one_process_writes(tmp_path, plain):
    result = _render(tmp_path, DGR, NOTA)
    # laid out in the worker, which had loaded all its jobs need
    assert result == {"code": 0, "reportlab_here": False, "jobs_loaded": []}
    assert differ(tmp_path / "out", plain) == []
    pdf = (tmp_path / "out" / DGR.stem / f"{DGR.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf


def test_cold_render_when_the_worker_dies_finishes_here_with_the_same_bytes(tmp_path, plain):
    result = _render(tmp_path, NOTA, DGR, child_dies=True)
    assert result == {"code": 0, "reportlab_here": True, "jobs_loaded": None}
    assert differ(tmp_path / "out", plain) == []


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


def test_cold_render_of_a_series_then_an_act_writes_both_and_the_act_as_one_process_does(project, plain):
    """The series makes its first letter here (series/parallel.py), so the act after it is laid out
    here too: the early worker, unclaimed by the series, is let go by the entry point."""
    # the example series cut to three letters (its table's first three rows): the first made here,
    # the other two in the series' own processes (series/parallel.py)
    folder = project / "examples" / "serie"
    series = folder / "richiesta-dati-sub-acute.yaml"
    table = folder / "richiesta-dati-sub-acute.csv"
    rows = table.read_text(encoding="utf-8").splitlines(keepends=True)[:4]
    table.write_text("".join(rows), encoding="utf-8")
    enti = [row.split(",")[0] for row in rows[1:]]
    series.write_text(series.read_text(encoding="utf-8").replace("gruppi: [asst]", f"enti: [{', '.join(enti)}]"),
                      encoding="utf-8")
    nota = project / NOTA.relative_to(ROOT)
    out = project / "out"
    proc = subprocess.run([sys.executable, "-m", "circolari", "render", str(series), str(nota), "--out", str(out)],
                          capture_output=True, text=True, cwd=project, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"{NOTA.relative_to(ROOT)}: 3 pagine -> {out / NOTA.stem}/" in proc.stdout
    letters = sorted(p.name for p in (out / series.stem).iterdir() if p.is_dir())
    assert letters == sorted(enti) and len(enti) == 3
    assert all((out / series.stem / p / f"{series.stem}-{p}.pdf").is_file() for p in letters)
    assert differ(out, {NOTA: plain[NOTA]}) == []
