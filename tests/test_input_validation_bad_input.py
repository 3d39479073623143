"""Invalid input: a located Italian message, exit code 1, no traceback, nothing written."""

from __future__ import annotations

import pytest

from conftest import run_cli
from helpers.bad_input import NOTA, edit, line_of, render_fails
from helpers.edits import rewrite

CASES = {
    "yaml syntax": ("oggetto: plasma", "oggetto: [plasma", "oggetto", "sintassi YAML non valida"),
    "missing field": ("oggetto: plasma iperimmune anti SARS-CoV-2 e sperimentazioni cliniche in Regione Lombardia.\n",
                      "", None, "campo 'oggetto': campo obbligatorio mancante"),
    "wrong type": ("saluti: I migliori saluti", "saluti: [I migliori saluti]", "saluti:", "campo 'saluti': deve essere un testo"),
    "unknown recipient": ("    - asst-garda\n", "    - asst-gardaa\n", "asst-gardaa",
                          "ente «asst-gardaa» non presente nel registro (forse «asst-garda»?)"),
    "unknown group": ("  enti: [areu]", "  gruppi: [agenzia]", "gruppi: [agenzia]", "gruppo «agenzia» sconosciuto"),
    "empty selection": ("  enti: [areu]", "  enti: [areu]\n  esclusi: [areu]", "per_conoscenza:",
                        "la selezione non comprende alcun ente"),
    "impossible date": ("tipo: circolare", "tipo: circolare\ndata: 2021-02-30", "data: 2021-02-30",
                        "«2021-02-30» non è una data esistente"),
    "unknown field": ("saluti: I migliori saluti", "salut: I migliori saluti", "salut:",
                      "campo sconosciuto (forse si intendeva «saluti»?)"),
    "control character": ("saluti: I migliori saluti", 'saluti: "I migliori\\x07 saluti"', "saluti:",
                          "carattere di controllo U+0007"),
    "unknown kind": ("tipo: circolare", "tipo: lettera", "tipo:", "tipo «lettera» sconosciuto"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_act_is_reported_with_file_and_line(project, case):
    old, new, needle, message = CASES[case]
    act = edit(project, old, new)
    output = render_fails(project, act)
    assert message in output
    where = f"{act}:{line_of(act, needle)}:" if needle else f"{act}:"
    assert where in output, output


def test_malformed_pec_in_registry_stops_the_render(project):
    registry = project / "recipients" / "asst.yaml"
    edit(project, "pec: protocollo@pec.asst-garda.it", "pec: protocollo@pec.asst garda.it", "recipients/asst.yaml")
    output = render_fails(project, project / NOTA)
    assert f"{registry}:{line_of(registry, 'id: asst-garda')}: errore: campo 'pec': l'indirizzo PEC «protocollo@pec.asst garda.it» contiene spazi" in output


def test_missing_file_and_missing_profile(project):
    assert "nessuno.yaml: errore: atto non trovato" in render_fails(project, project / "examples" / "nessuno.yaml")
    act = edit(project, "intestazione: dg-welfare", "intestazione: dg-casa")
    output = render_fails(project, act)
    assert "profilo di intestazione «dg-casa» non trovato" in output and "dg-welfare" in output


def test_folder_render_reports_bad_acts_and_renders_the_good_ones(project):
    (project / "examples" / "dgr-xi-3681-2020.yaml").unlink()  # one good act beside the bad one is enough
    (project / "examples" / "rotto.yaml").write_text("tipo: circolare\noggetto: [\n", encoding="utf-8")
    result = run_cli("render", project / "examples", "--out", project / "out", cwd=project)
    assert result.exit_code == 1
    assert "rotto.yaml:3: errore: sintassi YAML non valida" in result.output
    assert (project / "out" / "nota-plasma-iperimmune-2020" / "nota-plasma-iperimmune-2020.pdf").is_file()
    assert not (project / "out" / "rotto").exists()


def test_issued_act_is_not_overwritten_silently(project):
    new = "examples/nuova.yaml"  # what `circolari new circolare` writes (one page), then protocolled
    (project / new).write_bytes((project / "templates" / "nuovo" / "circolare.yaml").read_bytes())
    act = edit(project, "tipo: circolare", "tipo: circolare\nprotocollo: G1.2020.0000001", new)
    out = project / "out"
    assert run_cli("render", act, "--out", out, cwd=project).exit_code == 0
    pdf = out / act.stem / f"{act.stem}.pdf"
    before = pdf.read_bytes()
    edit(project, "Distinti saluti", "Cordiali saluti", new)
    result = run_cli("render", act, "--out", out, cwd=project)
    assert result.exit_code == 1 and "già emesso" in result.output and "--forza" in result.output
    assert pdf.read_bytes() == before
    assert run_cli("render", act, "--out", out, "--forza", cwd=project).exit_code == 0
    assert pdf.read_bytes() != before


def test_new_refuses_to_overwrite(project):
    result = run_cli("new", "circolare", project / NOTA, cwd=project)
    assert result.exit_code == 1 and "esiste già" in result.output


def test_invalid_source_date_epoch_is_a_clear_error(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999")
    output = render_fails(project, project / NOTA)
    assert "SOURCE_DATE_EPOCH=«99999999999999» non è una data valida" in output


def test_unreadable_act_is_a_clear_error(project, monkeypatch):
    from pathlib import Path

    act = project / NOTA
    real = Path.read_bytes

    def denied(self):  # what a file without read permission does (root would read it anyway)
        if self == act:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    output = render_fails(project, act)
    assert f"{act}: errore: impossibile leggere il file: permesso negato" in output


def test_template_with_a_bad_number_is_located(project):
    template = project / "templates" / "_tabella.html.j2"
    rewrite(template, template.read_text(encoding="utf-8").replace('data-width="{{ c.larghezza }}"', 'data-width="largo"'))
    output = render_fails(project, project / "examples" / "dgr-xi-3681-2020.yaml")
    line = next(n for n, text in enumerate(template.read_text(encoding="utf-8").splitlines(), 1) if "largo" in text)
    assert f"_tabella.html.j2:{line}: errore: data-width=«largo» non è un numero" in output  # where it is written


def test_allowed_values_hint_is_in_italian(project):
    """A value outside a fixed list names the allowed ones in Italian ('o', not pydantic's 'or')."""
    act = project / "examples" / "dgr-xi-3681-2020.yaml"
    rewrite(act, act.read_text(encoding="utf-8").replace("legislatura: XI", "legislatura: XIV", 1))
    result = run_cli("check", act, cwd=project)
    assert result.exit_code == 1, result.output
    assert "valori ammessi:" in result.output and " o XII" in result.output
    assert " or " not in result.output
