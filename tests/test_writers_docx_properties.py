"""DOCX package properties: within Word's limits and true to the act."""

from __future__ import annotations

from conftest import normalise, pdf_text, run_cli


def test_oggetto_longer_than_255_characters_renders_and_shortens_only_the_title_property(project):
    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    oggetto = ("indicazioni operative per la presa in carico dei pazienti cronici e fragili nei percorsi "
               "di cura territoriali, con particolare riferimento alla continuità assistenziale tra "
               "ospedale e territorio, alle dimissioni protette e al coordinamento tra le Aziende "
               "Socio Sanitarie Territoriali e le Agenzie di Tutela della Salute.")
    assert len(oggetto) > 255
    text = act.read_text(encoding="utf-8")
    old = "oggetto: plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia."
    act.write_text(text.replace(old, f"oggetto: {oggetto}"), encoding="utf-8")
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    folder = project / "out" / act.stem
    from docx import Document

    docx = Document(str(folder / f"{act.stem}.docx"))
    title = docx.core_properties.title
    assert len(title) <= 255 and title.endswith("\u2026")
    assert oggetto[:150] in title  # the title property is the oggetto, shortened
    body = normalise(" ".join(p.text for p in docx.paragraphs))
    assert oggetto in body  # the act keeps the whole oggetto
    assert oggetto in normalise(" ".join(pdf_text(folder / f"{act.stem}.pdf")))
