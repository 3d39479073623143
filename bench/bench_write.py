"""CPU time of the output side that the test suite and a clerk pay for: the DOCX writer and PAdES
signing, each printed beside a rival measured in the same run.

Run: PYTHONPATH=src python bench/bench_write.py

- ``write_docx`` of the reference DGR (median CPU ms of 15), beside the same writer making its
  elements with python-docx's ``OxmlElement`` and ``qn`` (the namespace prefix worked out anew
  for each of the ~1,300 elements) and setting table cells' width and alignment with
  python-docx's setters (what it did before), and beside the floor: the empty DOCX (a new
  document from the prepared template, zipped).
- ``sign_pdf`` with the .p12 read again at each call (the CLI, the tests), beside the same with
  the per-process signer forgotten before each call (pyHanko's trial signature that sizes the
  room for the signature made again: what it did before), and beside the floor of one
  ``Credentials`` kept across calls (a series).

CPU time (``time.process_time``) rather than wall time: the machine is shared; the rows run
in turn, round after round, so that they see the same load.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
DGR = ROOT / "examples" / "dgr-xi-3681-2020.yaml"
ROUNDS = 15


def rounds(rows: dict, n: int = ROUNDS) -> dict[str, float]:
    """Median CPU ms of each row, the rows run in turn ``n`` times."""
    times: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(n):
        for name, fn in rows.items():
            start = time.process_time()
            fn()
            times[name].append((time.process_time() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def docx_rows() -> dict:
    """write_docx of the reference DGR: ours, python-docx's element factory, the empty DOCX."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn as docx_qn

    import circolari.render as render
    from circolari.input.project import Project
    from circolari.writers import docx as writer
    from circolari.writers.docx_base import new_document, package_bytes

    calls = []
    original = writer.write_docx

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    writer.write_docx = spy  # render imports it from the module at each call
    try:
        render.render_act(DGR, Project.locate(DGR))
    finally:
        writer.write_docx = original
    args, kwargs = calls[0]
    ours = (writer._element, writer.qn, writer._Writer._cell)

    def cell_by_setters(self, cell, inlines, style, align, width):  # the table cell as before
        cell.width = width
        p = cell.paragraphs[0]
        writer._set_style(p, style)
        if align != "left":
            p.alignment = writer._ALIGN[align]
        self.inlines(p, inlines)

    def with_python_docx():
        writer._element, writer.qn = (lambda tag, attrs=None: OxmlElement(tag, attrs)), docx_qn
        writer._Writer._cell = cell_by_setters
        try:
            return original(*args, **kwargs)
        finally:
            writer._element, writer.qn, writer._Writer._cell = ours

    assert with_python_docx() == original(*args, **kwargs), "the rival must write the same bytes"
    return {"ours": lambda: original(*args, **kwargs), "rival": with_python_docx,
            "floor": lambda: package_bytes(new_document(writer._prepare_template))}


def sign_rows(tmp: Path) -> dict:
    """sign_pdf of a 3-page finished PDF: .p12 read each time, signer forgotten too, kept."""
    from bench_finish import make_p12, make_pdf

    from circolari.pdf.pdfa import PdfMeta, SignatureSpot, finish_pdf
    from circolari.signature import pades

    meta = PdfMeta(title="Campagna vaccinale", author="Regione Lombardia", subject="Circolare",
                   keywords=("vaccini",), date=datetime(2024, 10, 1, 9, 30, tzinfo=ZoneInfo("Europe/Rome")))
    src = tmp / "atto.pdf"
    src.write_bytes(finish_pdf(make_pdf(3), meta, SignatureSpot("Firma", 2, (340, 60, 540, 120))))
    p12 = make_p12(tmp / "firma.p12")
    kept = pades.load_p12(p12, b"bench")
    dst = tmp / "atto.firmato.pdf"
    pades.sign_pdf(src, dst, p12, b"bench", overwrite=True)  # imports, stamp font

    def forgetting():
        pades._SIGNERS.clear()
        pades.sign_pdf(src, dst, p12, b"bench", overwrite=True)

    return {"ours": lambda: pades.sign_pdf(src, dst, p12, b"bench", overwrite=True),
            "rival": forgetting,
            "floor": lambda: pades.sign_pdf(src, dst, p12, b"bench", overwrite=True, credentials=kept)}


def main() -> None:
    docx = rounds(docx_rows())
    print(f"write_docx, reference DGR (median CPU of {ROUNDS}): {docx['ours']:.1f} ms; "
          f"with python-docx's OxmlElement/qn and cell setters (before): {docx['rival']:.1f} ms "
          f"({docx['ours'] / docx['rival'] - 1:+.0%}); floor, the empty DOCX: {docx['floor']:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        sign = rounds(sign_rows(Path(tmp)), 10)
    print(f"sign_pdf, .p12 read at each call (median CPU of 10): {sign['ours']:.1f} ms; "
          f"signer made again each call (before): {sign['rival']:.1f} ms "
          f"({sign['ours'] / sign['rival'] - 1:+.0%}); floor, credentials kept (series): {sign['floor']:.1f} ms")


if __name__ == "__main__":
    main()
