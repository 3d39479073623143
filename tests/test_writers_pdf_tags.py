"""Issue 18: tagged PDF (PDF/UA-1, PDF/A-2a) read back with poppler's pdfinfo and pikepdf."""

from __future__ import annotations

import re
import subprocess

import pikepdf
import pytest
from helpers.tags import mcid_problems, signing_changes, squeeze, struct_tree, unmarked_text
from helpers.pki import PASSWORD

from circolari.pdf.pdfa_check import check_pdfa
from circolari.signature.pades import sign_pdf
from circolari.writers import text as text_writer


@pytest.fixture(scope="module")
def acts(reference):
    """Both reference acts: (PDF, document tree, fields) by kind."""
    return {kind: (ref.pdf, ref.doc, ref.fields) for kind, ref in reference.items()}


def reading_order_text(doc, fields) -> str:
    """The act's body in reading order, as the text writer gives it, with the PDF's list bullets."""
    lines = []
    for line in text_writer.block_lines(doc.body, fields=fields):
        bullet = re.match(r"^( *)- ", line)
        if bullet:
            line = line.replace("- ", "\u2022 " if len(bullet.group(1)) // 3 % 2 == 0 else "\u2013 ", 1)
        lines.append(line.replace(" | ", " "))  # table cells
    return "\n".join(lines)


@pytest.mark.parametrize("kind", ["circolare", "delibera"])
def test_every_shown_text_is_marked_content(acts, kind):
    pdf = acts[kind][0]
    assert unmarked_text(pdf) == []
    assert mcid_problems(pdf) == []


@pytest.mark.parametrize("kind", ["circolare", "delibera"])
def test_text_in_structure_order_is_the_act_in_reading_order(acts, kind):
    pdf, doc, fields = acts[kind]
    assert squeeze(struct_tree(pdf).all_text()) == squeeze(reading_order_text(doc, fields))


def test_circolare_oggetto_is_a_heading_and_body_paragraphs_are_p(acts):
    pdf, doc, _ = acts["circolare"]
    tree = struct_tree(pdf)
    assert tree.role == "Document"
    headings = [n for n in tree.walk() if n.role == "H1"]
    oggetto = next(b for b in doc.body if getattr(b, "style", None) == "oggetto")
    assert [squeeze(h.all_text()) for h in headings] == [squeeze(oggetto.text)]
    assert "sperimentazioniclinicheinRegioneLombardia" in squeeze(oggetto.text)
    paragraphs = {squeeze(n.text) for n in tree.walk() if n.role == "P"}
    body = [b for b in doc.body if getattr(b, "style", None) == "corpo"]
    assert body and all(squeeze(b.text) in paragraphs for b in body)
    # the addressees come before the oggetto, the signatory after it
    order = [squeeze(n.text) for n in tree.walk() if n.text]
    assert order.index("AIDIRETTORIGENERALI/LEGALIRAPPRESENTANTI") < order.index(squeeze(headings[0].all_text()))
    assert order.index(squeeze(headings[0].all_text())) < order.index("LUIGICAJAZZO")


@pytest.mark.parametrize("kind", ["circolare", "delibera"])
def test_letterhead_and_footer_are_artifacts(acts, kind):
    pdf, doc, fields = acts[kind]
    tagged = squeeze(struct_tree(pdf).all_text())
    printed = squeeze(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                                     capture_output=True, text=True, check=True).stdout)
    page_fields = {**fields, "page": 1, "pages": fields["act-pages"]}
    furniture = [squeeze(line) for line in text_writer.block_lines([*doc.footer, *(doc.first_header or doc.header)],
                                                                   fields=page_fields)
                 if len(line.split()) > 1]  # not a bare figure or word
    assert furniture and all(line in printed for line in furniture)  # drawn on the page...
    body = squeeze(reading_order_text(doc, fields))
    for line in furniture:  # ...but in the structure only where the body says it too
        assert tagged.count(line) == body.count(line), line


