"""The reference DGR XI/3681 of 15/10/2020 (shared/seeds/dgr-xi-3681-2020.txt) in PDF and DOCX."""

from __future__ import annotations

import csv
import functools
import re

import docx
import pytest
import yaml
from docx.oxml.ns import qn
from pypdf import PdfReader

from circolari.kinds.load import load_act
from circolari.compose.placeholders import expand_data
from conftest import DGR, EXAMPLES, assert_in_order, normalise, pdf_text


@functools.cache
def _act() -> dict:
    """The act as printed: its figures, cited in the text as [[nome]], written out (read on first
    use, not at collection in every test worker)."""
    return expand_data(yaml.safe_load(DGR.read_text(encoding="utf-8")), load_act(DGR)[0].fatti)


@functools.cache
def _rows() -> list[list[str]]:
    """The requirements table's rows, header left out (read-only)."""
    with (EXAMPLES / "dgr-xi-3681-2020-requisiti.csv").open(encoding="utf-8") as table:
        return list(csv.reader(table, delimiter="\t"))[1:]


def markdown_plain(text: str) -> list[str]:
    """The visible text pieces of a Markdown value: paragraphs and list items, markers removed."""
    pieces = []
    for block in re.split(r"\n\s*\n", text.strip()):
        for line in re.split(r"\n(?=\s*- )", block):
            line = re.sub(r"^\s*- ", "", line)
            pieces.append(normalise(line.replace("*", "")))
    return [p for p in pieces if p]


def expected_sequence() -> list[str]:
    seq = ["Regione Lombardia", "LA GIUNTA", "DELIBERAZIONE N° XI / 3681", "Seduta del 15/10/2020",
           "Presidente", "ATTILIO FONTANA", "Assessori regionali", "FABRIZIO SALA Vice Presidente",
           "Con l'assistenza del Segretario Enrico Gasparini", "Su proposta dell'Assessore Giulio Gallera",
           "Oggetto", "ULTERIORI DETERMINAZIONI PER LA GESTIONE DI PAZIENTI COVID-19",
           "Si esprime parere di regolarità amministrativa ai sensi dell'art.4, comma 1, l.r. n.17/2014:",
           "Il Direttore Generale Marco Trivelli", "I Dirigenti Aida Andreassi", "L'atto si compone di"]
    for premessa in _act()["premesse"]:
        pieces = markdown_plain(premessa["testo"])
        separator = "" if pieces[0][0] in ",;:." else " "
        seq += [premessa["formula"] + separator + pieces[0], *pieces[1:]]
    seq.append("DELIBERA")
    for number, point in enumerate(_act()["dispositivo"], start=1):
        pieces = markdown_plain(point)
        seq += [f"{number}. {pieces[0]}", *pieces[1:]]
    seq += ["IL SEGRETARIO", "ENRICO GASPARINI", "Atto firmato digitalmente ai sensi delle vigenti disposizioni di legge",
            "“Ulteriori determinazioni per la gestione di pazienti COVID-19”", "ALLEGATO 1"]
    for section in _act()["allegati"][0]["sezioni"]:
        seq += [section["titolo"], *markdown_plain(section["testo"])]
    seq += ["Tabella requisiti", "CODICE REQUISITO Norm DESCR_REQUISITO"]
    for row in _rows():
        seq += row
    return seq


@pytest.fixture(scope="module")
def dgr_out(reference):
    return reference["delibera"].folder


def without_running_header(page: str) -> str:
    return page.replace("Regione Lombardia LA GIUNTA", " ", 1)


def test_pdf_holds_every_part_in_order(dgr_out):
    pages = pdf_text(dgr_out / f"{DGR.stem}.pdf")
    first, rest = pages[0], [without_running_header(p) for p in pages[1:]]
    text = normalise(" ".join([first, *rest]))
    assert_in_order(text, expected_sequence())
    assert len(_act()["dispositivo"]) == 6 and len(_rows()) == 28


def test_running_header_on_every_page(dgr_out):
    for page in pdf_text(dgr_out / f"{DGR.stem}.pdf"):
        assert page.strip().startswith("Regione Lombardia LA GIUNTA")


def test_page_counts_on_the_frontispiece_are_the_real_ones(dgr_out):
    pages = pdf_text(dgr_out / f"{DGR.stem}.pdf")
    match = re.search(r"L'atto si compone di (\d+) pagine di cui (\d+) pagine di allegati parte integrante", pages[0])
    assert match, pages[0]
    annex_start = next(i for i, page in enumerate(pages) if "ALLEGATO 1" in page)
    assert int(match.group(1)) == len(PdfReader(str(dgr_out / f"{DGR.stem}.pdf")).pages) == len(pages)
    assert int(match.group(2)) == len(pages) - annex_start
    assert "IL SEGRETARIO" not in " ".join(pages[annex_start:])  # the allegato starts on a new page


def test_docx_text_numbering_and_repeating_table_header(dgr_out):
    document = docx.Document(str(dgr_out / f"{DGR.stem}.docx"))
    body = [p for p in document.paragraphs if p.text.strip()]
    text = normalise(" ".join(p.text for p in body))
    pages = pdf_text(dgr_out / f"{DGR.stem}.pdf")
    n, m = re.search(r"compone di (\d+) pagine di cui (\d+)", pages[0]).groups()
    assert f"L'atto si compone di {n} pagine di cui {m} pagine di allegati parte integrante" in text
    # the numbered points are Word numbering, not typed numbers
    sequence = [s for s in expected_sequence()[16:] if not re.match(r"^\d\. ", s)]
    sequence = [s for s in sequence if s not in ("Tabella requisiti",) and not s.startswith("CODICE")][:-len(_rows()) * 3]
    assert_in_order(text, sequence)
    points = [p for p in body if p.style.name == "Dispositivo" and p._p.pPr.numPr is not None]
    assert len(points) == 6 and len({p._p.pPr.numPr.numId.val for p in points}) == 1
    assert points[0].text.startswith("di approvare il documento allegato 1")
    formulas = [r.text for p in body if p.style.name == "Premessa" for r in p.runs if r.bold]
    assert formulas[:3] == ["VISTA", "RICHIAMATA", "RICHIAMATE"]
    table = document.tables[-1]
    header = table.rows[0]
    assert [c.text for c in header.cells] == ["CODICE REQUISITO", "Norm", "DESCR_REQUISITO"]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == _rows()
    delibera = next(p for p in body if p.text == "DELIBERA")
    assert delibera.style.name == "Delibera" and delibera.style.paragraph_format.alignment == 1


def test_delibera_heading_stays_with_its_first_point(dgr_out):
    pages = pdf_text(dgr_out / f"{DGR.stem}.pdf")
    page = next(p for p in pages if re.search(r"\bDELIBERA\b", p.split("LA GIUNTA", 1)[1]))
    assert "1. di approvare il documento allegato 1" in page
