"""What tagging (issue 18) costs on the DGR with a 2,000-row table.

Run: PYTHONPATH=src python bench/bench_tags.py
Figures, interleaved so that the shared machine's noise hits both alike (median of 3):
the whole in-process render (PDF+DOCX, tagged; goal < 2.5 s), and the PDF alone,
laid out and finished, tagged beside the same PDF untagged (the floor).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import ROOT, big_dgr

REPEAT = 3
GOAL = 2.5


def main() -> None:
    from circolari.pdf.pdfa import PdfMeta, finish_pdf
    from circolari.input.project import Project
    from circolari.render import document_datetime, render_act
    from circolari.writers import text as text_writer
    from circolari.writers.pdf import write_pdf

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("templates", "recipients"):
            shutil.copytree(ROOT / name, Path(tmp) / name)
        act = big_dgr(Path(tmp))
        project = Project.locate(act)
        seen = []
        original = text_writer.write_text
        text_writer.write_text = lambda doc, fields=None: (seen.append(doc), original(doc, fields))[1]
        try:
            render_act(act, project)  # warm-up; keeps the document tree
        finally:
            text_writer.write_text = original
        doc = seen[0]
        meta = PdfMeta(doc.title, "", "", (), document_datetime(None))

        def pdf(tagged: bool) -> float:
            start = time.perf_counter()
            raw, layout = write_pdf(doc, {"title": doc.title}, tagged)
            finish_pdf(raw, meta, None, layout.structure)
            return time.perf_counter() - start

        renders, tagged, untagged = [], [], []
        for _ in range(REPEAT):
            start = time.perf_counter()
            render_act(act, project)
            renders.append(time.perf_counter() - start)
            tagged.append(pdf(True))
            untagged.append(pdf(False))
    render, with_tags, floor = (statistics.median(t) for t in (renders, tagged, untagged))
    verdict = "OK" if render < GOAL else "TROPPO LENTO"
    print(f"{'DGR 2.000 righe: render in-process PDF+DOCX etichettato':58} {render:8.3f} s   < {GOAL} s {verdict}")
    print(f"{'DGR 2.000 righe: solo PDF etichettato (impaginato e finito)':58} {with_tags:8.3f} s")
    print(f"{'DGR 2.000 righe: solo PDF non etichettato (pavimento)':58} {floor:8.3f} s   "
          f"costo dei tag {100 * (with_tags - floor) / floor:+.0f}%")
    if render >= GOAL:
        sys.exit(1)


if __name__ == "__main__":
    main()
