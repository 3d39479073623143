"""Time ``circolari check`` on a folder of 200 acts (copies of the two reference acts).

Run: PYTHONPATH=src python bench/bench_check.py
Goal: under 5 s for the whole command, as a clerk runs it (a separate process, cold imports).
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
ACTS = 200
GOAL = 5.0


def make_project(folder: Path) -> Path:
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, folder / name)
    atti = folder / "atti"
    atti.mkdir()
    shutil.copy(ROOT / "examples" / "dgr-xi-3681-2020-requisiti.csv", atti)
    sources = [ROOT / "examples" / "dgr-xi-3681-2020.yaml", ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml"]
    for i in range(ACTS):
        source = sources[i % 2]
        (atti / f"{source.stem}-{i:03d}.yaml").write_bytes(source.read_bytes())
    return folder


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp))
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        command = [sys.executable, "-m", "circolari", "check", "atti", "recipients", "templates"]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "?"
        lines = len(result.stdout.splitlines())
    verdict = "OK" if seconds < GOAL else "TROPPO LENTO"
    print(f"check di {ACTS} atti: {seconds:.2f} s (obiettivo < {GOAL:.0f} s) {verdict}; "
          f"{lines} righe di problemi; {summary}; codice di uscita {result.returncode}")
    if seconds >= GOAL:
        sys.exit(1)


if __name__ == "__main__":
    main()
