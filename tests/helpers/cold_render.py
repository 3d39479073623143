"""``circolari render`` in one fresh interpreter, once per test run, for the facts only a cold
command shows: test_pdf_job (the PDF laid out in the worker the entry point forks, the worker's
death, its errors, a series), test_package_lazy_imports (the modules a render loads) and
test_cli_entry (how a render's process ends, the early worker of a command that ends first).

The interpreter runs the console entry point once per case, in this order, so that none hides
another: ``nota`` (the circular alone, first: the modules of a render of a circular,
its PDF laid out by a worker of a process that loaded nothing else), ``cold`` (the DGR then the
circular, both jobs in one worker), ``dies`` (the worker dies after the circular's first item),
``missing`` (a character the font lacks), ``series`` (a series, then the circular); each render
forks its own worker, as a command does. Then the command lines of ``ENDING_EARLY``, which end
before any act (``ending-0``...: is the early worker each forked gone?). Then ``entry``: the
circular as the console script runs it, its output the process's own and the process ended by
``end_now``. The interpreter has a hash
seed of its own (``PYTHONHASHSEED=random``): its files must be byte for byte the test worker's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DGR, NOTA, ROOT, _shared_project

# Command lines that end before any act (the file is missing, an unknown option, --version).
ENDING_EARLY = [["render", "manca.yaml"], ["render", "--sconosciuta", "x.yaml"], ["--version", "render", "x.yaml"]]

# Run ``circolari ARGV`` through the console entry point once for each run of the JSON list
# argv[1] but the last ({"argv", "cwd", "child_dies", "loaded"}) and print, for each: its exit
# code, output and errors, the early worker it forked and whether that is still there (running,
# or a zombie left to be reaped) once the command is done, whether this process had loaded ReportLab by then (the PDFs were
# laid out here, not in the worker), the modules the worker's jobs loaded beyond its warm-up
# (each a cost on the render's critical path; ``child_dies``: the worker exits after sending the
# first item), the modules this process had loaded and whether it had built the DGR's validator.
# Then the last run as the console script runs it (its "flag" folder gets "atexit" from an exit
# handler), after the number of threads left running.
SCRIPT = """
import atexit, contextlib, io, json, os, sys, threading, traceback
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

fork_early, workers = pdf_job.start_early, []

def start_early():
    fork_early()
    workers.append(pdf_job._early._pid)

pdf_job._warm, pdf_job.pdf_items, pdf_job.start_early = warm, items, start_early
import circolari.cli.entry as entry
end_now, entry.end_now = entry.end_now, sys.exit  # go on after the command, to say what it loaded
*runs, last = json.loads(sys.argv[1])
results = []
for run in runs:
    os.chdir(run["cwd"])
    sys.argv, forked = ["circolari", *run["argv"]], len(workers)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            entry.main()
        except SystemExit as exc:
            code = exc.code
        except Exception:
            code = "Traceback"
            traceback.print_exc()
    loaded, worker = Path(run["loaded"]), workers[-1] if len(workers) > forked else None
    delibera = sys.modules.get("circolari.model.delibera")
    results.append({"code": code, "reportlab_here": "reportlab" in sys.modules,
                    "jobs_loaded": json.loads(loaded.read_text()) if loaded.exists() else None,
                    "stdout": out.getvalue(), "stderr": err.getvalue(), "modules": sorted(sys.modules),
                    "worker": worker, "worker_left": worker is not None and os.path.exists(f"/proc/{worker}"),
                    "dgr_validator_built": bool(delibera and delibera.Delibera.__pydantic_complete__)})
print(json.dumps({"runs": results, "threads": threading.active_count()}), flush=True)
run = last
os.chdir(run["cwd"])
atexit.register(lambda: Path(run["flag"], "atexit").write_text("ok"))
entry.end_now = end_now
sys.argv = ["circolari", *run["argv"]]
entry.main()
"""


def results(tmp_path_factory) -> dict:
    """``{"runs": {name: (result, folder)}, "entry": {...}}``: each run's result (see ``SCRIPT``)
    and folder; for ``entry``, the process's exit code, its output after the runs' results, its
    errors, its folder and the threads running when it started.

    Once per run, whichever xdist worker asks first (``helpers.once_per_run``); read-only."""
    from helpers import once_per_run

    kept = json.loads(once_per_run.text("processo-nuovo-render", lambda: json.dumps(_run(tmp_path_factory))))
    kept["runs"] = {name: (result, Path(folder)) for name, (result, folder) in kept["runs"].items()}
    kept["entry"]["folder"] = Path(kept["entry"]["folder"])
    return kept


def _run(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("processo-nuovo")
    for name in ("nota", "cold", "dies", "missing", "entry"):
        (work / name).mkdir()
    act = work / "missing" / "nota.yaml"
    act.write_text(NOTA.read_text(encoding="utf-8").replace("oggetto: ", "oggetto: 漢 ", 1), encoding="utf-8")
    project = _series_project(tmp_path_factory)
    series = project / "examples" / "serie" / "richiesta-dati-sub-acute.yaml"
    cases = {"nota": (work / "nota", ROOT, [NOTA], False),
             "cold": (work / "cold", ROOT, [DGR, NOTA], False),
             "dies": (work / "dies", ROOT, [NOTA, DGR], True),
             "missing": (work / "missing", ROOT, [act], False),
             "series": (project, project, [series, project / NOTA.relative_to(ROOT)], False),
             **{f"ending-{index}": (work, ROOT, argv, False) for index, argv in enumerate(ENDING_EARLY)},
             "entry": (work / "entry", ROOT, [NOTA], False)}
    runs = [{"argv": acts if name.startswith("ending-") else ["render", *map(str, acts), "--out", str(folder / "out")],
             "cwd": str(cwd), "child_dies": dies, "loaded": str(folder / "loaded-by-jobs.json"), "flag": str(folder)}
            for name, (folder, cwd, acts, dies) in cases.items()]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(runs)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env={**os.environ, "PYTHONHASHSEED": "random"})
    found, _, output = proc.stdout.partition("\n")
    assert found.startswith('{"runs": '), proc.stdout[-2000:] + proc.stderr[-3000:]
    found = json.loads(found)
    return {"runs": {name: (result, str(case[0])) for (name, case), result in zip(cases.items(), found["runs"])},
            "entry": {"code": proc.returncode, "stdout": output, "stderr": proc.stderr,
                      "folder": str(work / "entry"), "threads": found["threads"]}}


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
