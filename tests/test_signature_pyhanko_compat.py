"""pyHanko's private metadata hook (``signature/pyhanko_compat.py``): an upgrade that stops calling it fails here."""

from __future__ import annotations

import io

import pikepdf


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
