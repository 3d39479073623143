"""The reference circular (shared/seeds/nota-plasma-iperimmune-2020.txt) in PDF and DOCX."""

from __future__ import annotations

import docx
import pytest
import yaml
from pypdf import PdfReader

from conftest import NOTA, ROOT, assert_in_order, normalise, pdf_text

ACT = yaml.safe_load(NOTA.read_text(encoding="utf-8"))
LETTERHEAD = ["Regione", "Lombardia", "Regione Lombardia - Giunta", "DIREZIONE GENERALE WELFARE",
              "Piazza Città di Lombardia n.1", "20124 Milano", "Tel 02 6765.1", "www.regione.lombardia.it",
              "welfare@pec.regione.lombardia.it"]
FOOTER = "Il Responsabile del procedimento: AIDA ANDREASSI Tel. 02/6765.2906"
PARAGRAPHS = [p.strip() for p in ACT["corpo"].split("\n\n") if p.strip()]


def registry() -> dict:
    entries = {}
    for path in (ROOT / "recipients").glob("*.yaml"):
        if path.name != "gruppi.yaml":
            for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
                entries[entry["id"]] = entry
    return entries


def addressee_lines(entry: dict) -> list[str]:
    lines = [entry["denominazione"].upper(), *(line.upper() for line in entry.get("indirizzo", []))]
    if entry.get("pec"):
        lines.append(f"Email: {entry['pec']}")
    return lines


def expected_sequence() -> list[str]:
    reg = registry()
    seq = list(LETTERHEAD) + ["AI DIRETTORI GENERALI/LEGALI RAPPRESENTANTI"]
    for ident in ACT["destinatari"]["enti"]:
        seq += addressee_lines(reg[ident])
    seq += ["e, p.c.", "AL DIRETTORE GENERALE AREU", "VIA CAMPANINI, 6", "20100 MILANO (MI)",
            "Email: protocollo@pec.areu.lombardia.it",
            "Oggetto : plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia."]
    seq += PARAGRAPHS + ["I migliori saluti", "IL DIRETTORE GENERALE", "LUIGI CAJAZZO"]
    return seq


def test_pdf_text_holds_the_whole_letter_in_order(nota_out):
    pages = pdf_text(nota_out / f"{NOTA.stem}.pdf")
    body = " ".join(page.replace(FOOTER, " ") for page in pages)
    assert_in_order(normalise(body), expected_sequence())
    assert len(ACT["destinatari"]["enti"]) == 33


def test_seed_addresses_appear_as_in_the_original(nota_out):
    text = " ".join(pdf_text(nota_out / f"{NOTA.stem}.pdf"))
    for line in ["ASST DEGLI SPEDALI CIVILI DI BRESCIA", "ASST DELLA VALTELLINA E DELL'ALTO LARIO",
                 "FONDAZIONE IRCCS CA' GRANDA OSPEDALE MAGGIORE POLICLINICO", "VIA A. DI RUDINÌ, 8",
                 "Email: direzione.amministrativa@asst-santipaolocarlo.it",
                 "Email: ospedaledigravedona@pec.gruppoitalcliniche.it"]:
        assert line in text
    assert "hsr sanraffaele" not in text  # the seed's malformed address is never printed


def test_footer_and_page_number_on_every_page(nota_out):
    pages = pdf_text(nota_out / f"{NOTA.stem}.pdf")
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert FOOTER in page
        assert f"pagina {number} di {len(pages)}" in page
    assert "Regione Lombardia - Giunta" in pages[0]
    assert all("Regione Lombardia - Giunta" not in page for page in pages[1:])  # letterhead: first page only


def test_addressee_blocks_are_not_split_across_pages(nota_out):
    pages = pdf_text(nota_out / f"{NOTA.stem}.pdf")
    for entry in registry().values():
        if entry.get("pec") and entry["id"] in ACT["destinatari"]["enti"]:
            name, pec = normalise(entry["denominazione"].upper()), f"Email: {entry['pec']}"
            assert any(name in page and pec in page for page in pages), entry["id"]


def test_pdf_embeds_truetype_fonts_only(nota_out):
    reader = PdfReader(str(nota_out / f"{NOTA.stem}.pdf"))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            assert descriptor is not None, f"non-embedded font {font.get('/BaseFont')}"
            assert "/FontFile2" in descriptor.get_object(), font.get("/BaseFont")
            assert "Helvetica" not in str(font.get("/BaseFont"))


def test_docx_paragraphs_styles_and_footer(nota_out):
    document = docx.Document(str(nota_out / f"{NOTA.stem}.docx"))
    paragraphs = [(p.style.name, normalise(p.text)) for p in document.paragraphs if p.text.strip()]
    text = " ".join(t for _, t in paragraphs)
    assert_in_order(text, expected_sequence()[len(LETTERHEAD):])
    styles = dict((t, s) for s, t in paragraphs)
    assert styles["e, p.c."] == "Per conoscenza"
    assert styles["LUIGI CAJAZZO"] == "Firma nome"
    assert styles[normalise(PARAGRAPHS[0])] == "Corpo"
    assert styles["AL DIRETTORE GENERALE AREU"] == "Destinatario"
    section = document.sections[0]
    assert section.different_first_page_header_footer
    header = " ".join(c.text for t in section.first_page_header.tables for c in t._cells)
    assert_in_order(normalise(header), LETTERHEAD)
    for footer in (section.footer, section.first_page_footer):
        xml = footer._element.xml
        assert FOOTER in normalise(" ".join(p.text for p in footer.paragraphs))
        assert " PAGE " in xml and " NUMPAGES " in xml


def test_html_preview_is_written(nota_out):
    html = (nota_out / f"{NOTA.stem}.html").read_text(encoding="utf-8")
    assert "<title>plasma iperimmune anti SARS-CoV-2" in html
    assert "Email: protocollo@pec.areu.lombardia.it" in html
    assert '<link rel="stylesheet" href="stile.css">' in html
    css = (nota_out / "stile.css").read_text(encoding="utf-8")
    assert ':is(p, h1, h2, h3, h4).oggetto, [data-p="oggetto"] p:not([class])' in css


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".html", ".txt"])
def test_manifest_lists_every_output_with_its_hash(nota_out, suffix):
    import hashlib
    import json

    manifest = json.loads((nota_out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(f for f in manifest["files"] if f["name"].endswith(suffix))
    data = (nota_out / entry["name"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
    assert len(manifest["recipients"]) == 34
    assert [r["per_conoscenza"] for r in manifest["recipients"]].count(True) == 1
