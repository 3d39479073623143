"""The private parts of ReportLab, pyHanko and python-docx that circolari relies on, each kept in
one compat module: these tests fail, naming the assumption, when an upgrade breaks one."""

from __future__ import annotations

import io

import pikepdf
import pytest


def test_reportlab_start_page_gives_a_fresh_page():
    from circolari.writers.reportlab_compat import check

    check()


def test_deferred_pages_canvas_finishes_every_page_with_the_total():
    from pypdf import PdfReader

    from circolari.writers.reportlab_compat import deferred_pages_canvas

    calls = []

    def finish(canvas, number, total):
        calls.append((number, total))
        canvas.drawString(72, 40, f"pagina {number} di {total}")

    buffer = io.BytesIO()
    canvas = deferred_pages_canvas(finish)(buffer)
    for number in (1, 2, 3):
        canvas.drawString(72, 700, f"corpo {number}")
        canvas.showPage()
    assert buffer.getvalue() == b""  # nothing written before save
    canvas.save()
    assert calls == [(1, 3), (2, 3), (3, 3)]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages]
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"corpo {number}" in text and f"pagina {number} di 3" in text
        assert all(f"corpo {other}" not in text for other in (1, 2, 3) if other != number)


def test_python_docx_private_elements_are_where_the_writer_expects():
    from circolari.writers.docx_compat import check

    check()


def _pdfa_like(producer: str = "circolari") -> bytes:
    """A one-page PDF whose Info and XMP agree, as a finished act's do."""
    import datetime as dt

    from circolari.pdf.xmp import build_xmp, pdf_date

    when = dt.datetime(2020, 10, 26, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Metadata = pdf.make_stream(build_xmp(title="t", author="a", subject="", keywords="", producer=producer,
                                                  creator_tool="circolari", date=when, lang="it-IT"),
                                        Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(Producer=producer, ModDate=pdf_date(when)))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_pyhanko_update_meta_override_keeps_info_and_xmp_in_step():
    """pyHanko calls the private ``_update_meta`` when it writes an incremental update; ours must run
    (else Info and XMP would disagree and the signed PDF would not be PDF/A)."""
    from pyhanko.pdf_utils.metadata.model import VENDOR

    from circolari.pdf.xmp import parse_pdf_date, parse_xmp_date, read_xmp
    from circolari.signature.pyhanko_compat import check, pdfa_writer_class

    check()
    source = _pdfa_like()
    with pikepdf.open(io.BytesIO(source)) as pdf:
        before = pdf.Root.Metadata.objgen
    writer = pdfa_writer_class()(io.BytesIO(source), strict=False)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(source)  # an incremental update
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        xmp = read_xmp(pdf.Root.Metadata.read_bytes())
        info = pdf.trailer.Info
        assert pdf.Root.Metadata.objgen == before  # the same object, no orphan copy
        assert VENDOR in str(info.Producer) and str(info.Producer).startswith("circolari")
        assert xmp.producer == str(info.Producer)
        modified = parse_pdf_date(str(info.ModDate))
        assert modified == parse_xmp_date(xmp.modify_date) == parse_xmp_date(xmp.metadata_date)
        assert modified > parse_pdf_date("D:20201026120000+01'00'")  # bumped to the signing time


def test_pdf_dates_read_back_what_is_written():
    """Written by hand (the PDF's bytes), read by pikepdf's decoder: the same instant, offset kept."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from circolari.pdf.xmp import parse_pdf_date, pdf_date

    for when in (dt.datetime(2020, 10, 26, 12, tzinfo=ZoneInfo("Europe/Rome")),
                 dt.datetime(2021, 5, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
                 dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)):
        text = pdf_date(when)
        assert text.endswith("'") and parse_pdf_date(text) == when
        assert parse_pdf_date(text).utcoffset() == when.utcoffset()
    assert parse_pdf_date("D:20201326120000") is None and parse_pdf_date("") is None and parse_pdf_date(None) is None
