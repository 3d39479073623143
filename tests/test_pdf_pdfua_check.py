"""The PDF/UA-1 checkpoints of the clause checker: clean on our acts, each breakage found."""

from __future__ import annotations

import datetime as dt
import io
import re

import pikepdf
import pytest
from pikepdf import Name

from circolari.pdf.pdfa import PdfMeta, finish_pdf
from circolari.pdf.pdfa_check import check_pdfa


@pytest.fixture(scope="module")
def dgr_pdf(reference) -> bytes:
    return reference["delibera"].pdf.read_bytes()


def elements(doc):
    """Every structure element, in document order."""
    stack = [doc.Root.StructTreeRoot.K]
    while stack:
        elem = stack.pop()
        if isinstance(elem, pikepdf.Dictionary) and "/S" in elem:
            yield elem
            kids = elem.get("/K")
            stack.extend(reversed(list(kids) if isinstance(kids, pikepdf.Array) else [kids]))


def failures_after(raw: bytes, damage) -> list[str]:
    with pikepdf.open(io.BytesIO(raw)) as doc:
        damage(doc)
        return [f"{f.clause} {f.message}" for f in check_pdfa(doc) if f.clause.startswith("MP")]


def test_rendered_act_passes_every_checkpoint(dgr_pdf):
    assert failures_after(dgr_pdf, lambda doc: None) == []


def first(doc, role):
    return next(e for e in elements(doc) if e.S == role)


def _unmarked_text(doc):
    page = doc.pages[0]
    font = next(iter(page.Resources.Font.keys()))
    page.contents_add(doc.make_stream(f"BT {font} 10 Tf 50 50 Td (x) Tj ET".encode()), prepend=False)


def _unmarked_inline_image(doc):
    doc.pages[0].contents_add(doc.make_stream(b"q 1 0 0 1 50 50 cm BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q"),
                              prepend=False)


def _skip_heading(doc):
    first(doc, "/H2").S = Name("/H4")


def _no_scope(doc):
    del first(doc, "/TH").A


def _list_outside_list(doc):
    first(doc, "/L").S = Name("/Div")


def _no_tu(doc):
    del next(f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig").TU


def _no_tabs(doc):
    for page in doc.pages:
        if "/Tabs" in page.obj:
            del page.obj.Tabs


def _custom_role(doc):
    first(doc, "/P").S = Name("/Paragrafo")


def _tagged_inside_artifact(doc):
    page = doc.pages[0]
    ops = pikepdf.parse_content_stream(page)
    at = next(i for i, (operands, op) in enumerate(ops) if str(op) == "BDC" and "/MCID" in operands[1])
    ops.insert(at, pikepdf.ContentStreamInstruction([Name.Artifact], pikepdf.Operator("BMC")))
    ops.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
    page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(ops))


@pytest.mark.parametrize("damage, expected", [
    (lambda doc: doc.Root.__delattr__("MarkInfo"), "MP 01 il catalogo non ha /MarkInfo"),
    (lambda doc: doc.Root.__delattr__("StructTreeRoot"), "MP 01 manca l'albero di struttura"),
    (_unmarked_text, "MP 01 pagina 1: contenuto né etichettato né marcato come artefatto"),
    (_unmarked_inline_image, "MP 01 pagina 1: contenuto né etichettato né marcato come artefatto"),
    (_tagged_inside_artifact, "MP 01 pagina 1: contenuto etichettato dentro un artefatto"),
    (_custom_role, "MP 02 il tipo di struttura «Paragrafo» non è standard"),
    (lambda doc: setattr(doc.Root.ViewerPreferences, "DisplayDocTitle", False), "MP 07 /ViewerPreferences"),
    (_list_outside_list, "MP 09 un elemento LI sta dentro Div"),
    (lambda doc: doc.Root.__delattr__("Lang"), "MP 11 il catalogo non dichiara la lingua"),
    (_skip_heading, "MP 14 i livelli dei titoli saltano da H1 a H4"),
    (_no_scope, r"MP 15 una cella d'intestazione \(TH\) non ha l'attributo Scope"),
    (lambda doc: first(doc, "/L").__delattr__("A"), "MP 16 un elenco con etichette"),
    (_no_tu, r"MP 28 pagina \d+: annotazione Widget: il campo non ha una descrizione \(/TU\)"),
    (_no_tabs, r"MP 28 pagina \d+: ha annotazioni ma non /Tabs /S"),
])
def test_each_checkpoint_finds_its_breakage(dgr_pdf, damage, expected):
    failures = failures_after(dgr_pdf, damage)
    assert any(re.match(expected, f) for f in failures), failures


