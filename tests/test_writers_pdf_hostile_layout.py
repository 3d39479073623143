"""Huge texts lay out in linear time, every word kept; a word wider than its column is broken;
page furniture (letterhead, running header, footer) fits on the page or the render is refused."""

from __future__ import annotations

import io
import re

import docx
import yaml

from circolari.input.project import Project
from circolari.render import render_act
from conftest import NOTA, page_texts
from helpers.bad_input import render_fails


def write_act(path, act: dict) -> None:
    """``act`` as YAML, written by libyaml (PyYAML's Python emitter took ~35 ms for a 50,000-character
    paragraph); it reads back as the same data."""
    text = yaml.dump(act, Dumper=yaml.CSafeDumper, allow_unicode=True, width=10**9)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == act
    path.write_text(text, encoding="utf-8")


def nota() -> dict:
    return yaml.load(NOTA.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def render_with(project, change, *, preview: bool = True) -> tuple[str, object]:
    """The nota changed by ``change``, rendered: its PDF's text and the render. ``preview``: the
    PDF only (the PDF's layout is what these tests are about; no DOCX, text or manifest)."""
    act = nota()
    change(act)
    path = project / "examples" / "atto.yaml"
    write_act(path, act)
    rendered = render_act(path, Project.locate(path), preview=preview)
    return "\n".join(page_texts(rendered.files["atto.pdf"])), rendered


def test_long_paragraph_keeps_every_word_in_order(project):
    words = [f"p{i}" for i in range(9000)]  # about 50,000 characters: laid out in pieces
    text, rendered = render_with(project, lambda a: a.update(corpo=" ".join(words)))
    found = re.findall(r"\bp\d+\b", text)
    assert found == words
    assert rendered.pages > 5


def test_long_paragraph_with_mixed_styles_keeps_every_word(project):
    words = [f"**b{i}**" if i % 7 == 0 else f"p{i}" for i in range(6000)]
    text, _ = render_with(project, lambda a: a.update(corpo=" ".join(words)))
    assert re.findall(r"\b[bp]\d+\b", text) == [w.strip("*") for w in words]


def broken_word(text: str) -> str:
    """A long run of digits broken over lines and pages, joined again (its lines hold nothing else)."""
    return "".join(line.strip() for line in text.splitlines() if re.fullmatch(r"\d+", line.strip()))


WORD = "0123456789" * 500


def test_long_word_in_destinatari_intestazione_is_broken_to_the_column(project):
    # ReportLab looped forever on a heading kept with the next block and taller than a page
    def change(act):
        act["destinatari"]["intestazione"] = WORD
    text, _ = render_with(project, change)
    assert WORD in broken_word(text)


def test_long_word_in_saluti_is_broken(project):
    text, _ = render_with(project, lambda a: a.update(saluti=WORD * 4))
    assert WORD * 4 in broken_word(text)


def test_long_word_in_table_cell_is_broken(project):
    csv = project / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    following = lines[3].split("\t")[0]  # the next row's code
    csv.write_text("\n".join(lines).replace("OCSA02", WORD, 1) + "\n", encoding="utf-8")
    path = project / "examples" / "dgr-xi-3681-2020.yaml"
    rendered = render_act(path, Project.locate(path), preview=True)
    text = "\n".join(page_texts(rendered.files["dgr-xi-3681-2020.pdf"]))
    assert WORD in broken_word(text)
    assert following in text


def test_layout_work_grows_linearly_with_paragraph_length(project, monkeypatch):
    """Every word is measured a bounded number of times (ReportLab alone re-measures the
    rest of a paragraph at every page: quadratic)."""
    import reportlab.platypus.paragraph as rl_paragraph

    calls = [0]
    measure = rl_paragraph.stringWidth

    def counted(*args, **kwargs):
        calls[0] += 1
        return measure(*args, **kwargs)

    monkeypatch.setattr(rl_paragraph, "stringWidth", counted)
    work = []
    for n in (4000, 16000):
        calls[0] = 0
        render_with(project, lambda a: a.update(corpo="parola " * n))
        work.append(calls[0])
    assert work[1] <= 5 * work[0], work


def letterhead_with(project, lines: int) -> list[str]:
    """The DG Welfare letterhead with ``lines`` more lines of recapiti (returned)."""
    profile = project / "templates" / "intestazioni" / "dg-welfare.yaml"
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    extra = [f"Recapito aggiuntivo {i}" for i in range(lines)]
    data["recapiti"] += extra
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return extra


def test_letterhead_taller_than_the_page_is_refused_not_cut(project):
    # 400 lines: only the first 71 reached the page (the rest ran off it, over the footer), silently
    letterhead_with(project, 400)
    act = project / "examples" / "atto.yaml"
    act.write_text(NOTA.read_text(encoding="utf-8"), encoding="utf-8")
    output = render_fails(project, act)
    assert (f"{act}: errore: impaginazione impossibile: l'intestazione della prima pagina "
            "(«Regione Lombardia Regione Lombardia - Giunta …», alto ") in output
    assert "e il piede di pagina («Il Responsabile del procedimento: AIDA ANDREASSI …»" in output
    assert "le righe in più non verrebbero stampate" in output
    assert "templates/intestazioni/" in output


def page_lines(data: bytes, index: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    """The lines of text pdfium finds on page ``index`` of the PDF ``data`` that lie within the
    page, each with its box (left, bottom, right, top, in points from the lower left corner)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        width, height = page.get_size()
        text = page.get_textpage()
        boxes = [text.get_rect(i) for i in range(text.count_rects())]
        return [(text.get_text_bounded(*box), box) for box in boxes
                if 0 <= box[0] and box[2] <= width and 0 <= box[1] and box[3] <= height]
    finally:
        pdf.close()


def test_letterhead_filling_most_of_the_page_keeps_every_line_on_it_and_in_the_docx(project):
    extra = letterhead_with(project, 50)
    _, rendered = render_with(project, lambda a: None, preview=False)  # the DOCX too
    found = page_lines(rendered.files["atto.pdf"], 0)
    lines = {text: box for text, box in found if text.startswith("Recapito aggiuntivo")}
    footer = next(box for text, box in found if text.startswith("Il Responsabile"))
    assert sorted(lines) == sorted(extra)
    assert min(box[1] for box in lines.values()) > footer[3]  # above the footer, not over it
    header = docx.Document(io.BytesIO(rendered.files["atto.docx"])).sections[0].first_page_header
    cells = "\n".join(c.text for t in header.tables for c in t._cells)
    assert all(line in cells.splitlines() for line in extra)


def test_running_header_taller_than_the_page_is_refused(project):
    template = project / "templates" / "delibera.html.j2"
    text = template.read_text(encoding="utf-8")
    assert '<p class="giunta">LA GIUNTA</p>' in text
    template.write_text(text.replace('<p class="giunta">LA GIUNTA</p>', '<p class="giunta">LA GIUNTA</p>'
                                     '{% for i in range(80) %}<p>riga {{ i }}</p>{% endfor %}', 1), encoding="utf-8")
    act = project / "examples" / "dgr-xi-3681-2020.yaml"
    output = render_fails(project, act)
    assert (f"{act}: errore: impaginazione impossibile: l'intestazione di ogni pagina "
            "(«Regione Lombardia LA GIUNTA riga 0 …», alto ") in output
    assert "non lascia spazio al testo nella pagina" in output


def test_footer_taller_than_the_page_is_refused(project):
    act = nota()
    act["piede"]["responsabile_procedimento"]["nome"] = " ".join(["Andreassi"] * 6000)
    path = project / "examples" / "atto.yaml"
    write_act(path, act)
    output = render_fails(project, path)
    assert f"{path}: errore: impaginazione impossibile: l'intestazione della prima pagina" in output
    assert "e il piede di pagina («Il Responsabile del procedimento: Andreassi Andreassi …», alto " in output
