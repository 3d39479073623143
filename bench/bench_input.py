"""What reading input costs a process that checks or renders many acts (the test suite, ``preview
--watch``, a folder of acts): the YAML loader, the series test, ``check`` of an act in a copy of
the project (templates and registry the same bytes in another folder, as each test has).

Run: PYTHONPATH=src python bench/bench_input.py
Each figure beside its floor measured in the same run:
- ``load_yaml`` (data + line of every value, hostile input refused) of the DGR, the nota and the
  largest registry file vs PyYAML's plain ``yaml.load(CSafeLoader)`` of the same text;
- linear: ``load_yaml`` of a list of 5,000 and of 20,000 entries (4x the text: at most 5x the time),
  beside ``yaml.load(CSafeLoader)`` of the same texts;
- ``is_series_file`` of the DGR (not a series) vs ``load_yaml`` of it (what it did before);
- ``check`` of the nota and of the DGR in a new copy of the project each time vs in the same
  folder each time (everything kept for the process);
- the templates a render of the DGR lists in its manifest (``render.template_files``) in a new copy
  of the templates folder each time vs in the same folder each time;
- the dates in every text of the DGR (``review.dates.DATE``) vs the same pattern without its
  leading look-ahead (the same matches: the look-ahead only fails other positions at once).
CPU time of this process, best of a few rounds (2 shared cores: expect noise).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from timing import best  # bench/timing.py

ROOT = Path(__file__).resolve().parents[1]
DGR = "dgr-xi-3681-2020.yaml"
NOTA = "nota-plasma-iperimmune-2020.yaml"


def loader_figures() -> None:
    from circolari.input.load import load_yaml
    from circolari.series.detect import is_series_file

    for path in (ROOT / "examples" / DGR, ROOT / "examples" / NOTA, ROOT / "recipients" / "asst.yaml"):
        text = path.read_text(encoding="utf-8")
        ours = best(lambda: load_yaml(path), repeat=20)
        floor = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader), repeat=20)
        print(f"load_yaml di {path.name}: {ours:.2f} ms; yaml.load(CSafeLoader) dello stesso testo {floor:.2f} ms "
              f"({ours / floor:.2f}x)")
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for entries in (5_000, 20_000):
            path = Path(tmp) / f"elenco-{entries}.yaml"
            path.write_text("voci:\n" + "".join(f"  - {{id: e{i}, n: {i}, t: testo {i}}}\n" for i in range(entries)),
                            encoding="utf-8")
            text = path.read_text(encoding="utf-8")
            times.append(best(lambda: load_yaml(path), rounds=2, repeat=1))
            floor = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader), rounds=2, repeat=1)
            print(f"load_yaml di un elenco di {entries} voci: {times[-1]:.0f} ms; yaml.load(CSafeLoader) {floor:.0f} ms")
        print(f"lineare: 4 volte il testo, {times[1] / times[0]:.1f} volte il tempo (obiettivo <= 5) "
              + ("OK" if times[1] <= 5 * times[0] else "NON LINEARE"))
    dgr = ROOT / "examples" / DGR
    print(f"is_series_file del DGR: {best(lambda: is_series_file(dgr), repeat=20):.3f} ms; "
          f"load_yaml del DGR {best(lambda: load_yaml(dgr), repeat=20):.2f} ms")


def check_figures(tmp: Path) -> None:
    from circolari.review.checks import check_paths

    copies = iter(range(10**6))

    def project() -> Path:
        folder = tmp / f"p{next(copies)}"
        for name in ("templates", "recipients", "examples"):
            shutil.copytree(ROOT / name, folder / name)
        return folder

    for name in (NOTA, DGR):
        same = project() / "examples" / name
        kept = best(lambda: check_paths([same]), rounds=3, repeat=10)
        fresh = [project() / "examples" / name for _ in range(31)]  # made before the clock starts
        new = iter(fresh)
        copied = best(lambda: check_paths([next(new)]), rounds=3, repeat=10)
        print(f"check di {name} in una copia nuova del progetto: {copied:.1f} ms; "
              f"nella stessa cartella {kept:.1f} ms")
    from circolari.render import template_files

    same = project() / "templates"
    kept = best(lambda: template_files(same, "delibera.html.j2"), rounds=3, repeat=10)
    new = iter([project() / "templates" for _ in range(31)])
    copied = best(lambda: template_files(next(new), "delibera.html.j2"), rounds=3, repeat=10)
    print(f"template del DGR per il manifest in una copia nuova dei template: {copied:.1f} ms; "
          f"nella stessa cartella {kept:.1f} ms")


def dates_figures() -> None:
    import re

    from circolari.input.load import load_yaml
    from circolari.input.strings import all_strings
    from circolari.review.dates import DATE

    texts = [text for _, text in all_strings(load_yaml(ROOT / "examples" / DGR).data) if text]
    plain = re.compile(DATE.pattern.split("])", 1)[1], DATE.flags)  # without "(?=[...])"
    assert [m.span() for t in texts for m in plain.finditer(t)] == [m.span() for t in texts for m in DATE.finditer(t)]
    print(f"date nei testi del DGR: {best(lambda: [list(DATE.finditer(t)) for t in texts], repeat=20):.2f} ms; "
          f"lo stesso modello senza look-ahead {best(lambda: [list(plain.finditer(t)) for t in texts], repeat=20):.2f} ms")


def main() -> None:
    loader_figures()
    dates_figures()
    with tempfile.TemporaryDirectory() as tmp:
        check_figures(Path(tmp))


if __name__ == "__main__":
    main()
