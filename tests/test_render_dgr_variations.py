"""What varies between DGRs of other years and offices is data, with defaults that fit the act."""

from __future__ import annotations

import re

from conftest import pdf_text, render_pdf, run_cli

DGR = "examples/dgr-xi-3681-2020.yaml"


def _edit(act, old: str, new: str) -> None:
    text = act.read_text(encoding="utf-8")
    assert old in text, old
    act.write_text(text.replace(old, new, 1), encoding="utf-8")


def _render(project, act):
    """The text of each page of the act's PDF (what these tests read: ``render_pdf``)."""
    return pdf_text(render_pdf(act, project / "out"))


def test_parere_default_law_is_refused_for_a_seduta_before_it(project):
    act = project / DGR
    _edit(act, "legislatura: XI", "legislatura: X")
    _edit(act, "seduta: 2020-10-15", "seduta: 2013-10-25")
    _edit(act, "  base: ai sensi dell'art.4, comma 1, l.r. n.17/2014\n", "")
    result = run_cli("check", act, cwd=project)
    assert result.exit_code == 1 and "per una seduta del 2013 indicare parere.base" in result.output
    _edit(act, "parere:\n", "parere:\n  base: ai sensi della normativa vigente\n")
    pages = _render(project, act)
    assert "parere di regolarità amministrativa ai sensi della normativa vigente:" in pages[0]


def test_one_dirigente_is_il_dirigente_and_the_order_is_data(project):
    act = project / DGR
    _edit(act, "  dirigenti_etichetta: I Dirigenti", "  ordine: dirigenti-direttore\n  #")
    first = _render(project, act)[0]
    assert "Il Dirigente Aida Andreassi Il Direttore Generale Marco Trivelli" in first
    assert "I Dirigenti" not in first


def test_no_allegati_no_annex_page_statement(project):
    act = project / DGR
    text = act.read_text(encoding="utf-8")
    act.write_text(text[:text.index("\nallegati:")] + "\n", encoding="utf-8")
    _edit(act, "- di approvare il documento", "- di prendere atto del documento")  # the dispositivo no longer needs an allegato
    first = _render(project, act)[0]
    assert re.search(r"L'atto si compone di \d+ pagin[ae]", first) and "di allegati" not in first


def test_long_table_after_a_short_section_starts_where_it_is(project):
    act = project / DGR
    csv = project / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    header, *rows = [r for r in csv.read_text(encoding="utf-8").splitlines() if r.strip()]
    csv.write_text("\n".join([header, *(rows * 4)]) + "\n", encoding="utf-8")
    text = act.read_text(encoding="utf-8")
    start = text.index("    sezioni:\n", text.index("\nallegati:"))
    end = text.index("    tabelle:\n", start)
    act.write_text(text[:start] + "    sezioni:\n      - titolo: 1) REQUISITI\n        testo: Si riportano i "
                   "requisiti.\n" + text[end:], encoding="utf-8")
    pages = _render(project, act)
    annex = next(p for p in pages if "ALLEGATO 1" in p)
    assert "Si riportano i requisiti." in annex and rows[0].split("\t")[0] in annex


def test_missing_dispositivo_is_reported_where_it_belongs(project):
    act = project / DGR
    text = act.read_text(encoding="utf-8")
    start, end = text.index("dispositivo:"), text.index("\nallegati:")
    act.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    result = run_cli("check", act, cwd=project)
    line = next(i for i, row in enumerate(act.read_text(encoding="utf-8").splitlines(), 1) if row.startswith("allegati:"))
    assert (f"{act}:{line}: errore: campo 'dispositivo': campo obbligatorio mancante "
            "(aggiungerlo prima di «allegati»)") in result.output
