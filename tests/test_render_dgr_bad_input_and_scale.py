"""DGR: invalid input is reported with file and line; a long allegato table lays out completely.

The long table has 300 rows over more than ten pages: every page break repeats the header and
keeps each row once. Its cost at 2,000 rows (linear, not quadratic) is measured by bench/run.py
and bench/bench_tags.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import pdf_text, render_pdf
from helpers.tags import mcid_problems, struct_tree, unmarked_text
from helpers.bad_input import edit, line_of, render_fails

DGR = "examples/dgr-xi-3681-2020.yaml"
CSV = "examples/dgr-xi-3681-2020-requisiti.csv"


def test_legislature_must_fit_the_seduta(project):
    act = edit(project, "legislatura: XI", "legislatura: X", DGR)
    output = render_fails(project, act)
    assert "la legislatura X (2013–2018) non corrisponde all'anno 2020: per il 2020 è XI" in output


def test_row_with_wrong_number_of_cells(project):
    table = project / CSV
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[5] += "\textra"
    lines[9] = lines[9].split("\t")[0]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = render_fails(project, project / DGR)
    assert f"{table}:6: errore: la riga ha 4 celle ma la tabella ha 3 colonne" in output
    assert f"{table}:10: errore: la riga ha 1 celle ma la tabella ha 3 colonne" in output


def test_inline_rows_are_validated_against_the_columns(project):
    act = edit(project, "        file: dgr-xi-3681-2020-requisiti.csv\n",
               "        righe:\n          - [OCSA01, aut]\n", DGR)
    output = render_fails(project, act)
    assert "la riga 1 ha 2 celle ma le colonne sono 3" in output
    assert f"{act}:{line_of(act, 'titolo: Tabella requisiti')}:" in output


def test_missing_table_file(project):
    (project / CSV).unlink()
    act = project / DGR
    output = render_fails(project, act)
    assert f"{act}:{line_of(act, 'file: dgr-xi-3681-2020-requisiti.csv')}: errore: campo 'file': file della tabella" in output
    assert "non trovato" in output


def test_table_file_not_utf8(project):
    table = project / CSV
    table.write_bytes(table.read_text(encoding="utf-8").encode("latin-1"))
    output = render_fails(project, project / DGR)
    assert f"{table}:2: errore: il file non è in codifica UTF-8" in output


def test_table_file_with_broken_quotes(project):
    table = project / CSV
    table.write_text('CODICE\tNorm\tDESCR\n"OCSA01\taut\tx\n', encoding="utf-8")
    output = render_fails(project, project / DGR)
    assert f"{table}" in output and "CSV non valido" in output


def test_empty_dispositivo(project):
    act = project / DGR
    text = act.read_text(encoding="utf-8")
    start, end = text.index("dispositivo:\n"), text.index("\nallegati:")
    act.write_text(text[:start] + "dispositivo: []\n" + text[end:], encoding="utf-8")
    output = render_fails(project, act)
    assert f"{act}:{line_of(act, 'dispositivo: []')}: errore: campo 'dispositivo': non può essere vuoto" in output


def big_table_act(project, rows: int):
    table = project / "examples" / "grande.csv"
    with table.open("w", encoding="utf-8") as handle:
        handle.write("CODICE\tNorm\tDESCR\n")
        for i in range(rows):
            handle.write(f"R{i:05d}\taut\tRequisito numero {i} con una descrizione abbastanza lunga da andare a capo "
                         f"nella cella della tabella, come accade nelle tabelle dei requisiti reali.\n")
    act = project / "examples" / "grande.yaml"
    act.write_text((project / DGR).read_text(encoding="utf-8").replace("dgr-xi-3681-2020-requisiti.csv", "grande.csv"),
                   encoding="utf-8")
    return act


@pytest.mark.parametrize("rows", [300])
def test_long_table_over_many_pages_repeats_its_header_and_keeps_every_row(project, rows):
    act = big_table_act(project, rows)
    pdf = render_pdf(act, project / "out")
    pages = pdf_text(pdf)
    table_pages = [p for p in pages if re.search(r"R\d{5}", p)]
    assert len(table_pages) >= 10  # page figures of two digits, ten page breaks in the table
    # the table starts where it is (after the last section's text), then each page repeats its header
    assert re.search(r"Tabella requisiti\s*CODICE REQUISITO Norm DESCR_REQUISITO R00000", table_pages[0])
    for page in table_pages[1:]:
        after_header = page.split("LA GIUNTA", 1)[1]
        assert re.match(r"\s*CODICE REQUISITO Norm DESCR_REQUISITO R\d{5}", after_header), after_header[:120]
    found = re.findall(r"R(\d{5}) aut", " ".join(table_pages))
    assert [int(n) for n in found] == list(range(rows))
    n, m = map(int, re.search(r"compone di (\d+) pagine di cui (\d+)", pages[0]).groups())
    assert n == len(pages) and m == len(pages) - next(i for i, p in enumerate(pages) if "ALLEGATO 1" in p)
    # tagged (issue 18): one Table, its header once
    assert unmarked_text(pdf) == [] and mcid_problems(pdf) == []
    tree = struct_tree(pdf, text=False)
    table = next(n for n in tree.walk() if n.role == "Table")
    assert [n.role for n in table.kids] == ["Caption", *["TR"] * (rows + 1)]
    assert [n.role for n in table.kids[1].kids] == ["TH"] * 3
    assert sum(n.role == "TH" for n in tree.walk()) == 3 and sum(n.role == "TD" for n in tree.walk()) == 3 * rows


def short_dgr(project, table_rows: list[list[str]]) -> Path:
    """The DGR with one premessa, one point of the dispositivo, one short section (no figure cited)
    and ``table_rows`` as its allegato's table: for what the table does, not the act's length
    (``pdfinfo -struct-text`` goes over a page again for each element of the structure)."""
    act = yaml.safe_load((project / DGR).read_text(encoding="utf-8"))
    act["premesse"], act["dispositivo"] = act["premesse"][:1], act["dispositivo"][:1]
    del act["fatti"]
    allegato = act["allegati"][0]
    allegato["sezioni"] = [{"titolo": "1) SEZIONE", "testo": "Testo della sezione."}]
    del allegato["tabelle"][0]["file"]
    allegato["tabelle"][0]["righe"] = table_rows
    path = project / "examples" / "dgr-breve.yaml"
    path.write_text(yaml.safe_dump(act, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_cell_longer_than_a_page_continues_overleaf(project):
    words_in_cell = 2500  # the cell alone fills more than five pages
    long_text = " ".join(f"parola{i}" for i in range(words_in_cell))
    act = short_dgr(project, [["A1", "aut", long_text], ["A2", "aut", "breve"]])
    pdf = render_pdf(act, project / "out")
    pages = pdf_text(pdf)
    table_pages = [p for p in pages if "parola" in p]
    assert len(table_pages) >= 3
    assert all("CODICE REQUISITO Norm DESCR_REQUISITO" in p for p in table_pages)
    words = re.findall(r"parola(\d+)", " ".join(table_pages))
    assert [int(w) for w in words] == list(range(words_in_cell))  # nothing lost, nothing repeated
    assert "A2 aut breve" in pages[-1]
    assert unmarked_text(pdf) == [] and mcid_problems(pdf) == []
    first_row = [n for n in struct_tree(pdf).walk() if n.role == "TR"][1]  # the cell cut over pages: one TD
    words = re.findall(r"parola(\d+)", first_row.kids[2].text)
    assert [int(w) for w in words] == list(range(words_in_cell))


def test_an_empty_table_at_the_foot_of_a_page_moves_overleaf(project):
    from circolari.writers.pdf import RLParagraph, _LongTable, paragraph_style, register_fonts

    register_fonts()
    header = [RLParagraph("CODICE", paragraph_style("tabella-intestazione"))]
    table = _LongTable(header, [], [200.0])
    assert table.wrap(200, 800)[1] > 0
    assert table.split(200, 3) == []  # no room even for the header: the next page, no IndexError
    act = edit(project, "        file: dgr-xi-3681-2020-requisiti.csv\n", "        righe: []\n", DGR)
    assert "CODICE REQUISITO Norm DESCR_REQUISITO" in pdf_text(render_pdf(act, project / "out"))[-1]
