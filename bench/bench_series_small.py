"""Bench of a small series (the registry's 27 ASST): CPU of two jobs against one.

Run from the project root:  PYTHONPATH=src:tests python bench/bench_series_small.py
A series' workers are forked once its first letter is done in the main process, so they inherit
what that letter loaded (modules, templates, fonts, pyHanko) instead of each loading it again.
Printed for render and sign: the CPU of ``--jobs 2`` (every process) beside its floor, the CPU
of ``--jobs 1`` (one process, which loads all once), both measured in this run; what is left
between them is the cost of the second process.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
GOAL = 0.25  # --jobs 2 may cost at most a quarter more CPU than --jobs 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], cwd: Path, env: dict) -> tuple[float, float, int]:
    """(CPU seconds of every process of ``command``, wall seconds, exit code)."""
    cpu, start = _children_cpu(), time.perf_counter()
    code = subprocess.run(command, cwd=cwd, env=env, capture_output=True).returncode
    return _children_cpu() - cpu, time.perf_counter() - start, code


def make_project(folder: Path) -> Path:
    """The series test's act over the whole ASST group of the registry, and its CSV table."""
    from helpers.series import ACT, figures, write_csv

    from circolari.registry.registry import Registry

    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, folder / name)
    bodies = Registry.load(folder / "recipients").group_members("asst")
    data = [[e.id, e.denominazione, *figures(i)] for i, e in enumerate(bodies)]
    (folder / "atti").mkdir()
    write_csv(folder / "atti" / "riparto.csv", data)
    total = sum(row[3] for row in data)
    act = folder / "atti" / "riparto.yaml"
    act.write_text(ACT.format(total=total, table="riparto.csv", sheet="", selection="gruppi: [asst]"),
                   encoding="utf-8")
    return act


def main() -> None:
    from helpers.series import make_p12

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        act = make_project(project)
        p12, _ = make_p12(project)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "CIRCOLARI_P12_PASSWORD": "segreta"}
        cli = [sys.executable, "-m", "circolari"]
        print(f"carico della macchina (media 1 min) {os.getloadavg()[0]:.1f} su {os.cpu_count()} core")
        for name, command in (("render", lambda jobs: ["render", str(act), "--out", f"out{jobs}", "--jobs", jobs]),
                              ("sign", lambda jobs: ["sign", f"out{jobs}/riparto", "--p12", str(p12),
                                                     "--jobs", jobs])):
            one = run([*cli, *command("1")], project, env)
            two = run([*cli, *command("2")], project, env)
            extra = (two[0] - one[0]) / one[0]
            ok = one[2] == two[2] == 0 and extra <= GOAL
            failed |= not ok
            print(f"{name} di 27 lettere: CPU con --jobs 2 {two[0]:.2f} s (tempo {two[1]:.2f} s), pavimento "
                  f"--jobs 1 {one[0]:.2f} s (tempo {one[1]:.2f} s): {extra:+.0%} (obiettivo <= +{GOAL:.0%}) "
                  f"{'OK' if ok else 'NON RAGGIUNTO'}; codici {one[2]}, {two[2]}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
