"""Time the review of both reference acts and a warm preview re-render of the DGR.

Run: PYTHONPATH=src python bench/bench_review.py
Goals (issue 17): ``circolari review templates examples`` < 3 s as a clerk runs it (separate
process, cold imports), beside ``circolari render examples`` in the same run; a warm re-render of
the DGR's preview after an edit (what ``preview --watch`` does at each save: a tariff cited on three
pages changes) < 100 ms, beside the render alone (the floor) and the same preview redrawing every page.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEW_GOAL, WATCH_GOAL = 3.0, 0.100


def _cli(project: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "circolari", *args], cwd=project, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from circolari.input.project import Project
    from circolari.render import render_act
    from circolari.review.preview import write_preview

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in ("templates", "recipients", "examples"):
            shutil.copytree(ROOT / name, project / name)
        renders, reviews = [], []
        for _ in range(3):
            shutil.rmtree(project / "out-render", ignore_errors=True)
            renders.append(_cli(project, "render", "examples", "--out", "out-render"))
            reviews.append(_cli(project, "review", "templates", "examples"))
        act = project / "examples" / "dgr-xi-3681-2020.yaml"
        text = act.read_text(encoding="utf-8")
        assert "importo: 190" in text
        setup = Project.locate(act, out=project / "out")
        folder = project / "out" / act.stem / "preview"
        write_preview(render_act(act, setup, preview=True), folder)  # cold: imports, fonts, templates
        alone, watch, every = [], [], []
        for run in range(8):  # each save changes a tariff cited on three pages (190 <-> 195)
            act.write_text(text.replace("importo: 190", "importo: 195") if run % 2 == 0 else text, encoding="utf-8")
            start = time.perf_counter()
            rendered = render_act(act, setup, preview=True)
            middle = time.perf_counter()
            write_preview(rendered, folder, refresh=1)
            alone.append(middle - start)
            watch.append(time.perf_counter() - start)
            # the rival: every page redrawn, as before page keys
            (folder / "pagine.json").unlink()
            start = time.perf_counter()
            write_preview(render_act(act, setup, preview=True), folder, refresh=1)
            every.append(time.perf_counter() - start)
    def ms(xs):
        return f"min {min(xs) * 1000:.0f} ms, mediana {statistics.median(xs) * 1000:.0f} ms"
    print(f"carico della macchina: {os.getloadavg()[0]:.1f}")
    print(f"review di 2 esempi: min {min(reviews):.2f} s, mediana {statistics.median(reviews):.2f} s "
          f"(obiettivo < {REVIEW_GOAL:.0f} s; render degli stessi: min {min(renders):.2f} s) "
          + ("OK" if min(reviews) < REVIEW_GOAL else "TROPPO LENTO"))
    print(f"anteprima --watch, DGR a caldo dopo una modifica: {ms(watch)} (obiettivo < {WATCH_GOAL * 1000:.0f} ms; "
          f"render da solo {ms(alone)}; ridisegnando tutte le pagine {ms(every)}) "
          + ("OK" if min(watch) < WATCH_GOAL else "TROPPO LENTO"))


if __name__ == "__main__":
    main()
