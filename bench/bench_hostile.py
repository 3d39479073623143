"""Time the layout of huge texts: one long paragraph, and one long word in several fields.

Run: PYTHONPATH=src python bench/bench_hostile.py
Goals: a 2 MB paragraph renders in < 20 s; a 20,000-character word in any field in < 2 s
(layout only, beside the floor: the same act with the field left as it is); linear:
4x the text takes at most 5x the time (the floor subtracted).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from circolari.input.project import Project  # noqa: E402
from circolari.render import render_act  # noqa: E402

NOTA = ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml"
DGR = ROOT / "examples" / "dgr-xi-3681-2020.yaml"


def timed(project: Path, change, source: Path = NOTA) -> float:
    act = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(act)
    path = project / "atti" / "atto.yaml"
    path.write_text(yaml.safe_dump(act, allow_unicode=True, width=10**9), encoding="utf-8")
    start = time.perf_counter()
    render_act(path, Project.locate(path))
    return time.perf_counter() - start


def field(*keys):
    def change(act, value):
        target = act
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in ("templates", "recipients"):
            shutil.copytree(ROOT / name, project / name)
        (project / "atti").mkdir()
        shutil.copy(ROOT / "examples" / "dgr-xi-3681-2020-requisiti.csv", project / "atti")
        timed(project, lambda a: None)  # warm imports and fonts
        floor = min(timed(project, lambda a: None) for _ in range(2))
        print(f"pavimento (nota di riferimento): {floor:.2f} s")

        paragraph = field("corpo")
        sizes = {}
        for words in (75_000, 300_000):  # 7 characters a word: 0.5 MB and 2.1 MB
            seconds = timed(project, lambda a: paragraph(a, "parola " * words))
            sizes[words] = seconds
            print(f"paragrafo di {words * 7 / 1e6:.1f} MB: {seconds:.2f} s")
        big = sizes[300_000]
        ratio = (big - floor) / max(sizes[75_000] - floor, 1e-3)
        ok = big < 20 and ratio <= 5
        failed |= not ok
        print(f"paragrafo di 2 MB: {big:.2f} s (obiettivo < 20 s); 4x il testo: {ratio:.1f}x il tempo "
              f"(obiettivo <= 5x) {'OK' if ok else 'TROPPO LENTO'}")

        for name, change in (("corpo", paragraph), ("oggetto", field("oggetto")), ("saluti", field("saluti")),
                             ("destinatari.intestazione", field("destinatari", "intestazione")),
                             ("firmatario.nome", field("firmatario", "nome"))):
            times = [timed(project, lambda a: change(a, "x" * n)) for n in (5_000, 20_000)]
            ratio = (times[1] - floor) / max(times[0] - floor, 0.05)
            ok = times[1] < 2 + floor and ratio <= 5
            failed |= not ok
            print(f"parola di 20.000 caratteri in {name}: {times[1]:.2f} s, {times[1] - floor:.2f} s oltre il "
                  f"pavimento (obiettivo < 2 s); 4x la parola: {ratio:.1f}x {'OK' if ok else 'TROPPO LENTO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
