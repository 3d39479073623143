"""A cold ``circolari render`` lays the PDF out in a forked worker (``pdf_job``): what it writes
must be byte for byte what a render in one process writes (the session's reference, rendered in
the test worker), also when the worker dies, and its errors must be the same.

One fresh interpreter runs the console entry point once per case (``RUNS``), the cold one first:
each render forks its own worker, as a command does; the later ones show what the worker's
death, a character the font lacks and a series change, which a process that rendered before does
not (the worker is forked anew, its items come back the same way)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DGR, NOTA, ROOT, _shared_project

# Run ``circolari render ARGS`` through the console entry point once for each run of the JSON
# list argv[1] ({"args", "cwd", "child_dies"}), and print, for each: its exit code, output and
# errors, whether this process had loaded ReportLab by then (the PDFs were laid out here, not in
# the worker), and the modules the worker's jobs loaded beyond its warm-up (each a cost on the
# render's critical path). ``child_dies``: the worker exits after sending the first layout.
SCRIPT = """
import contextlib, io, json, os, sys, traceback
from pathlib import Path
import circolari.pdf_job as pdf_job  # light: the render's modules load after the fork, as in a command

parent, real_items, real_warm = os.getpid(), pdf_job.pdf_items, pdf_job._warm
run = {}

def warm():
    real_warm()
    global warmed
    warmed = set(sys.modules)

def items(*args):
    for index, item in enumerate(real_items(*args)):
        if index == 1 and os.getpid() != parent and run["child_dies"]:
            os._exit(7)
        yield item
    if os.getpid() != parent:
        Path(run["loaded"]).write_text(json.dumps(sorted(set(sys.modules) - warmed)))

