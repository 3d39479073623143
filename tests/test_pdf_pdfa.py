"""finish_pdf produces PDF/A-2b; the checker catches each clause it claims to check."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from io import BytesIO

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from helpers.pdfa import META, SPOT, assert_pdfa, finished, make_pdf

from circolari.errors import CircolariError
from circolari.pdf.pdfa import SignatureSpot, finish_pdf
from circolari.pdf.pdfa_check import check_pdfa, pdfa_claim
from circolari.pdf.xmp import read_xmp


@pytest.fixture(scope="module")
def base() -> bytes:
    return finished()


def test_finished_pdf_passes_checker_and_qpdf(base, tmp_path):
    assert_pdfa(base, tmp_path)


def test_finishing_is_deterministic():
    raw = make_pdf()
    assert finish_pdf(raw, META, SPOT) == finish_pdf(raw, META, SPOT)
    other = dataclasses.replace(META, title="Altro oggetto")
    assert finish_pdf(raw, other, SPOT) != finish_pdf(raw, META, SPOT)


def test_metadata_agree_and_claim_pdfa_2b(base):
    with pikepdf.open(BytesIO(base)) as doc:
        info = doc.trailer.Info
        xmp = read_xmp(doc.Root.Metadata.read_bytes())
        assert str(info.Title) == xmp.title == META.title
        assert xmp.creator == [META.author] == [str(info.Author)]
        assert str(info.Subject) == xmp.description == "Circolare"
        assert str(info.Keywords) == xmp.keywords == "vaccinazioni, influenza, ATS"
        assert str(info.CreationDate) == "D:20241001093000+02'00'"
        assert xmp.create_date == xmp.modify_date == xmp.metadata_date == "2024-10-01T09:30:00+02:00"
        assert (xmp.part, xmp.conformance) == ("2", "B")
        assert str(pdfa_claim(doc)) == "PDF/A-2b"
        assert str(doc.Root.Lang) == "it-IT"
        intent = doc.Root.OutputIntents[0]
        assert intent.S == Name.GTS_PDFA1 and intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        first, second = doc.trailer.ID
        assert bytes(first) == bytes(second) and len(bytes(first)) == 16
        assert "/Encrypt" not in doc.trailer


def test_output_intent_profile_has_parametric_tone_curves_readers_need_not_invert_tables(base):
    """The sRGB profile's tone curves are parametric (``para``), not point tables: a reader that
    builds a colour transform for each page it draws (poppler, once per structure element for
    ``pdfinfo -struct-text``) inverted the former profile's 1024-point tables in ~10 ms each.
    The profile is ICC v4.2 at most, as PDF/A-2 requires."""
    import struct

    with pikepdf.open(BytesIO(base)) as doc:
        icc = doc.Root.OutputIntents[0].DestOutputProfile.read_bytes()
    assert icc[12:20] == b"mntrRGB " and b"\x02\x00\x00\x00" <= icc[8:12] <= b"\x04\x20\x00\x00"
    (count,) = struct.unpack(">I", icc[128:132])
    tags = {sig: icc[offset:offset + 4] for sig, offset, _ in
            (struct.unpack(">4sII", icc[132 + 12 * i:144 + 12 * i]) for i in range(count))}
    assert {tags[trc] for trc in (b"rTRC", b"gTRC", b"bTRC")} == {b"para"}


def test_finishing_keeps_a_compressed_stream_as_it_is():
    """A stream ReportLab compressed (``/Filter [/FlateDecode]``: an array) goes into the finished
    PDF as it is: qpdf inflated and deflated again each stream whose filter was an array (half
    of finish_pdf's time on the reference acts)."""
    import zlib

    with pikepdf.open(BytesIO(make_pdf(2))) as doc:
        pages = [page.obj.Contents for page in doc.pages]
        assert all(isinstance(page.Filter, Array) for page in pages)  # ReportLab's spelling
        kept = [zlib.compress(page.read_bytes(), 1) for page in pages]  # not what qpdf would make
        for page, data in zip(pages, kept):
            page.write(data, filter=Array([Name.FlateDecode]))
        out = BytesIO()
        doc.save(out)
    with pikepdf.open(BytesIO(finish_pdf(out.getvalue(), META, SPOT))) as doc:
        assert [page.obj.Contents.read_raw_bytes() for page in doc.pages] == kept
        assert {str(page.obj.Contents.Filter) for page in doc.pages} == {"/FlateDecode"}


def test_no_reportlab_helvetica_left(tmp_path):
    """Without initialFontName ReportLab sets /F1 Helvetica; finishing removes it."""
    data = finish_pdf(make_pdf(initial_font=False), META, None)
    with pikepdf.open(BytesIO(data)) as doc:
        fonts = doc.pages[0].Resources.Font
        assert all("Helvetica" not in str(f.get("/BaseFont")) for f in fonts.values())
    assert_pdfa(data, tmp_path)


def test_helvetica_text_is_refused():
    with pytest.raises(CircolariError, match="Helvetica non è incorporato"):
        finish_pdf(make_pdf(helvetica_text=True), META, None)


def test_links_become_printable(tmp_path):
    data = finish_pdf(make_pdf(link=True), META, None)
    with pikepdf.open(BytesIO(data)) as doc:
        assert int(doc.pages[0].Annots[0].F) == 4
    assert_pdfa(data, tmp_path)


def test_signature_field_is_empty_visible_and_signable(base):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    with pikepdf.open(BytesIO(base)) as doc:
        widget = doc.Root.AcroForm.Fields[0]
        assert widget.FT == Name.Sig and widget.Subtype == Name.Widget
        assert str(widget.T) == SPOT.name and int(widget.F) == 4
        assert [float(v) for v in widget.Rect] == list(SPOT.rect)
        assert widget.P.objgen == doc.pages[0].obj.objgen
        assert isinstance(widget.AP.N, pikepdf.Stream)
        assert widget.objgen in {a.objgen for a in doc.pages[0].Annots}
        assert "/NeedAppearances" not in doc.Root.AcroForm
    fields = list(enumerate_sig_fields(PdfFileReader(BytesIO(base))))
    assert [(name, value) for name, value, _ in fields] == [(SPOT.name, None)]


def test_pikepdf_validator_agrees_without_forms(tmp_path):
    from pikepdf import pdfa as validator  # pikepdf[pdfa], a test dependency
    path = tmp_path / "a.pdf"
    path.write_bytes(finish_pdf(make_pdf(link=True), META, None))
    report = validator.validate_written(path, "2b")
    assert report.passed, report.summary


@pytest.mark.parametrize("spot, message", [
    (SignatureSpot("Firma", 5, (0, 0, 10, 10)), "pagina 6"),
    (SignatureSpot("Firma", 0, (10, 10, 5, 20)), "dimensioni nulle"),
    ([SignatureSpot("Firma", 0, (0, 0, 9, 9)), SignatureSpot("Firma", 0, (20, 0, 29, 9))],
     "esiste già"),
])
def test_bad_signature_spot(spot, message):
    with pytest.raises(CircolariError, match=message):
        finish_pdf(make_pdf(1), META, spot)


def test_naive_date_refused():
    meta = dataclasses.replace(META, date=datetime(2024, 10, 1, 9, 30))
    with pytest.raises(CircolariError, match="fuso orario"):
        finish_pdf(make_pdf(1), meta, None)


def test_not_a_pdf_refused():
    with pytest.raises(CircolariError, match="non è leggibile"):
        finish_pdf(b"ciao", META, None)


# --- negative tests: each mutation must be caught under its clause ---------------

def _helvetica(doc):
    page = doc.pages[0]
    page.Resources.Font.Hv = Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                        BaseFont=Name.Helvetica)
    page.contents_add(doc.make_stream(b"BT /Hv 12 Tf 72 72 Td (x) Tj ET"))