def test_custom_role_mapped_to_a_standard_one_is_accepted(dgr_pdf):
    def mapped(doc):
        _custom_role(doc)
        doc.Root.StructTreeRoot.RoleMap = pikepdf.Dictionary(Paragrafo=Name.P)
    assert failures_after(dgr_pdf, mapped) == []


def test_untagged_pdfa_2b_is_not_held_to_pdfua(dgr_pdf):
    def untag(doc):
        del doc.Root.StructTreeRoot, doc.Root.MarkInfo
    with pikepdf.open(io.BytesIO(dgr_pdf)) as doc:
        untag(doc)
        buffer = io.BytesIO()
        doc.save(buffer)
    meta = PdfMeta("Titolo", "Autore", "", (), dt.datetime(2020, 10, 15, 12, tzinfo=dt.timezone.utc))
    plain = finish_pdf(buffer.getvalue(), meta, None)  # no structure: claims PDF/A-2b only
    assert check_pdfa(plain) == []


# Content streams that stress how qpdf's parser drops the operators the check does not read: inline
# images, shading and XObject painting, operators unknown to PDF, operands left before a skipped
# operator, a string cut off at the end, text painted by ' and ".
_HOSTILE_CONTENT = [
    b"1 0 0 1 0 0 cm /Artifact BMC 0 0 m 1 1 l S EMC q Q /Span <</MCID 3 /Lang (it)>> BDC [(a) 2 (b)] TJ EMC",
    b"/P <</MCID 0>> BDC 5 6 7 re f EMC BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI 1 2 Td (x) ' 1 2 (y) \"",
    b"/P /Props BDC EMC /Im0 Do /Sh0 sh 1 2 garbage (z) Tj EMC EMC 7 8",
    b"/P <</MCID 0 >> BDC 1 2 3 4 5 6 7 8 9 f* B B* b b* F s EMC 4 5 /X BDC",
    b"BT /F1 12 Tf 1 0 0 1 5 5 Tm [(unterminated",
]


def test_content_check_reads_every_instruction_it_needs_of_the_full_parse(reference):
    """The PDF/UA content check asks qpdf for the marked-content, painting and inline-image
    operators only (pdfua_check._READ): each page of both reference acts, and hostile streams, give
    exactly the instructions of a full parse that have those operators, with the same operands."""
    from circolari.pdf.pdfua_check import _PAINT, _READ

    wanted = _PAINT | {"BDC", "BMC", "EMC"}  # what pdfua_check._content looks at

    def seen(instructions):
        return [(str(i.operator), bytes(i.iimage.read_raw_bytes()) if hasattr(i, "iimage") else
                 pikepdf.unparse_content_stream([i])) for i in instructions]

    checked = 0
    for kind in ("circolare", "delibera"):
        with pikepdf.open(reference[kind].pdf) as doc:
            for page in doc.pages:
                full = [i for i in pikepdf.parse_content_stream(page) if str(i.operator) in wanted]
                assert seen(pikepdf.parse_content_stream(page, _READ)) == seen(full)
                checked += len(full)
    assert checked > 1000  # the acts' text really was read
    with pikepdf.new() as doc:
        doc.add_blank_page()
        for content in _HOSTILE_CONTENT:
            doc.pages[0].Contents = doc.make_stream(content)
            full = [i for i in pikepdf.parse_content_stream(doc.pages[0]) if str(i.operator) in wanted]
            assert seen(pikepdf.parse_content_stream(doc.pages[0], _READ)) == seen(full), content