def test_delibera_headings_table_sections_and_lists(acts):
    pdf = acts["delibera"][0]
    tree = struct_tree(pdf)
    roles = [n.role for n in tree.walk()]
    headings = {n.role: squeeze(n.all_text()) for n in tree.walk() if re.fullmatch(r"H\d", n.role)}
    assert headings["H1"].startswith("ULTERIORIDETERMINAZIONI") or "ALLEGATO1" in headings["H1"]
    assert [squeeze(n.all_text()) for n in tree.walk() if n.role == "H2"][0] == "DELIBERA"
    sections = [n for n in tree.kids if n.role == "Sect"]
    assert len(sections) == 1 and squeeze(sections[0].all_text()).startswith("“Ulteriorideterminazioni")
    tables = [n for n in tree.walk() if n.role == "Table"]
    assert len(tables) == 1
    rows = [n for n in tables[0].kids if n.role == "TR"]
    header = rows[0].kids
    assert [n.role for n in header] == ["TH"] * 3 and all(n.attrs == ["/Scope /Column"] for n in header)
    assert [squeeze(n.text) for n in header] == ["CODICEREQUISITO", "Norm", "DESCR_REQUISITO"]
    assert all(cell.role == "TD" for row in rows[1:] for cell in row.kids)
    assert roles.count("TH") == 3  # header rows repeated on later pages are artifacts
    lists = [n for n in tree.walk() if n.role == "L"]
    assert lists and all(item.role == "LI" and [k.role for k in item.kids] == ["Lbl", "LBody"]
                         for lst in lists for item in lst.kids)
    labels = [[squeeze(item.kids[0].text) for item in lst.kids] for lst in lists]
    assert ["1.", "2.", "3."] in [numbers[:3] for numbers in labels]  # the dispositivo
    assert any(set(bullets) == {"\u2022"} for bullets in labels)  # a bulleted list of the premesse
    assert "Form" in roles


