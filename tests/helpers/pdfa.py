"""Test helpers: build small ReportLab PDFs and assert PDF/A conformance.

The checking logic lives in ``circolari.pdf.pdfa_check``; this only adds the
external oracles available here (qpdf, pikepdf's own PDF/A validator).
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from circolari.pdf.pdfa import PdfMeta, SignatureSpot, finish_pdf
from circolari.pdf.pdfa_check import check_pdfa

FONT = "TitilliumWeb"
META = PdfMeta(
    title="Indicazioni operative per la campagna vaccinale «antinfluenzale» 2024/2025",
    author="Regione Lombardia - Direzione Generale Welfare",
    subject="Circolare",
    keywords=("vaccinazioni", "influenza", "ATS"),
    date=datetime(2024, 10, 1, 9, 30, tzinfo=ZoneInfo("Europe/Rome")),
)
SPOT = SignatureSpot("Firma_DirettoreGenerale", 0, (340.0, 60.0, 540.0, 120.0))


def register_font() -> str:
    """The renderer's own registration of the family (``writers.pdf.register_fonts``): ReportLab
    keeps the first TrueType font registered under a name, so a plain ``TTFont`` registered here
    first would stay in place of the renderer's for the rest of the test process."""
    from circolari.writers.pdf import register_fonts

    if FONT not in pdfmetrics.getRegisteredFontNames():
        assert register_fonts() == FONT
    return FONT


def make_pdf(pages: int = 2, *, initial_font: bool = True, helvetica_text: bool = False,
             link: bool = False) -> bytes:
    """A small act-like PDF as the renderer makes it (invariant, Titillium embedded)."""
    register_font()
    buf = BytesIO()
    kwargs = {"initialFontName": FONT} if initial_font else {}
    c = canvas.Canvas(buf, invariant=True, **kwargs)
    for page in range(pages):
        c.setFont(FONT, 11)
        for line in range(30):
            c.drawString(72, 770 - 18 * line,
                         f"Pagina {page + 1}, riga {line + 1}: perché è così? Sì, àèìòù €")
        if link:
            c.linkURL("https://www.regione.lombardia.it", (72, 200, 260, 215))
        if helvetica_text:
            c.setFont("Helvetica", 10)
            c.drawString(72, 100, "testo in Helvetica non incorporato")
        c.showPage()
    c.save()
    return buf.getvalue()


@functools.cache  # a pure function of its arguments: many tests start from the same act
def finished(pages: int = 2, signature: SignatureSpot | None = SPOT, **kwargs) -> bytes:
    """``make_pdf(pages, **kwargs)`` finished as PDF/A with ``META`` and ``signature``.

    Kept by arguments in a test process; test_pdf_pdfa's determinism test calls ``finish_pdf``
    twice itself."""
    return finish_pdf(make_pdf(pages, **kwargs), META, signature)


def qpdf_check(data: bytes, tmp_path) -> str | None:
    """qpdf --check output if it fails, None if it passes; qpdf missing fails the test."""
    assert shutil.which("qpdf"), "qpdf non installato (pacchetto Debian qpdf, installato da .ci/run)"
    path = tmp_path / "qpdf-check.pdf"
    path.write_bytes(data)
    run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    return None if run.returncode == 0 else run.stdout + run.stderr


def assert_pdfa(data: bytes, tmp_path) -> None:
    """No failed clause in our checker, and qpdf finds no structural error."""
    failures = check_pdfa(data)
    assert failures == [], "\n".join(map(str, failures))
    problem = qpdf_check(data, tmp_path)
    assert problem is None, problem


def pikepdf_report(data: bytes, tmp_path) -> list[tuple[str, str, str]]:
    """(rule, kind, message) from pikepdf's PDF/A-2b validator (``pikepdf[pdfa]``, a test
    dependency) on a copy without the form: it does not cover AcroForm. Once per file content
    in a test process (a reference act is read by two tests)."""
    digest = hashlib.sha256(data).digest()
    if digest not in _REPORTS:
        _REPORTS[digest] = tuple(_pikepdf_report(data, tmp_path))
    return list(_REPORTS[digest])


_REPORTS: dict[bytes, tuple[tuple[str, str, str], ...]] = {}  # by the PDF's SHA-256


def _pikepdf_report(data: bytes, tmp_path) -> list[tuple[str, str, str]]:
    import pikepdf
    from pikepdf import pdfa

    copy = tmp_path / "senza-modulo.pdf"
    with pikepdf.open(BytesIO(data)) as doc:
        if "/AcroForm" in doc.Root:
            del doc.Root.AcroForm
        for page in doc.pages:
            if "/Annots" in page.obj:
                page.obj.Annots = pikepdf.Array(
                    [a for a in page.obj.Annots if a.get("/Subtype") != "/Widget"])
        doc.save(copy)
    return sorted((f.rule, f.kind, f.message) for f in pdfa.validate_written(copy, "2b").findings)


def pikepdf_findings(data: bytes, tmp_path) -> list[tuple[str, str]]:
    """(rule, kind) of each finding of ``pikepdf_report``."""
    return [(rule, kind) for rule, kind, _ in pikepdf_report(data, tmp_path)]
