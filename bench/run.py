"""Benchmarks: print the figures the issues set goals for. Run with `make bench`.

Figures: in-process render time (after import and one warm-up), cold CLI wall time and
peak memory of a separate process, for the reference circular, the reference DGR and a
generated DGR whose allegato has a 2,000-row table.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTA = ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml"
DGR = ROOT / "examples" / "dgr-xi-3681-2020.yaml"


def in_process(act: Path, repeat: int = 10) -> float:
    """Median seconds to render ``act`` to PDF+DOCX in memory, imports and templates warm."""
    from circolari.input.project import Project
    from circolari.render import render_act

    project = Project.locate(act)
    render_act(act, project)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render_act(act, project)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_cli(act: Path, repeat: int = 5) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MB) of `circolari render ACT` in a new process."""
    walls, peaks = [], []
    for _ in range(repeat):
        out = tempfile.mkdtemp()
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run([sys.executable, "-m", "circolari", "render", str(act), "--out", out, "--forza"],
                       check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        peaks.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
        shutil.rmtree(out)
    return statistics.median(walls), max(peaks)


def big_dgr(folder: Path, rows: int = 2000) -> Path:
    table = folder / "grande.csv"
    with table.open("w", encoding="utf-8") as handle:
        handle.write("CODICE\tNorm\tDESCR\n")
        for i in range(rows):
            handle.write(f"R{i:05d}\taut\tRequisito numero {i} con una descrizione abbastanza lunga da andare a "
                         "capo nella cella della tabella, come accade nelle tabelle dei requisiti reali.\n")
    act = folder / "grande.yaml"
    act.write_text(DGR.read_text(encoding="utf-8").replace("dgr-xi-3681-2020-requisiti.csv", "grande.csv"),
                   encoding="utf-8")
    return act


def main() -> None:
    os.chdir(ROOT)
    print(f"{'measure':58} {'figure':>10}  goal")
    print(f"{'circolare: in-process PDF+DOCX (median of 10)':58} {in_process(NOTA) * 1000:8.1f} ms  < 60 ms")
    wall, peak = cold_cli(NOTA)
    print(f"{'circolare: cold `circolari render` wall (median of 5)':58} {wall:8.3f} s   < 0.4 s")
    print(f"{'circolare: cold `circolari render` peak memory':58} {peak:8.1f} MB  < 150 MB")
    print(f"{'DGR XI/3681: in-process PDF+DOCX (median of 10)':58} {in_process(DGR) * 1000:8.1f} ms  < 150 ms")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "templates", Path(tmp) / "templates")
        shutil.copytree(ROOT / "recipients", Path(tmp) / "recipients")
        act = big_dgr(Path(tmp))
        print(f"{'DGR with 2,000-row table: in-process PDF+DOCX (median of 3)':58} {in_process(act, 3):8.3f} s   < 2 s")
        wall, peak = cold_cli(act, 1)
        print(f"{'DGR with 2,000-row table: cold CLI wall':58} {wall:8.3f} s")
        print(f"{'DGR with 2,000-row table: cold CLI peak memory':58} {peak:8.1f} MB  < 400 MB")


if __name__ == "__main__":
    main()