@pytest.mark.parametrize("kind", ["circolare", "delibera"])
def test_catalog_declares_a_tagged_accessible_pdf(acts, kind):
    pdf = acts[kind][0]
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert doc.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(doc.Root.Lang) == "it-IT"
        meta = doc.open_metadata()
        assert meta["pdfuaid:part"] == "1" and meta["pdfaid:conformance"] == "A"
        widget = next(f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig")
        assert str(widget.TU).startswith("Campo per la firma digitale")
        assert "/StructParent" in widget
        assert all(p.obj.get("/Tabs") == "/S" for p in doc.pages if "/Annots" in p.obj)


@pytest.fixture(scope="module")
def signed(acts, pki, tmp_path_factory):
    """Both reference acts signed (PAdES), by kind. Read-only."""
    folder = tmp_path_factory.mktemp("firmati")
    for kind, (pdf, _, _) in acts.items():
        sign_pdf(pdf, folder / f"{kind}.pdf", pki.p12, PASSWORD)
    return {kind: folder / f"{kind}.pdf" for kind in acts}


@pytest.mark.parametrize("kind", ["circolare", "delibera"])
def test_signed_pdf_stays_tagged_and_pdfa(acts, signed, kind):
    """The signed file's text in structure order is the unsigned one's (checked with poppler in
    test_text_in_structure_order_is_the_act_in_reading_order) by construction, not by asking
    ``pdfinfo -struct-text`` again (2.5 s of poppler for the DGR): the signed file is the unsigned
    file's bytes plus an incremental update that redefines only the Info, the XMP, the catalog's
    ``/Extensions``, the AcroForm's ``/SigFlags`` and the signature widget's ``/V`` and ``/AP``
    (an appearance with no MCID marked content: no text poppler could take for the page's), so the
    structure elements, the ParentTree, the pages, their content streams and fonts (all that text
    comes from) are the same objects, unchanged; poppler still reads the signed file's whole
    structure (``pdfinfo -struct``: every element, attribute and object reference, not the text)
    and finds the unsigned one's."""
    pdf, signed = acts[kind][0], signed[kind]
    assert check_pdfa(signed) == []
    info = subprocess.run(["pdfinfo", str(signed)], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert signing_changes(pdf, signed) == []
    assert struct_tree(signed, text=False) == struct_tree(pdf, text=False)
    assert unmarked_text(signed) == [] and mcid_problems(signed) == []
    with pikepdf.open(signed) as doc:
        meta = doc.open_metadata()
        assert meta["pdfuaid:part"] == "1" and meta["pdfaid:conformance"] == "A"
        widget = next(f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig")
        assert "/V" in widget and "/StructParent" in widget


def test_signing_changes_names_what_an_update_changes_beyond_the_signature(acts, signed, tmp_path):
    """The proof above is not blind: an update of the signed file that changes a page's content, the
    catalog, the AcroForm or the widget beyond its signature is named, and so is a rewritten file."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject, NumberObject, TextStringObject

    pdf, signed = acts["circolare"][0], signed["circolare"]
    with pikepdf.open(pdf) as doc:
        content, catalog, form = doc.pages[0].obj.Contents.objgen, doc.Root.objgen, doc.Root.AcroForm.objgen
        widget = doc.Root.AcroForm.Fields[0].objgen
    changed = tmp_path / "aggiornato.pdf"

    def update(change) -> list[str]:
        writer = PdfWriter(io.BytesIO(signed.read_bytes()), incremental=True)
        change(writer)
        writer.write(changed)
        return signing_changes(pdf, changed)

    def page_text(w):
        stream = w.pages[0]["/Contents"].get_object()
        stream.set_data(stream.get_data().replace(b"BT", b"BT 1 Tr", 1))

    def appearance(w):
        marked = DecodedStreamObject()
        marked.set_data(b"/P <</MCID 0>> BDC BT ET EMC")
        w.root_object["/AcroForm"]["/Fields"][0].get_object()["/AP"][NameObject("/N")] = w._add_object(marked)

    assert update(lambda w: None) == []
    assert update(page_text) == [f"object {content} changed"]
    assert update(lambda w: w.root_object.__setitem__(NameObject("/Lang"), TextStringObject("en-GB"))) == \
        [f"object {catalog} /Catalog changed /Lang"]
    assert update(lambda w: w.root_object["/AcroForm"].__setitem__(NameObject("/NeedAppearances"),
                                                                   NumberObject(1))) == \
        [f"object {form} changed /NeedAppearances"]
    found = update(appearance)
    assert len(found) == 1 and found[0].startswith(f"signature widget {widget}: appearance") and "MCID" in found[0]
    with pikepdf.open(signed) as doc:
        doc.save(changed)  # the same objects, written afresh
    assert signing_changes(pdf, changed) == [
        "not an incremental update: the original bytes are not the start of the signed file"]


@pytest.mark.parametrize("kind, headings", [
    ("circolare", {"oggetto": 0}),
    ("delibera", {"dgr-oggetto": 0, "delibera": 1, "allegato-titolo": 0, "titolo-2": 1}),
])
def test_docx_headings_have_word_outline_levels(acts, kind, headings):
    import docx
    from docx.oxml.ns import qn

    from circolari.document import styles

    pdf, doc, _ = acts[kind]
    document = docx.Document(str(pdf.with_suffix(".docx")))
    by_word = {st.word: name for name, st in styles.STYLES.items()}
    levels = {}
    for paragraph in document.paragraphs:
        outline = paragraph.style.element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        name = by_word.get(paragraph.style.name, paragraph.style.name)
        levels[name] = None if outline is None else int(outline.get(qn("w:val")))
    assert {name: levels.get(name) for name in headings} == headings
    assert levels["corpo" if kind == "circolare" else "premessa"] is None


def test_series_letters_are_tagged(asst_series):
    from helpers.series import rows

    project, series = asst_series
    letters = sorted(series.glob("*/*.pdf"))
    assert len(letters) == len(rows(project))
    for pdf in letters[:2]:
        assert check_pdfa(pdf) == [] and unmarked_text(pdf) == [] and mcid_problems(pdf) == []
        tree = struct_tree(pdf)
        assert [n.role for n in tree.walk()].count("H1") == 1 and "sono assegnati" in tree.all_text()
