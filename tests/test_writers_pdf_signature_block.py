"""The signature block is never alone on a page: the closing formula and at least the last two
lines of the last paragraph go over with it (PDF), and the DOCX asks Word for the same."""

from __future__ import annotations

import io

from conftest import NOTA, page_texts

LAST = ("Si informa che è in studio, con il supporto della SRC, un progetto regionale di medio termine per la "
        "produzione di \"plasma iperimmune di grado farmaceutico S/D anti-SARS-CoV-2\"")
SHORT = "  Si confida in una fattiva collaborazione di cui si ringrazia.\n\n"


def _act(project, lines: int):
    """The reference nota with ``lines`` one-line paragraphs more, ending with its long paragraph."""
    act = project / "examples" / f"firma-{lines}.yaml"
    text = (project / "examples" / NOTA.name).read_text(encoding="utf-8")
    head, rest = text.split("  Si informa che", 1)
    long_paragraph, tail = rest.split("\n\n", 1)
    tail = tail.replace(SHORT, "", 1)
    act.write_text(head + SHORT * lines + "  Si informa che" + long_paragraph + "\n\n" + tail, encoding="utf-8")
    return act


def _render(project, lines: int, *, preview: bool = False):
    """The act with ``lines`` more paragraphs rendered; ``preview``: its PDF only (the same bytes)."""
    from circolari.input.project import Project
    from circolari.render import render_act

    act = _act(project, lines)
    return render_act(act, Project.locate(act), preview=preview)


def _last_page_lines(rendered) -> list[str]:
    page = page_texts(rendered.files[f"{rendered.name}.pdf"])[-1]
    return [line.strip() for line in page.splitlines() if line.strip()]


def test_signature_block_never_alone_when_the_body_ends_near_the_page_foot(project):
    renders = {}  # lines -> the render: the search's renders near the foot are checked below too

    def rendered_with(lines: int):
        if lines not in renders:
            renders[lines] = _render(project, lines, preview=True)
        return renders[lines]

    # find where one more line pushes the end of the act onto a new page
    low, high = 0, 60
    base = rendered_with(low).pages
    assert rendered_with(high).pages > base
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if rendered_with(middle).pages == base else (low, middle)
    # the body's last line sits within three lines of the foot for these, on either side
    for lines in range(high - 3, high + 3):
        rendered = rendered_with(lines)
        page = _last_page_lines(rendered)
        closing = next(i for i, line in enumerate(page) if line.startswith("I migliori saluti"))
        assert page[closing + 1:closing + 3] == ["IL DIRETTORE GENERALE", "LUIGI CAJAZZO"]
        body = [line for line in page[:closing] if not line.startswith(("Regione", "Lombardia"))]
        assert len(body) >= 2, (lines, page)  # at least two lines of the last paragraph
        assert body[-1].endswith("competenza alla SRC."), (lines, page)  # the act's last line


def test_docx_keeps_the_last_paragraph_with_the_signature_block(project):
    import docx

    rendered = _render(project, 0)
    document = docx.Document(io.BytesIO(rendered.files[f"{rendered.name}.docx"]))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    closing = next(i for i, p in enumerate(paragraphs) if p.text == "I migliori saluti")
    last = paragraphs[closing - 1]
    assert last.text.startswith(LAST[:40])

    def keeps(p) -> bool:
        return bool(p.paragraph_format.keep_with_next or p.style.paragraph_format.keep_with_next)

    assert keeps(last) and keeps(paragraphs[closing]) and keeps(paragraphs[closing + 1])
    assert not last.paragraph_format.keep_together  # only its last lines need to go over
