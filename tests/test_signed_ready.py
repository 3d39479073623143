"""Issue 5 on the real acts: PDF/A-2a (PDF/A-2b before tagging), a signature field over the signatory, sign and verify, manifest."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pdfplumber
import pikepdf
import pytest
from test_signing import PASSWORD, pki  # noqa: F401  (fixture: a test CA and signer)

from circolari.pdfa_check import check_pdfa
from circolari.signing import sign_pdf
from circolari.verify import verify_file
from conftest import EXAMPLES, NOTA, run_cli

DGR = EXAMPLES / "dgr-xi-3681-2020.yaml"
ACTS = {"circolare": (NOTA, "Firma_DirettoreGenerale", "LUIGI CAJAZZO",
                      "plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia."),
        "delibera": (DGR, "Firma_Segretario", "ENRICO GASPARINI",
                     "Ulteriori determinazioni per la gestione di pazienti COVID-19")}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for act, *_ in ACTS.values():
        assert run_cli("render", act, "--out", out).exit_code == 0
    return {kind: out / act.stem / f"{act.stem}.pdf" for kind, (act, *_) in ACTS.items()}


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


@pytest.mark.parametrize("kind", ACTS)
def test_signature_field_lies_over_the_signatory(rendered, kind):
    _, field_name, signatory, _ = ACTS[kind]
    with pikepdf.open(rendered[kind]) as doc:
        fields = [f for f in doc.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        assert [str(f.T) for f in fields] == [field_name]
        field = fields[0]
        assert int(field.F) & 4 and "/V" not in field  # printable, empty
        page_index = next(i for i, page in enumerate(doc.pages) if page.obj.objgen == field.P.objgen)
        x1, y1, x2, y2 = (float(v) for v in field.Rect)
    with pdfplumber.open(rendered[kind]) as pdf:
        page = pdf.pages[page_index]
        words = page.extract_words()
        name = [w for w in words if w["text"] in signatory.split()]
        assert name, "signatory not on the field's page"
        for word in name:
            top, bottom = page.height - word["top"], page.height - word["bottom"]
            assert x1 <= word["x0"] and word["x1"] <= x2 and y1 <= bottom and top <= y2, (word, field.Rect)


@pytest.mark.parametrize("kind", ACTS)
def test_rendered_act_signs_and_verifies(rendered, kind, pki, tmp_path):  # noqa: F811
    source = rendered[kind]
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    signed = tmp_path / "firmato.pdf"
    sign_pdf(source, signed, pki.p12, PASSWORD)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before
    report = verify_file(signed, pki.trust)
    assert report.ok, report.lines()
    text = "\n".join(report.lines())
    assert "Mario Rossi" in text and "PDF/A-2b" in text
    assert check_pdfa(signed) == []
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
