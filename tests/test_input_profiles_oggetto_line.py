"""The oggetto line is letterhead-profile data: label, punctuation and weight."""

from __future__ import annotations

from conftest import NOTA, docx_paragraphs, normalise, pdf_text, run_cli


def _oggetto(paragraphs):
    return next(p for p in paragraphs if p.text.startswith("Oggetto"))


def _read(folder):
    return normalise(" ".join(pdf_text(folder / f"{NOTA.stem}.pdf"))), docx_paragraphs(folder / f"{NOTA.stem}.docx")


def _render(project):
    act = project / "examples" / NOTA.name
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    return _read(project / "out" / NOTA.stem)


def test_reference_profile_keeps_the_2020_form(nota_out):
    text, paragraphs = _read(nota_out)  # the reference nota, rendered with the bundled profile
    assert "Oggetto : plasma iperimmune" in text
    line = _oggetto(paragraphs)
    assert [bool(r.bold) for r in line.runs if r.text.strip()] == [True, False]


def test_default_is_standard_italian_typography_and_a_profile_may_bold_the_line(project):
    profile = project / "templates" / "intestazioni" / "dg-welfare.yaml"
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text[:text.index("# Riga dell'oggetto")], encoding="utf-8")
    rendered, paragraphs = _render(project)
    assert "Oggetto: plasma iperimmune" in rendered and "Oggetto :" not in rendered
    profile.write_text(text[:text.index("# Riga dell'oggetto")] + "oggetto:\n  grassetto: riga\n", encoding="utf-8")
    _, paragraphs = _render(project)
    line = _oggetto(paragraphs)
    assert line.text.startswith("Oggetto: plasma iperimmune")
    assert all(r.bold for r in line.runs if r.text.strip())
