"""Time ``circolari check`` on a folder of 200 acts (copies of the two reference acts), and one act in process.

Run: PYTHONPATH=src python bench/bench_check.py
Goal: under 5 s for the whole command, as a clerk runs it (a separate process, cold imports).
In process (CPU, best of rounds), each beside a floor or rival of the same run: ``check`` of the
reference DGR vs libyaml's parse of the same file (the least any check must do); the citations
in its texts sought where a number/year is (``citations._stretches``) vs the pattern searched
over every text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import best  # bench/timing.py

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


def in_process(project: Path) -> None:
    import re

    import yaml

    from circolari.input.strings import all_strings
    from circolari.kinds.load import load_act
    from circolari.review import citations
    from circolari.review.checks import check_paths

    act = project / "atti" / "dgr-xi-3681-2020-000.yaml"
    check_paths([act])  # the templates' problems and the registry kept, as in ``check`` of many acts
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    checked, parsed = best(lambda: check_paths([act])), best(lambda: yaml.load(act.read_bytes(), Loader=loader))
    texts = [t for _, t in all_strings(load_act(act, check_fatti=False)[1].data) if isinstance(t, str)]
    whole = re.compile(citations.CITATION.pattern.removeprefix(r"(?=\b[A-Za-z]|n|\d)"))
    sought = best(lambda: [m for t in texts for s, e in citations._stretches(t) for m in citations.CITATION.finditer(t, s, e)])
    scanned = best(lambda: [m for t in texts for m in whole.finditer(t)])
    print(f"check della DGR nello stesso processo: {checked:.1f} ms (lettura YAML con libyaml: {parsed:.1f} ms); "
          f"citazioni nei suoi testi: {sought:.2f} ms cercate dove c'è numero/anno, {scanned:.2f} ms in tutto il testo")


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
        in_process(project)
    verdict = "OK" if seconds < GOAL else "TROPPO LENTO"
    print(f"check di {ACTS} atti: {seconds:.2f} s (obiettivo < {GOAL:.0f} s) {verdict}; "
          f"{lines} righe di problemi; {summary}; codice di uscita {result.returncode}")
    if seconds >= GOAL:
        sys.exit(1)


if __name__ == "__main__":
    main()