def _font_in_form(doc):
    form = doc.make_stream(b"BT /Hv 9 Tf (x) Tj ET", Type=Name.XObject, Subtype=Name.Form,
                           BBox=[0, 0, 10, 10], Resources=Dictionary(Font=Dictionary(
                               Hv=Dictionary(Type=Name.Font, Subtype=Name.Type1,
                                             BaseFont=Name.Courier))))
    doc.pages[0].Resources.XObject = Dictionary(Fm0=form)


def _font_in_appearance(doc):
    widget = doc.Root.AcroForm.Fields[0]
    widget.AP.N.Resources = Dictionary(Font=Dictionary(Hv=Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name.Arial,
        FontDescriptor=Dictionary(Type=Name.FontDescriptor, FontName=Name.Arial))))


def _lzw(doc):
    stream = doc.make_stream(b"")
    stream.write(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", filter=Name.LZWDecode)
    doc.pages[0].Resources.XObject = Dictionary(Im0=stream)


def _lzw_inline_image(doc):
    doc.pages[0].contents_add(doc.make_stream(b"q BI /W 1 /H 1 /BPC 8 /CS /G /F /LZW ID \x80\x0b EI Q"),
                              prepend=False)


def _javascript_open(doc):
    doc.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('x')"))


def _javascript_names(doc):
    doc.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array()))


