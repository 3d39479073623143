"""What a process that checks or renders many acts spends on each (``preview --watch``, the test suite).

Run: PYTHONPATH=src python bench/bench_inprocess.py
Each figure beside its rival measured in the same run:
- ``check`` of the reference nota in process, the templates' problems and the registry kept
  (``template_checks.check_templates``, ``registry.cached_registry``) vs both read again each time;
- ``check`` of the reference DGR again in process, each text's citations, dates and figures kept
  (``checks._text_findings``) vs looked for again in every text;
- a DGR whose segretario is one 20,000-character word: ``reportlab_compat._split_word`` vs the same
  without the kept cut (the rest of the word cut again at each page) vs ReportLab's own
  ``paragraph._splitWord`` (the same PDF bytes);
- a nota whose body is one paragraph of 6,000 words, one in seven bold: ``reportlab_compat._same_frag``
  vs rl_accel's ``sameFrag`` comparing the fragments (the same PDF bytes).
CPU time of this process, best of a few rounds (2 shared cores: expect noise).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from timing import best  # bench/timing.py

ROOT = Path(__file__).resolve().parents[1]


def check_figures(project: Path) -> None:
    from circolari.registry import registry
    from circolari.review import template_checks
    from circolari.review.checks import check_paths

    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    kept = best(lambda: check_paths([act]))

    def again():
        template_checks._RESULTS.clear()
        registry._CACHE.clear()
        check_paths([act])

    print(f"check della nota nello stesso processo: {kept:.1f} ms con template e registro tenuti; "
          f"{best(again):.1f} ms riletti ogni volta")

    from circolari.review import checks

    dgr = project / "examples" / "dgr-xi-3681-2020.yaml"
    kept = best(lambda: check_paths([dgr]))

    def texts_again():
        checks._text_findings.cache_clear()
        check_paths([dgr])

    print(f"check della DGR nello stesso processo: {kept:.1f} ms con citazioni, date e cifre di ogni testo "
          f"tenute; {best(texts_again):.1f} ms cercate di nuovo in ogni testo")


def long_word_figures(project: Path) -> None:
    from reportlab.platypus import paragraph

    from circolari.input.project import Project
    from circolari.render import render_act
    from circolari.writers import reportlab_compat

    data = yaml.safe_load((project / "examples" / "dgr-xi-3681-2020.yaml").read_text(encoding="utf-8"))
    data["segretario"] = "x" * 20_000
    act = project / "examples" / "parola-lunga.yaml"
    act.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    setup = Project.locate(act)
    reportlab_compat.fast_split_words()
    files = {}

    def render(split):
        paragraph._splitWord = split
        files[split] = render_act(act, setup).files[f"{act.stem}.pdf"]

    def cut_again(*args, **kwargs):
        reportlab_compat._SPLITS.clear()
        return reportlab_compat._split_word(*args, **kwargs)

    ours = best(lambda: render(reportlab_compat._split_word), rounds=3, repeat=2)
    again = best(lambda: render(cut_again), rounds=3, repeat=2)
    theirs = best(lambda: render(reportlab_compat._reportlab_split_word), rounds=3, repeat=2)
    paragraph._splitWord = reportlab_compat._split_word
    same = "stesso PDF" if len(set(files.values())) == 1 else "PDF DIVERSI"
    print(f"DGR con una parola di 20.000 caratteri: {ours:.0f} ms (ogni carattere misurato una volta, il "
          f"resto della parola preso dal taglio tenuto); {again:.0f} ms tagliando di nuovo il resto a ogni "
          f"pagina; {theirs:.0f} ms con il taglio di ReportLab; {same}")
    if len(set(files.values())) != 1:
        sys.exit(1)


def mixed_styles_figures(project: Path) -> None:
    from reportlab.platypus import paragraph

    from circolari.input.project import Project
    from circolari.render import render_act
    from circolari.writers import reportlab_compat

    data = yaml.safe_load((project / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8"))
    data["corpo"] = " ".join(f"**b{i}**" if i % 7 == 0 else f"p{i}" for i in range(6000))
    act = project / "examples" / "stili-misti.yaml"
    act.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    setup = Project.locate(act)
    reportlab_compat.fast_same_frag()
    files = {}

    def render(compare):
        paragraph.sameFrag = compare
        files[compare] = render_act(act, setup, preview=True).files[f"{act.stem}.pdf"]

    ours = best(lambda: render(reportlab_compat._same_frag), rounds=3, repeat=2)
    theirs = best(lambda: render(reportlab_compat._reportlab_same_frag), rounds=3, repeat=2)
    paragraph.sameFrag = reportlab_compat._same_frag
    same = "stesso PDF" if len(set(files.values())) == 1 else "PDF DIVERSI"
    print(f"nota con un paragrafo di 6.000 parole, una su sette in grassetto: {ours:.0f} ms (frammenti "
          f"confrontati in Python); {theirs:.0f} ms con sameFrag di rl_accel; {same}")
    if len(set(files.values())) != 1:
        sys.exit(1)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in ("templates", "recipients", "examples"):
            shutil.copytree(ROOT / name, project / name)
        check_figures(project)
        long_word_figures(project)
        mixed_styles_figures(project)


if __name__ == "__main__":
    main()
