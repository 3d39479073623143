"""Time the review of both reference acts and a warm preview re-render of the DGR.

Run: PYTHONPATH=src python bench/bench_review.py
Goals (issue 17): ``circolari review templates examples`` < 3 s as a clerk runs it (separate
process, cold imports), beside ``circolari render examples`` in the same run; a warm re-render of
the DGR's preview (what ``preview --watch`` does at each save) < 100 ms, beside the render alone.
"""

from __future__ import annotations

import os
import shutil
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
        render = _cli(project, "render", "examples", "--out", "out-render")
        review = _cli(project, "review", "templates", "examples")
        act = project / "examples" / "dgr-xi-3681-2020.yaml"
        setup = Project.locate(act, out=project / "out")
        folder = project / "out" / act.stem / "preview"
        write_preview(render_act(act, setup), folder)  # cold: imports, fonts, templates
        renders, previews = [], []
        for _ in range(5):
            start = time.perf_counter()
            rendered = render_act(act, setup)
            middle = time.perf_counter()
            write_preview(rendered, folder, refresh=1)
            renders.append(middle - start)
            previews.append(time.perf_counter() - start)
    warm, alone = min(previews), min(renders)
    print(f"review di 2 esempi: {review:.2f} s (obiettivo < {REVIEW_GOAL:.0f} s; render degli stessi: {render:.2f} s) "
          + ("OK" if review < REVIEW_GOAL else "TROPPO LENTO"))
    print(f"anteprima --watch, DGR a caldo: {warm * 1000:.0f} ms (obiettivo < {WATCH_GOAL * 1000:.0f} ms; "
          f"di cui render {alone * 1000:.0f} ms) " + ("OK" if warm < WATCH_GOAL else "TROPPO LENTO"))


if __name__ == "__main__":
    main()