def _launch_link(doc):
    doc.pages[0].Annots.append(doc.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Link, F=4, Rect=[0, 0, 10, 10],
        A=Dictionary(S=Name.Launch, F=String("calc.exe")))))


def _gotor_link(doc):
    doc.pages[0].Annots.append(doc.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Link, F=4, Rect=[0, 0, 10, 10],
        A=Dictionary(S=Name.GoToR, F=String("altro.pdf"), D=Array([0, Name.Fit])))))


def _external_stream(doc):
    doc.pages[0].Resources.XObject = Dictionary(
        Ext=doc.make_stream(b"", Type=Name.XObject, Subtype=Name.Form, BBox=[0, 0, 1, 1],
                            F=String("esterno.bin")))


def _no_xmp(doc):
    del doc.Root.Metadata


def _xmp_not_xml(doc):
    doc.Root.Metadata = doc.make_stream(b"<x:xmpmeta>", Type=Name.Metadata, Subtype=Name.XML)


def _xmp_part_1(doc):
    xmp = doc.Root.Metadata.read_bytes().replace(b"<pdfaid:part>2<", b"<pdfaid:part>1<")
    doc.Root.Metadata = doc.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)


def _info_title_differs(doc):
    doc.trailer.Info.Title = String("Un altro titolo")


def _info_date_differs(doc):
    doc.trailer.Info.ModDate = String("D:20250101000000+01'00'")


def _no_output_intent(doc):
    del doc.Root.OutputIntents


def _output_intent_without_icc(doc):
    del doc.Root.OutputIntents[0].DestOutputProfile


def _hidden_annotation(doc):
    doc.Root.AcroForm.Fields[0].F = 4 | 2


def _annotation_not_printable(doc):
    doc.Root.AcroForm.Fields[0].F = 0


def _annotation_without_appearance(doc):
    doc.pages[0].Annots.append(doc.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Square, F=4, Rect=[0, 0, 50, 50])))


def _appearance_with_down_state(doc):
    ap = doc.Root.AcroForm.Fields[0].AP
    ap.D = ap.N


def _need_appearances(doc):
    doc.Root.AcroForm.NeedAppearances = True


def _catalog_aa(doc):
    doc.Root.AA = Dictionary()