pdf_job._warm, pdf_job.pdf_items = warm, items
import circolari.cli.entry as entry
entry.end_now = sys.exit  # go on after the command, to say what it loaded
results = []
for run in json.loads(sys.argv[1]):
    os.chdir(run["cwd"])
    sys.argv = ["circolari", "render", *run["args"]]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            entry.main()
        except SystemExit as exc:
            code = exc.code
        except Exception:
            code = "Traceback"
            traceback.print_exc()
    loaded = Path(run["loaded"])
    results.append({"code": code, "reportlab_here": "reportlab" in sys.modules,
                    "jobs_loaded": json.loads(loaded.read_text()) if loaded.exists() else None,
                    "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def plain(reference) -> dict[Path, dict[str, bytes]]:
    """The files of NOTA and DGR rendered in one process (the session's reference: rendered in the
    test worker, which has ReportLab loaded: no PDF worker)."""
    return {act: {p.name: p.read_bytes() for p in reference[kind].folder.iterdir()}
            for kind, act in (("circolare", NOTA), ("delibera", DGR))}


def differ(out: Path, plain: dict[Path, dict[str, bytes]]) -> list[str]:
    """The files of the acts in ``plain`` whose bytes in ``out`` are not the plain render's."""
    return [name for act, files in plain.items() for name, data in files.items()
            if (out / act.stem / name).read_bytes() != data]


@pytest.fixture(scope="session")
def cold(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """Each case's result (see ``SCRIPT``) and folder, all run in one fresh interpreter, in order:
    ``cold`` (DGR and NOTA), ``dies`` (NOTA and DGR, the worker dying after NOTA's layout),
    ``missing`` (NOTA with a character the font lacks), ``series`` (a series, then NOTA).

    Once per run, not per xdist worker: worksteal split this module between the workers and each
    ran the cold interpreter (2 x ~1.5 s of CPU). The first worker that needs it runs it under a
    lock, in the run's temp folder that every worker sees; the others read its result (read only)."""
    from helpers import once_per_run

    kept = once_per_run.text("pdf-job-processo-nuovo", lambda: json.dumps(
        {name: [result, str(folder)] for name, (result, folder) in _cold_run(tmp_path_factory).items()}))
    return {name: (result, Path(folder)) for name, (result, folder) in json.loads(kept).items()}


def _cold_run(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """The cases of :func:`cold`, run in one fresh interpreter."""
    work = tmp_path_factory.mktemp("processo-nuovo")
    for name in ("cold", "dies", "missing"):
        (work / name).mkdir()
    act = work / "missing" / "nota.yaml"
    act.write_text(NOTA.read_text(encoding="utf-8").replace("oggetto: ", "oggetto: 漢 ", 1), encoding="utf-8")
    project = _series_project(tmp_path_factory)
    series = project / "examples" / "serie" / "richiesta-dati-sub-acute.yaml"
    cases = {"cold": (work / "cold", ROOT, [DGR, NOTA], False),
             "dies": (work / "dies", ROOT, [NOTA, DGR], True),
             "missing": (work / "missing", ROOT, [act], False),
             "series": (project, project, [series, project / NOTA.relative_to(ROOT)], False)}
    runs = [{"args": [*map(str, acts), "--out", str(folder / "out")], "cwd": str(cwd), "child_dies": dies,
             "loaded": str(folder / "loaded-by-jobs.json")} for folder, cwd, acts, dies in cases.values()]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(runs)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {name: (result, case[0]) for (name, case), result in zip(cases.items(), json.loads(proc.stdout))}


def _series_project(tmp_path_factory) -> Path:
    """A project whose example series is cut to three letters (its table's first three rows): the
    first made here, the other two in the series' own processes (series/parallel.py)."""
    project = _shared_project(tmp_path_factory, "serie-poi-atto")
    folder = project / "examples" / "serie"
    series = folder / "richiesta-dati-sub-acute.yaml"
    table = folder / "richiesta-dati-sub-acute.csv"
    rows = table.read_text(encoding="utf-8").splitlines(keepends=True)[:4]
    table.write_text("".join(rows), encoding="utf-8")
    enti = [row.split(",")[0] for row in rows[1:]]
    series.write_text(series.read_text(encoding="utf-8").replace("gruppi: [asst]", f"enti: [{', '.join(enti)}]"),
                      encoding="utf-8")
    return project


def test_cold_render_in_the_worker_writes_what_one_process_writes(cold, plain):
    result, folder = cold["cold"]
    # laid out in the worker, which had loaded all its jobs need
    assert {k: result[k] for k in ("code", "reportlab_here", "jobs_loaded")} == \
        {"code": 0, "reportlab_here": False, "jobs_loaded": []}, result["stderr"][-3000:]
    assert differ(folder / "out", plain) == []
    pdf = (folder / "out" / DGR.stem / f"{DGR.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf


def test_cold_render_when_the_worker_dies_finishes_here_with_the_same_bytes(cold, plain):
    result, folder = cold["dies"]
    # ReportLab was not loaded here before (the cold run, first): it was for this one
    assert {k: result[k] for k in ("code", "reportlab_here", "jobs_loaded")} == \
        {"code": 0, "reportlab_here": True, "jobs_loaded": None}, result["stderr"][-3000:]
    assert differ(folder / "out", plain) == []


def test_cold_render_names_characters_the_font_lacks_as_the_plain_render_does(cold):
    result, folder = cold["missing"]
    act = folder / "nota.yaml"
    assert "漢" in act.read_text(encoding="utf-8")
    assert result["code"] == 1
    assert "il carattere «漢» (U+6F22) non esiste nel carattere tipografico del PDF" in result["stderr"]
    assert f"{act}:" in result["stderr"] and "oggetto" in result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert not (folder / "out").exists() or not any((folder / "out").iterdir())


def test_cold_render_of_a_series_then_an_act_writes_both_and_the_act_as_one_process_does(cold, plain):
    """The series makes its first letter here (series/parallel.py), so the act after it is laid out
    here too: the early worker, unclaimed by the series, is let go by the entry point."""
    result, project = cold["series"]
    series = project / "examples" / "serie" / "richiesta-dati-sub-acute.yaml"
    out = project / "out"
    assert result["code"] == 0, result["stderr"][-3000:]
    assert f"{NOTA.relative_to(ROOT)}: 3 pagine -> {out / NOTA.stem}/" in result["stdout"]
    enti = [row.split(",")[0] for row in series.with_suffix(".csv").read_text(encoding="utf-8").splitlines()[1:]]
    letters = sorted(p.name for p in (out / series.stem).iterdir() if p.is_dir())
    assert letters == sorted(enti) and len(enti) == 3
    assert all((out / series.stem / p / f"{series.stem}-{p}.pdf").is_file() for p in letters)
    assert differ(out, {NOTA: plain[NOTA]}) == []
