"""``circolari.render``: what a render reports is located in the act it renders."""

from __future__ import annotations

import shutil

from conftest import DGR, NOTA, ROOT, run_cli


def test_a_block_taller_than_a_page_is_reported_in_its_act(tmp_path):
    # two acts in one command: the message must say which of them cannot be laid out
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    circolare = templates / "circolare.html.j2"
    columns = ('<div class="colonne"><div class="colonna">{% for i in range(200) %}<p>riga {{ i }}</p>'
               '{% endfor %}</div><div class="colonna"><p>x</p></div></div>')
    circolare.write_text(circolare.read_text(encoding="utf-8").replace("<main>", "<main>" + columns, 1),
                         encoding="utf-8")
    other = tmp_path / "seconda.yaml"
    other.write_text(NOTA.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("render", NOTA, other, "--templates", templates, "--out", tmp_path / "out")
    assert result.exit_code == 1
    for act in (NOTA.relative_to(ROOT), other):
        assert f"{act}: errore: impaginazione impossibile: un blocco dell'atto non entra" in result.output
    assert "2 atti su 2 non generati" in result.output


def test_preview_and_review_renders_give_the_pdf_a_full_render_writes(reference):
    """``render_act(preview=True)`` and a review render lay out and finish the very PDF that
    ``circolari render`` writes (the tests that read a PDF alone render it so: conftest.render_pdf)."""
    from circolari.kinds.load import load_act
    from circolari.input.project import Project
    from circolari.render import render_act, render_loaded

    for kind, act in (("circolare", NOTA), ("delibera", DGR)):
        written = reference[kind].pdf.read_bytes()
        project = Project.locate(act)
        assert render_act(act, project, preview=True).files[reference[kind].pdf.name] == written
        loaded, doc = load_act(act)
        review = render_loaded(loaded, doc, project, name=act.stem, review=True)
        assert review.files[reference[kind].pdf.name] == written