MUTATIONS = {
    "helvetica": (_helvetica, "6.2.11.4.1"),
    "font in form XObject": (_font_in_form, "6.2.11.4.1"),
    "font in annotation appearance": (_font_in_appearance, "6.2.11.4.1"),
    "LZW": (_lzw, "6.1.7.2"),
    "LZW inline image": (_lzw_inline_image, "6.1.10"),
    "JavaScript OpenAction": (_javascript_open, "6.5.1"),
    "JavaScript name tree": (_javascript_names, "6.5.1"),
    "Launch action": (_launch_link, "6.5.1"),
    "GoToR external link": (_gotor_link, "policy"),
    "external stream data": (_external_stream, "6.1.7.1"),
    "no XMP": (_no_xmp, "6.6.2.1"),
    "XMP not XML": (_xmp_not_xml, "6.6.2.1"),
    "pdfaid:part 1": (_xmp_part_1, "6.6.4"),
    "Info title differs": (_info_title_differs, "6.6.3"),
    "Info date differs": (_info_date_differs, "6.6.3"),
    "no OutputIntent": (_no_output_intent, "6.2.3"),
    "OutputIntent without ICC": (_output_intent_without_icc, "6.2.3"),
    "hidden annotation": (_hidden_annotation, "6.3.2"),
    "annotation not printable": (_annotation_not_printable, "6.3.2"),
    "annotation without appearance": (_annotation_without_appearance, "6.3.3"),
    "appearance with /D": (_appearance_with_down_state, "6.3.3"),
    "NeedAppearances": (_need_appearances, "6.4.1"),
    "catalog /AA": (_catalog_aa, "6.5.2"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_checker_catches(name, base):
    mutate, clause = MUTATIONS[name]
    with pikepdf.open(BytesIO(base)) as doc:
        mutate(doc)
        out = BytesIO()
        doc.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 compress_streams=False, deterministic_id=True)
    failures = check_pdfa(out.getvalue())
    assert clause in {f.clause for f in failures}, failures


def test_checker_catches_missing_id(base):
    with pikepdf.open(BytesIO(base)) as doc:
        del doc.trailer.ID
        assert "6.1.3" in {f.clause for f in check_pdfa(doc)}


def test_checker_catches_encryption(base):
    with pikepdf.open(BytesIO(base)) as doc:
        out = BytesIO()
        doc.save(out, encryption=pikepdf.Encryption(owner="segreto", user=""))
    assert any("cifrato" in f.message for f in check_pdfa(out.getvalue()))


@pytest.mark.parametrize("damage, clause", [
    (lambda b: b + b"spazzatura", "6.1.3"),
    (lambda b: b"%PDF-1.7\n" + b[b.index(b"\n", 9) + 1:], "6.1.2"),
])
def test_checker_catches_file_structure(base, damage, clause):
    assert clause in {f.clause for f in check_pdfa(damage(base))}


def test_checker_reports_unreadable_file():
    assert check_pdfa(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nnon un pdf\n%%EOF\n")


def test_check_of_the_open_document_is_the_check_of_its_bytes(base):
    """verify checks the document it has opened (check_open_pdfa, one parse of the file): the
    same clauses, in the same order, as check_pdfa of the bytes; a file whose objects qpdf cannot
    read past the opening is a 6.1 failure in both."""
    from circolari.pdf.pdfa_check import check_open_pdfa

    with pikepdf.open(BytesIO(base)) as doc:
        doc.Root.Metadata = doc.make_stream(b"<non xml")
        doc.Root.AA = Dictionary()
        out = BytesIO()
        doc.save(out, deterministic_id=True)
    broken = base.replace(b"/Type /Page >>", b"/Type /Page /Contents 9999 0 R /Resources 9998 0 R >>", 1)
    assert broken != base
    for raw in (base, base + b"spazzatura", b"%PDF-1.7\n" + base[base.index(b"\n", 9) + 1:], out.getvalue(), broken):
        with pikepdf.open(BytesIO(raw)) as doc:
            assert check_open_pdfa(raw, doc) == check_pdfa(raw)
    assert check_pdfa(out.getvalue()) != [] and check_pdfa(base) == []
