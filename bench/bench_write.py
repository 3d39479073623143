"""CPU time of the output side that the test suite and a clerk pay for: the PDF, the DOCX writer
and PAdES signing, each printed beside a rival measured in the same run.

Run: PYTHONPATH=src python bench/bench_write.py

- the PDF of the reference DGR and of a 6,000-word paragraph of mixed styles (laid out and finished
  as PDF/A, ``pdf_job.pdf_items``), beside the same with each of these undone (what it did before):
  lines broken again at every wrap of a paragraph (a table cell when its row is measured and when
  it is drawn), the fonts' ascent found by catching an AttributeError (``getAscentDescent``, once
  per word of mixed styles), and the page streams ASCII85-encoded with their ``/Filter`` an array,
  which qpdf decoded and compressed again when finishing; and beside all of them undone.
- ``write_docx`` of the reference DGR (median CPU ms of 15), beside the same with keep-with-next set
  by python-docx's setter (a search for each of the ~35 elements that may follow ``w:keepNext``) and
  the table style found by name at each table, beside the same with the headers and footers
  written anew instead of copied from the previous act's (``docx._FURNITURE``), and beside the
  same writer also making its
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
NOTA = ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml"
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


def pdf_rows(act: Path) -> dict:
    """The PDF of ``act``, laid out and finished: ours, each speed-up undone, all undone."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import Paragraph

    from circolari.input.project import Project
    from circolari.pdf import pdfa
    from circolari.pdf_job import pdf_items
    from circolari.render import document_datetime, render_act
    from circolari.writers import pdf_tags
    from circolari.writers.pdf import register_fonts

    document = render_act(act, Project.locate(act)).document
    meta = {"title": document.title, "author": "", "subject": ""}
    fonts = [pdfmetrics.getFont(register_fonts() + suffix) for suffix in ("", "-Bold", "-Italic", "-BoldItalic")]
    ours = (pdf_tags.TaggedParagraph.wrap, pdfa._flate_filter_names)

    def pdf(wrap=True, ascent=True, flate=True):
        pdf_tags.TaggedParagraph.wrap = ours[0] if wrap else Paragraph.wrap
        pdfa._flate_filter_names = ours[1] if flate else (lambda doc: None)
        rl_config.useA85 = 0 if flate else 1
        for font in fonts if not ascent else ():
            del font.ascent, font.descent
        try:
            return list(pdf_items(document, meta, (), document_datetime(None)))[1]
        finally:
            pdf_tags.TaggedParagraph.wrap, pdfa._flate_filter_names = ours
            rl_config.useA85 = 0
            for font in fonts:
                font.ascent, font.descent = font.face.ascent, font.face.descent

    assert pdf() == pdf(wrap=False, ascent=False), "the rivals must lay out the same bytes"
    return {"ours": pdf, "wrap": lambda: pdf(wrap=False), "ascent": lambda: pdf(ascent=False),
            "flate": lambda: pdf(flate=False), "before": lambda: pdf(False, False, False)}


def mixed_paragraph(tmp: Path) -> Path:
    """The reference circular with a body of 6,000 words, one in seven bold (as a hostile-layout test)."""
    import shutil

    import yaml

    for name in ("templates", "recipients", "examples"):
        shutil.copytree(ROOT / name, tmp / name)
    path = tmp / "examples" / "nota-plasma-iperimmune-2020.yaml"
    act = yaml.safe_load(path.read_text(encoding="utf-8"))
    act["corpo"] = " ".join(f"**b{i}**" if i % 7 == 0 else f"p{i}" for i in range(6000))
    path.write_text(yaml.safe_dump(act, allow_unicode=True, width=10**9), encoding="utf-8")
    return path


def print_pdf(what: str, t: dict, n: int) -> None:
    print(f"PDF of {what}, laid out and finished (median CPU of {n}): {t['ours']:.1f} ms; before "
          f"{t['before']:.1f} ms ({t['ours'] / t['before'] - 1:+.0%}); each undone alone: lines broken at "
          f"every wrap {t['wrap']:.1f} ms, ascent by exception {t['ascent']:.1f} ms, "
          f"ASCII85 and /Filter arrays (qpdf recompresses) {t['flate']:.1f} ms")


def docx_rows(act: Path | None = None) -> dict:
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
        render.render_act(act or DGR, Project.locate(act or DGR))
    finally:
        writer.write_docx = original
    args, kwargs = calls[0]
    ours = (writer._element, writer.qn, writer._Writer._cell, writer._keep_with_next, writer._table_grid_id)

    def keep_by_setter(paragraph):  # python-docx's setter: a search for each element that may follow
        paragraph.paragraph_format.keep_with_next = True

    def with_lookups():  # keep-with-next and the table style as python-docx sets and finds them
        writer._keep_with_next, writer._table_grid_id = keep_by_setter, lambda d: d.styles["Table Grid"].style_id
        try:
            return original(*args, **kwargs)
        finally:
            writer._keep_with_next, writer._table_grid_id = ours[3:]

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
            return with_lookups()
        finally:
            writer._element, writer.qn, writer._Writer._cell = ours[:3]

    def furniture_again():  # headers and footers written anew, as for the first act of a process
        writer._FURNITURE.clear()
        return original(*args, **kwargs)

    assert with_python_docx() == with_lookups() == furniture_again() == original(*args, **kwargs), \
        "the rivals must write the same bytes"
    return {"ours": lambda: original(*args, **kwargs), "rival": with_python_docx, "lookups": with_lookups,
            "furniture": furniture_again,
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
    print_pdf("the reference DGR", rounds(pdf_rows(DGR)), ROUNDS)
    with tempfile.TemporaryDirectory() as tmp:
        print_pdf("a 6,000-word paragraph of mixed styles", rounds(pdf_rows(mixed_paragraph(Path(tmp))), 5), 5)
    for name, act in (("reference DGR", DGR), ("reference nota", NOTA)):
        docx = rounds(docx_rows(act))
        print(f"write_docx, {name} (median CPU of {ROUNDS}): {docx['ours']:.1f} ms; "
              f"with python-docx's OxmlElement/qn and cell setters (before): {docx['rival']:.1f} ms "
              f"({docx['ours'] / docx['rival'] - 1:+.0%}); keep-with-next and the table style set and found by "
              f"python-docx alone: {docx['lookups']:.1f} ms; headers and footers written anew (not kept from the "
              f"previous act): {docx['furniture']:.1f} ms; floor, the empty DOCX: {docx['floor']:.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        sign = rounds(sign_rows(Path(tmp)), 10)
    print(f"sign_pdf, .p12 read at each call (median CPU of 10): {sign['ours']:.1f} ms; "
          f"signer made again each call (before): {sign['rival']:.1f} ms "
          f"({sign['ours'] / sign['rival'] - 1:+.0%}); floor, credentials kept (series): {sign['floor']:.1f} ms")


if __name__ == "__main__":
    main()
