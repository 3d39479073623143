"""Warnings for text the clerk left from the skeleton or mistyped in the oggetto."""

from __future__ import annotations

from conftest import NOTA, ROOT, run_cli


def test_skeleton_placeholders_are_the_skeletons_own():
    from circolari.input.drafting import PLACEHOLDERS

    skeletons = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates" / "nuovo").glob("*.yaml"))
    assert all(marker in skeletons for marker in PLACEHOLDERS)


def test_unedited_skeleton_is_reported_by_check_and_render(project):
    act = project / "atti" / "nota.yaml"
    assert run_cli("new", "circolare", act, cwd=project).exit_code == 0
    checked = run_cli("check", act, cwd=project)
    line = next(i for i, text in enumerate(act.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("oggetto:"))
    assert f"{act}:{line}: avviso: campo 'oggetto': testo dello schema di partenza ancora presente («da completare»)" in checked.output
    assert "«NOME COGNOME»" in checked.output and "«Primo paragrafo del testo»" in checked.output
    rendered = run_cli("render", act, "--out", project / "out", cwd=project)
    assert rendered.exit_code == 0  # a warning, the draft still renders
    assert "testo dello schema di partenza ancora presente («da completare»)" in rendered.output


def test_oggetto_repeating_its_label_or_with_markdown_bold_is_reported(project):
    act = project / "examples" / NOTA.name
    text = act.read_text(encoding="utf-8")
    act.write_text(text.replace("oggetto: plasma iperimmune", "oggetto: 'Oggetto: **plasma** iperimmune"
                                ).replace("in Regione Lombardia.\n", "in Regione Lombardia.'\n", 1), encoding="utf-8")
    checked = run_cli("check", act, cwd=project)
    assert "l'oggetto comincia con «Oggetto:»" in checked.output
    assert "il grassetto Markdown (**...**) non è supportato nell'oggetto" in checked.output
    clean = run_cli("check", ROOT / "examples", cwd=ROOT)
    assert "schema di partenza" not in clean.output and "«Oggetto:»" not in clean.output
