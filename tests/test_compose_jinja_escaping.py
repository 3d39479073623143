"""Data is text everywhere: markup-looking values and typographic characters come out literally."""

from __future__ import annotations

import docx

from conftest import normalise, pdf_text, run_cli

HOSTILE = {
    "oggetto": "Tariffe <b>2021</b> & rimborsi {{ 7*7 }} — «Ca' Granda» “RUDINÌ” €",
    "saluti": "Saluti {% include 'circolare.html.j2' %} & **non grassetto**",
    "corpo_line": "Testo con <script>alert(1)</script>, {{ 7*7 }}, {% include 'x' %} e € 28.000.000,00 “citato”.",
}


def hostile_act(project):
    act = project / "examples" / "ostile.yaml"
    text = (project / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8")
    text = text.replace("oggetto: plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia.",
                        "oggetto: '" + HOSTILE["oggetto"].replace("'", "''") + "'")
    text = text.replace("saluti: I migliori saluti", "saluti: \"" + HOSTILE["saluti"] + "\"")
    text = text.replace("corpo: |\n", "corpo: |\n  " + HOSTILE["corpo_line"] + "\n\n")
    act.write_text(text, encoding="utf-8")
    return act


def test_values_appear_literally_in_pdf_docx_html_and_text(project):
    act = hostile_act(project)
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    folder = project / "out" / "ostile"
    pdf = " ".join(pdf_text(folder / "ostile.pdf"))
    word = normalise(" ".join(p.text for p in docx.Document(str(folder / "ostile.docx")).paragraphs))
    plain = normalise((folder / "ostile.txt").read_text(encoding="utf-8"))
    for value in HOSTILE.values():
        for output in (pdf, word, plain):
            assert normalise(value) in output
    assert "49" not in plain.replace("2021", "")  # {{ 7*7 }} was never evaluated
    html = (folder / "ostile.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>2021</b>" not in html


def test_markdown_lists_become_real_lists(project):
    act = project / "examples" / "elenchi.yaml"
    text = (project / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8")
    body = ("corpo: |\n  Premessa **in grassetto** e *in corsivo*.\n\n"
            "  a. primo punto;\n  b. secondo punto:\n     - sotto uno\n     - sotto due\n  c. terzo punto.\n\n"
            "  Poi:\n\n  1. uno\n  2. due\n\n")
    act.write_text(text.replace("corpo: |\n", body, 1), encoding="utf-8")
    assert run_cli("render", act, "--out", project / "out", cwd=project).exit_code == 0
    folder = project / "out" / "elenchi"
    pdf = " ".join(pdf_text(folder / "elenchi.pdf"))
    for item in ["a. primo punto;", "b. secondo punto:", "• sotto uno", "• sotto due", "c. terzo punto.",
                 "1. uno", "2. due"]:
        assert item.replace("• ", "") in pdf
    document = docx.Document(str(folder / "elenchi.docx"))
    numbered = [(p.text, p._p.pPr.numPr) for p in document.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    texts = [t for t, _ in numbered]
    assert texts == ["primo punto;", "secondo punto:", "sotto uno", "sotto due", "terzo punto.", "uno", "due"]
    levels = [n.ilvl.val for _, n in numbered]
    assert levels == [0, 0, 1, 1, 0, 0, 0]
    ids = [n.numId.val for _, n in numbered]
    assert ids[0] == ids[1] == ids[4] and ids[2] == ids[3] and ids[5] == ids[6] and len(set(ids)) == 3
    numbering = document.part.numbering_part.element
    formats = {}
    for num in numbering.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num"):
        abstract_id = num.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}abstractNumId").get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        formats[int(num.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}numId"))] = abstract_id
    xml = numbering.xml
    assert 'w:val="lowerLetter"' in xml and 'w:val="decimal"' in xml and 'w:val="bullet"' in xml
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "in grassetto" in bold


def test_characters_the_pdf_font_lacks_are_refused_with_their_line(project):
    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    text = act.read_text(encoding="utf-8").replace("saluti: I migliori saluti", "saluti: I migliori saluti 😀 漢")
    act.write_text(text, encoding="utf-8")
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 1
    line = next(i for i, text_line in enumerate(text.splitlines(), 1) if text_line.startswith("saluti:"))
    assert f"{act}:{line}: errore: campo 'saluti': il carattere «😀» (U+1F600) non esiste" in result.output
    assert "«漢» (U+6F22)" in result.output
    assert not (project / "out").exists()
