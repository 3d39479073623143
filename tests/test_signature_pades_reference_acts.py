"""Issue 5 on the real acts: PDF/A-2a (PDF/A-2b before tagging), a signature field over the signatory, sign and verify, manifest."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pikepdf
import pytest
from helpers.pki import PASSWORD

from circolari.pdf.pdfa_check import check_pdfa
from circolari.signature.pades import sign_pdf
from circolari.signature.verify import verify_file
from conftest import DGR, NOTA, run_cli

ACTS = {"circolare": (NOTA, "Firma_DirettoreGenerale", "LUIGI CAJAZZO",
                      "plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia."),
        "delibera": (DGR, "Firma_Segretario", "ENRICO GASPARINI",
                     "Ulteriori determinazioni per la gestione di pazienti COVID-19")}


@pytest.fixture(scope="module")
def rendered(reference):
    return {kind: reference[kind].pdf for kind in ACTS}


@pytest.fixture(scope="module")
def signed_act(rendered, pki, tmp_path_factory):
    """``signed_act(kind)``: (the reference act signed, its source's SHA-256 before signing), made
    once per module on first use (read-only)."""
    made = {}

    def sign(kind):
        if kind not in made:
            source, dst = rendered[kind], tmp_path_factory.mktemp("firmato") / "firmato.pdf"
            before = hashlib.sha256(source.read_bytes()).hexdigest()
            sign_pdf(source, dst, pki.p12, PASSWORD)
            made[kind] = dst, before
        return made[kind]

    return sign


@pytest.mark.parametrize("kind", ACTS)
def test_rendered_pdf_is_pdfa_2a_and_pdfua_1(rendered, kind):
    pdf = rendered[kind]
    assert check_pdfa(pdf) == []
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    with pikepdf.open(pdf) as doc:
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "A"  # tagged: level A
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == ACTS[kind][3] == str(doc.docinfo["/Title"])
        assert "/Encrypt" not in doc.trailer and len(doc.trailer.ID) == 2


# What pikepdf's validator (PDF/A-1b/2b/3b only, no extension schemas) cannot read in a tagged act
# that declares PDF/UA-1: the extension schema describing pdfuaid, and conformance level A.
BEYOND_PIKEPDF = [
    ("ISO_19005_2:6.6.2.3.1-1", "violation",
     "XMP namespace pdfaExtension=http://www.aiim.org/pdfa/ns/extension/ is not permitted"),
    ("ISO_19005_2:6.6.2.3.1-1", "violation", "XMP namespace pdfaProperty=http://www.aiim.org/pdfa/ns/property# is not permitted"),
    ("ISO_19005_2:6.6.2.3.1-1", "violation", "XMP namespace pdfaSchema=http://www.aiim.org/pdfa/ns/schema# is not permitted"),
    ("ISO_19005_2:6.6.2.3.1-1", "violation", "XMP property pdfaExtension:schemas is not permitted"),
    ("ISO_19005_2:6.6.2.3.1-1", "violation", "XMP property pdfuaid:part is not permitted"),
    ("ISO_19005_2:6.6.4-3", "violation", "pdfaid:conformance is 'A', expected 'B'"),
]


@pytest.mark.parametrize("kind", ACTS)
def test_pikepdf_validator_finds_nothing_but_what_it_cannot_read_in_the_act_without_its_form(
        rendered, kind, tmp_path):
    from helpers.pdfa import pikepdf_report

    assert pikepdf_report(rendered[kind].read_bytes(), tmp_path) == BEYOND_PIKEPDF


def _field_and_words(pdf_path, field_name):
    """(page index, widget rect in pdfplumber's top-down coordinates, words of that page)."""
    with pikepdf.open(pdf_path) as doc:
        fields = [f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        assert [str(f.T) for f in fields] == [field_name]
        field = fields[0]
        assert int(field.F) & 4  # printable
        page_index = next(i for i, page in enumerate(doc.pages) if page.obj.objgen == field.P.objgen)
        x1, y1, x2, y2 = (float(v) for v in field.Rect)
    import pdfplumber  # these tests' only: not imported at collection in every worker

    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[page_index]
        words = page.extract_words()
        return page_index, (x1, page.height - y2, x2, page.height - y1), words


def _field_page_as_drawn(pdf_path, field_name) -> tuple:
    """(index of the field's page, the field's rectangle, a digest of everything pdfplumber reads
    to find that page's words: its boxes and rotation, its content, every object its resources
    reach, streams with their data)."""
    digest = hashlib.sha256()
    with pikepdf.open(pdf_path) as doc:
        field = next(f for f in doc.Root.AcroForm.Fields if str(f.get("/T")) == field_name)
        index = next(i for i, page in enumerate(doc.pages) if page.obj.objgen == field.P.objgen)
        page = doc.pages[index]
        digest.update(repr((list(page.mediabox), list(page.cropbox), page.obj.get("/Rotate"))).encode())
        contents = page.obj.Contents
        for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
            digest.update(stream.read_bytes())
        stack, seen = [page.obj.Resources], set()
        while stack:
            obj = stack.pop()
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)):
                if obj.is_indirect:
                    if obj.objgen in seen:
                        continue
                    seen.add(obj.objgen)
                items = list(obj.items()) if not isinstance(obj, pikepdf.Array) else list(enumerate(obj))
                digest.update(repr([k for k, _ in items]).encode())
                if isinstance(obj, pikepdf.Stream):
                    digest.update(obj.read_raw_bytes())
                stack.extend(v for _, v in items)
            else:
                digest.update(repr(obj).encode())
        return index, [float(v) for v in field.Rect], digest.hexdigest()


def _overlaps(rect, word) -> bool:
    x1, top, x2, bottom = rect
    return word["x0"] < x2 and x1 < word["x1"] and word["top"] < bottom and top < word["bottom"]


def _assert_beside_the_signatory(pdf_path, field_name, qualifica, nome):
    """The field does not cover text and sits beside the signatory; its (page index, rect, words)."""
    page_index, rect, words = _field_and_words(pdf_path, field_name)
    lines = [w for w in words if w["text"] in (qualifica + " " + nome).split()]
    assert len(lines) >= len((qualifica + " " + nome).split()), "signatory not on the field's page"
    assert not [w for w in words if _overlaps(rect, w)], "the signature field covers text"
    # beside the block: the widget spans the signatory lines' height, to their left
    assert rect[2] < min(w["x0"] for w in lines)
    assert rect[1] <= min(w["top"] for w in lines) and max(w["bottom"] for w in lines) <= rect[3]
    return page_index, rect, words


@pytest.mark.parametrize("kind", ACTS)
def test_signature_field_sits_beside_the_signatory_never_over_text(rendered, signed_act, kind, tmp_path):
    _, field_name, signatory, _ = ACTS[kind]
    qualifica = "IL SEGRETARIO" if kind == "delibera" else "IL DIRETTORE GENERALE"
    signed_pdf, _ = signed_act(kind)
    # Signing adds an incremental update: the field's page, rectangle and the page as drawn are
    # the rendered act's, so what is checked below on the signed act holds for the rendered one.
    assert _field_page_as_drawn(signed_pdf, field_name) == _field_page_as_drawn(rendered[kind], field_name)
    page_index, rect, _ = _assert_beside_the_signatory(signed_pdf, field_name, qualifica, signatory)
    flat = tmp_path / "appiattito.pdf"  # the stamp drawn into the page, as a printer shows it
    with pikepdf.open(signed_pdf) as doc:
        doc.flatten_annotations("all")
        doc.save(flat)
    import pdfplumber

    with pdfplumber.open(flat) as pdf:
        words = pdf.pages[page_index].extract_words()
    stamp = [w for w in words if _overlaps(rect, w)]
    assert " ".join(w["text"] for w in stamp).startswith("Firmato digitalmente da Mario Rossi il")
    named = [w for w in words if w["text"] in signatory.split()]
    assert len(named) == len(signatory.split())
    assert not [(s, n) for s in stamp for n in named if _overlaps((s["x0"], s["top"], s["x1"], s["bottom"]), n)]


def test_signature_field_beside_a_signatory_name_that_wraps(project, tmp_path):
    act = project / "examples" / NOTA.name
    long_name = "LUIGI CAJAZZO DIRETTORE GENERALE DELLA DIREZIONE GENERALE WELFARE DI REGIONE LOMBARDIA"
    source = act.read_text(encoding="utf-8")
    assert "  nome: LUIGI CAJAZZO\n" in source
    act.write_text(source.replace("  nome: LUIGI CAJAZZO\n", f"  nome: {long_name}\n"), encoding="utf-8")
    result = run_cli("render", act, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "out" / act.stem / f"{act.stem}.pdf"
    _, _, words = _assert_beside_the_signatory(pdf, ACTS["circolare"][1], "IL DIRETTORE GENERALE", long_name)
    name_lines = {round(w["top"]) for w in words if w["text"] in ("WELFARE", "CAJAZZO", "LOMBARDIA")}
    assert len(name_lines) >= 2  # the name wraps


@pytest.mark.parametrize("kind", ACTS)
def test_rendered_act_signs_and_verifies(rendered, signed_act, kind, pki, tmp_path):
    source = rendered[kind]
    signed, before = signed_act(kind)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    report = verify_file(signed, pki.trust)
    assert report.ok, report.lines()
    text = "\n".join(report.lines())
    assert "Mario Rossi" in text and "PDF/A-2b" in text
    assert check_pdfa(signed) == []
    # pikepdf's validator, on copies without the form: signing adds no finding of its own
    # (it flags the tagged act's PDF/UA extension schema and A conformance, which it lacks)
    from helpers.pdfa import pikepdf_findings

    before_findings = pikepdf_findings(source.read_bytes(), tmp_path)
    after_findings = pikepdf_findings(signed.read_bytes(), tmp_path)
    assert [f for f in after_findings if f not in before_findings] == [
        ("pikepdf:schema-Extensions", "unsupported")]
    tampered = tmp_path / "alterato.pdf"
    data = bytearray(signed.read_bytes())
    position = data.index(b"/Title") + 8
    data[position] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert not verify_file(tampered).ok


def test_manifest_proves_the_inputs(rendered):
    manifest = json.loads((rendered["delibera"].parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["act"] == {"name": DGR.stem, "kind": "delibera", "oggetto": ACTS["delibera"][3],
                               "date": "2020-10-15", "protocollo": None, "numero": "XI/3681"}
    paths = [entry["path"] for entry in manifest["inputs"]]
    assert paths[0].endswith("examples/dgr-xi-3681-2020.yaml")
    assert any(p.endswith("templates/delibera.html.j2") for p in paths)
    assert any(p.endswith("templates/_tabella.html.j2") for p in paths)
    assert any(p.endswith("dgr-xi-3681-2020-requisiti.csv") for p in paths)
    for entry in manifest["inputs"]:
        from conftest import ROOT
        assert hashlib.sha256((ROOT / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    nota = json.loads((rendered["circolare"].parent / "manifest.json").read_text(encoding="utf-8"))
    assert any(p["path"].endswith("templates/intestazioni/dg-welfare.yaml") for p in nota["inputs"])
    assert len(nota["registry_entries"]["ids"]) == 34 and len(nota["registry_entries"]["sha256"]) == 64


def test_docx_zip_is_normalised(rendered):
    import zipfile

    docx = rendered["circolare"].with_suffix(".docx")
    with zipfile.ZipFile(docx) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])


@pytest.mark.parametrize("kind", ACTS)
def test_font_subset_tags_are_distinct(rendered, kind):
    import re

    with pikepdf.open(rendered[kind]) as doc:
        fonts = [o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
                 and "/FontDescriptor" in o]
        names = [str(f.BaseFont)[1:] for f in fonts]
        assert len(names) >= 2 and all(re.match(r"^[A-Z]{6}\+", n) for n in names), names
        assert len({n[:6] for n in names}) == len(names), names  # ISO 32000-1, 9.6.4
        assert all(str(f.FontDescriptor.FontName) == str(f.BaseFont) for f in fonts)


@pytest.mark.parametrize("kind", ACTS)
def test_unsigned_pdf_is_never_valido(rendered, kind):
    """A conforming PDF with only an empty signature field is NON FIRMATO (exit 4), never VALIDO."""
    report = verify_file(rendered[kind])
    assert report.document_ok and not report.ok
    assert report.verdict == "NON FIRMATO"
    assert report.lines()[-1].startswith("Esito: NON FIRMATO")
    result = run_cli("verify", rendered[kind])
    assert result.exit_code == 4, result.output
    assert "Esito: VALIDO" not in result.output
