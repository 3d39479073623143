"""IndicePA import, lookup and the registry checks that come with it (fixture: tests/ipa/README.md)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import run_cli

IPA = Path(__file__).parent / "ipa"

GROUPS = "- id: asl\n  nome: Aziende sanitarie\n"
ENTRIES = """\
# Registro di prova: i commenti devono restare.
- id: umbria-1
  denominazione: ASL Umbria 1
  tipo: altro
  codice_ipa: "054"
  # nessuna fonte ancora
  pec: null
  gruppi: [asl]
  fonte: "da completare"
  verificato: false

- id: umbria-2
  denominazione: ASL Umbria 2
  tipo: altro
  codice_fiscale: "01499590550"
  pec: vecchia.casella@postacert.umbria.it
  gruppi: [asl]
  fonte: "IndicePA, file amministrazioni.txt del 2016-01-01, codice IPA 055"

- id: viterbo
  denominazione: ASL Viterbo
  tipo: altro
  codice_ipa: "056"
  pec: protocollo@pec.asl.vt.it
  gruppi: [asl]
  fonte: "telefonata all'ufficio protocollo, 2020"

- id: brotzu
  denominazione: AO Brotzu
  tipo: altro
  codice_ipa: "092"
  pec: protocollo.generale@pec.aobrotzu.it
  gruppi: [asl]
  fonte: "sito dell'ente"

- id: soppressa
  denominazione: ASL soppressa
  tipo: altro
  codice_ipa: zz_soppressa
  pec: null
  gruppi: [asl]
  fonte: "da completare"
  verificato: false
"""


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    folder = tmp_path / "recipients"
    folder.mkdir()
    (folder / "gruppi.yaml").write_text(GROUPS, encoding="utf-8")
    (folder / "enti.yaml").write_text(ENTRIES, encoding="utf-8")
    return folder


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def entries(folder: Path) -> dict[str, dict]:
    return {e["id"]: e for e in yaml.safe_load((folder / "enti.yaml").read_text(encoding="utf-8"))}


@pytest.mark.parametrize("layout", ["amministrazioni.txt", "enti.csv", "enti.json"])
def test_import_adds_new_pecs_applies_changes_and_keeps_hand_verified(registry, tmp_path, layout):
    source = IPA / layout if layout != "enti.json" else _as_json(IPA / "enti.csv", tmp_path / "enti.json")
    args = ["recipients", "import", "indicepa", source, "--recipients", registry, "--data", "2026-11-02"]

    shown = run_cli(*args)
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "+ umbria-1: nuova PEC: aslumbria1@postacert.umbria.it (IndicePA 054, " in out
    assert ("~ umbria-2: PEC cambiata: vecchia.casella@postacert.umbria.it → aslumbria2@postacert.umbria.it "
            "(IndicePA 055, ") in out
    assert ("! viterbo: tenuta (verificata a mano): protocollo@pec.asl.vt.it → PROT.GEN.ASL.VT.IT@LEGALMAIL.IT "
            "non applicata") in out
    assert ("~ brotzu: codici aggiunti: PEC protocollo.generale@pec.aobrotzu.it invariata (IndicePA 092, "
            f"{source.name}:") in out and "; aggiunto codice_fiscale 02315520920\n" in out
    assert "- soppressa: non più in IndicePA: codice IPA zz_soppressa assente" in out
    assert "1 nuove PEC, 1 cambiate, 1 tenute (verificate a mano), 1 non più in IndicePA" in out
    assert "rieseguire con --applica" in out
    assert (registry / "enti.yaml").read_text(encoding="utf-8") == ENTRIES  # nothing written without --applica

    applied = run_cli(*args, "--applica")
    assert applied.exit_code == 0, applied.output
    assert "Registro aggiornato: 4 enti in enti.yaml." in applied.output
    after = entries(registry)
    assert after["umbria-1"]["pec"] == "aslumbria1@postacert.umbria.it"
    assert after["umbria-1"]["verificato"] is True
    assert after["umbria-1"]["fonte"] == f"IndicePA, file {source.name} del 2026-11-02, codice IPA 054"
    assert after["umbria-1"]["codice_fiscale"] == "03301860544"
    assert after["umbria-2"]["pec"] == "aslumbria2@postacert.umbria.it"
    assert after["umbria-2"]["codice_ipa"] == "055"  # matched by fiscal code, code filled in
    assert after["viterbo"]["pec"] == "protocollo@pec.asl.vt.it"  # verified by hand: kept
    assert after["viterbo"]["fonte"] == "telefonata all'ufficio protocollo, 2020"
    assert after["viterbo"]["codice_fiscale"] == "01455570562"  # codes never overwrite anything
    assert after["soppressa"]["pec"] is None
    listed = run_cli("recipients", "list", "--group", "asl", "--recipients", registry).output
    assert re.search(r"^umbria-1 +ASL Umbria 1  <aslumbria1@postacert.umbria.it>  \[IPA 054\]$", listed, re.M)
    text = (registry / "enti.yaml").read_text(encoding="utf-8")
    assert "# Registro di prova: i commenti devono restare." in text and "  # nessuna fonte ancora\n" in text
    assert run_cli("recipients", "check", "--recipients", registry).exit_code == 0

    again = run_cli(*args)
    assert "+ umbria-1" not in again.output and "= umbria-1: invariata: PEC aslumbria1@postacert.umbria.it" in again.output

    forced = run_cli(*args, "--applica", "--forza")
    assert "~ viterbo: PEC cambiata: protocollo@pec.asl.vt.it → PROT.GEN.ASL.VT.IT@LEGALMAIL.IT" in forced.output
    assert entries(registry)["viterbo"]["pec"] == "PROT.GEN.ASL.VT.IT@LEGALMAIL.IT"


def _as_json(csv_path: Path, target: Path) -> Path:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        target.write_text(json.dumps(list(csv.DictReader(handle)), ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def test_aoo_file_gives_the_protocol_pec_only_when_there_is_one(registry):
    result = run_cli("recipients", "import", "indicepa", IPA / "aoo.txt", "--recipients", registry)
    assert result.exit_code == 0, result.output
    assert "non più in IndicePA:" not in result.output  # an AOO file alone says nothing about vanished bodies
    assert "umbria-1" not in result.output  # 054 has no AOO row
    assert "= brotzu: invariata: PEC protocollo.generale@pec.aobrotzu.it invariata (IndicePA 092, aoo.txt:5)" in result.output


def test_aoo_with_two_protocol_pecs_is_left_to_the_clerk(registry):
    text = ENTRIES.replace('codice_ipa: "054"', 'codice_ipa: "058"')
    (registry / "enti.yaml").write_text(text, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", IPA / "aoo.txt", "--recipients", registry, "--applica")
    assert result.exit_code == 0, result.output
    assert ("? umbria-1: da verificare: nessuna PEC dell'ente in IndicePA e più PEC di AOO "
            "(acquisizione.beni@pec.aslromag.it, direzione.dipartimento.prevenzione@pec.aslromag.it)") in result.output
    assert entries(registry)["umbria-1"]["pec"] is None


def test_aoo_pec_fills_a_body_whose_entity_row_has_none(registry, tmp_path):
    enti = tmp_path / "enti.csv"
    rows = (IPA / "enti.csv").read_text(encoding="utf-8").splitlines()
    brotzu = next(r for r in rows if r.startswith('"092"')).replace('"protocollo.generale@pec.aobrotzu.it","Pec"', '"",""')
    enti.write_text("\n".join([rows[0], brotzu]) + "\n", encoding="utf-8")
    text = ENTRIES.replace("  pec: protocollo.generale@pec.aobrotzu.it\n  gruppi: [asl]\n  fonte: \"sito dell'ente\"\n",
                           "  pec: null\n  gruppi: [asl]\n  fonte: \"da completare\"\n  verificato: false\n")
    (registry / "enti.yaml").write_text(text, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", IPA / "aoo.txt", enti, "--recipients", registry,
                     "--data", "2026-11-02", "--applica")
    assert result.exit_code == 0, result.output
    assert "+ brotzu: nuova PEC: protocollo.generale@pec.aobrotzu.it (IndicePA 092, aoo.txt:5)" in result.output
    assert entries(registry)["brotzu"]["fonte"] == "IndicePA, file aoo.txt del 2026-11-02, codice IPA 092"


def test_import_never_matches_by_name(registry):
    text = ENTRIES.replace('  codice_ipa: "054"\n', "").replace("denominazione: ASL Umbria 1",
                                                                "denominazione: Azienda Unita' Sanitaria Locale Umbria 1")
    (registry / "enti.yaml").write_text(text, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", IPA / "enti.csv", "--recipients", registry)
    assert "umbria-1" not in result.output


def test_import_refuses_a_file_that_is_not_indicepa(registry, tmp_path):
    bad = tmp_path / "rubrica.csv"
    bad.write_text("nome,email\nMario,mario@example.it\n", encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", bad, "--recipients", registry, "--applica")
    assert result.exit_code == 1
    assert f"{bad}:1: errore: non è un file IndicePA degli enti o delle AOO" in result.output
    assert (registry / "enti.yaml").read_text(encoding="utf-8") == ENTRIES
    missing = run_cli("recipients", "import", "indicepa", tmp_path / "nessuno.csv", "--recipients", registry)
    assert missing.exit_code == 1 and "file IndicePA non trovato" in missing.output


def test_show_finds_a_body_by_code_fiscal_code_or_name_words():
    by_code = run_cli("recipients", "show", "a13_f952", "--ipa", IPA / "enti.csv")
    assert by_code.exit_code == 0, by_code.output
    assert "a13_f952  Azienda Sanitaria Locale NO  CF 01522670031  PEC protocollogenerale@pec.asl.novara.it" in by_code.output
    by_cf = run_cli("recipients", "show", "02315520920", "--ipa", IPA / "amministrazioni.txt")
    assert "092  Azienda Ospedaliera Brotzu" in by_cf.output
    by_name = run_cli("recipients", "show", "unita sanitaria umbria", "--ipa", IPA / "enti.csv")
    assert "2 enti trovati" in by_name.output and "Viterbo" not in by_name.output
    in_registry = run_cli("recipients", "show", "ats-brescia")
    assert "pec: protocollo@pec.ats-brescia.it" in in_registry.output


def test_add_writes_the_body_with_its_ipa_source(registry):
    result = run_cli("recipients", "add", "a13_f952", "--ipa", IPA / "amministrazioni.txt", "--id", "asl-novara",
                     "--tipo", "altro", "--gruppo", "asl", "--data", "2026-11-02", "--recipients", registry)
    assert result.exit_code == 0, result.output
    added = yaml.safe_load((registry / "altri.yaml").read_text(encoding="utf-8"))
    assert added == [{"id": "asl-novara", "denominazione": "Azienda Sanitaria Locale NO", "tipo": "altro",
                      "codice_ipa": "a13_f952", "codice_fiscale": "01522670031",
                      "pec": "protocollogenerale@pec.asl.novara.it", "gruppi": ["asl"],
                      "fonte": "IndicePA, file amministrazioni.txt del 2026-11-02, codice IPA a13_f952",
                      "verificato": True}]
    twice = run_cli("recipients", "add", "a13_f952", "--ipa", IPA / "amministrazioni.txt", "--id", "asl-novara-2",
                    "--tipo", "altro", "--recipients", registry)
    assert twice.exit_code == 1 and "è già nel registro come «asl-novara»" in twice.output
    vague = run_cli("recipients", "add", "umbria", "--ipa", IPA / "enti.csv", "--id", "x", "--tipo", "altro",
                    "--recipients", registry)
    assert vague.exit_code == 1 and "2 enti trovati per «umbria»" in vague.output


def test_check_reports_invisible_characters_and_address_syntax_in_names_with_file_and_line(registry):
    path = registry / "enti.yaml"
    text = (ENTRIES.replace("denominazione: ASL Viterbo", "denominazione: \"ASL \u202eobretiV\"")
            .replace("denominazione: AO Brotzu", "denominazione: \"Brotzu, Protocollo <intruso@example.com>\""))
    path.write_text(text, encoding="utf-8")
    result = run_cli("recipients", "check", "--recipients", registry)
    assert result.exit_code == 1
    bidi = line_of(text, "ASL \u202e")
    assert (f"{path}:{bidi}: errore: campo '[3].denominazione': contiene il carattere "
            "invisibile U+202E (RIGHT-TO-LEFT OVERRIDE)") in result.output
    assert (f"{path}:{line_of(text, 'Brotzu, Protocollo')}: errore: campo '[4].denominazione': contiene '<' '>' '@': "
            "una denominazione non può contenere") in result.output


def test_check_reports_ungrouped_bodies_empty_groups_missing_sources_and_unknown_pec_domains(registry):
    path = registry / "enti.yaml"
    text = (ENTRIES.replace("  pec: protocollo@pec.asl.vt.it\n  gruppi: [asl]\n", "  pec: protocollo@gmail.com\n")
            .replace("  fonte: \"sito dell'ente\"\n", ""))
    path.write_text(text, encoding="utf-8")
    (registry / "gruppi.yaml").write_text(GROUPS + "- id: vuoto\n  nome: Nessuno\n", encoding="utf-8")
    out = run_cli("recipients", "check", "--recipients", registry).output
    viterbo, brotzu = line_of(text, "- id: viterbo"), line_of(text, "- id: brotzu")
    assert f"{path}:{viterbo}: avviso: campo 'gruppi': ente «viterbo» in nessun gruppo" in out
    assert f"{path}:{viterbo}: avviso: campo 'pec': il dominio «gmail.com» non è di un gestore PEC noto" in out
    assert f"{path}:{brotzu}: avviso: campo 'fonte': ente «brotzu» senza 'fonte'" in out
    assert "gruppi.yaml: avviso: gruppo «vuoto» senza enti" in out
    assert "postacert.umbria.it" not in out  # a shared domain of a PEC provider


def test_duplicate_codes_across_bodies_are_errors(registry):
    path = registry / "enti.yaml"
    text = ENTRIES.replace('codice_ipa: "056"', 'codice_ipa: "054"')
    path.write_text(text, encoding="utf-8")
    out = run_cli("recipients", "check", "--recipients", registry).output
    assert (f"{path}:{line_of(text, '- id: viterbo')}: errore: campo 'codice_ipa': codice_ipa «054» già assegnato a "
            "«umbria-1» (enti.yaml:2)") in out


def test_import_refuses_a_broken_registry_and_writes_nothing(registry):
    broken = ENTRIES.replace("tipo: altro\n  codice_ipa: \"056\"", "tipo: ospedale\n  codice_ipa: \"056\"")
    (registry / "enti.yaml").write_text(broken, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", IPA / "enti.csv", "--recipients", registry, "--applica")
    assert result.exit_code == 1 and "correggere il registro prima di importare" in result.output
    assert (registry / "enti.yaml").read_text(encoding="utf-8") == broken


def test_bundled_registry_has_every_lombard_ats_and_asst():
    ats = run_cli("recipients", "list", "--group", "ats")
    assert "8 enti nel gruppo «ats»" in ats.output
    asst = run_cli("recipients", "list", "--group", "asst")
    assert "27 enti nel gruppo «asst»" in asst.output
    assert "asst-pini-cto" in asst.output


def test_bidi_override_in_a_registry_name_is_reported_at_render_with_registry_file_and_line(project):
    path = project / "recipients" / "asst.yaml"
    text = path.read_text(encoding="utf-8").replace('denominazione: "ASST Rhodense"', 'denominazione: "ASST \u202eesnedohR"')
    assert "\u202e" in text
    path.write_text(text, encoding="utf-8")
    result = run_cli("render", project / "examples" / "nota-plasma-iperimmune-2020.yaml", "--out", project / "out",
                     cwd=project)
    assert result.exit_code == 1
    line = line_of(text, "ASST \u202e")
    assert f"{path}:{line}: errore: campo '" in result.output
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in result.output
    assert not (project / "out").exists() or not any((project / "out").rglob("*.pdf"))


def test_codes_that_disagree_with_indicepa_are_left_to_the_clerk(registry):
    text = ENTRIES.replace('codice_ipa: "054"', 'codice_ipa: "054"\n  codice_fiscale: "01455570562"')
    (registry / "enti.yaml").write_text(text, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", IPA / "enti.csv", "--recipients", registry, "--applica")
    assert ("? umbria-1: da verificare: stesso codice IPA 054 ma codice fiscale 03301860544 invece di 01455570562 "
            "(enti.csv:2): controllare a mano") in result.output
    assert entries(registry)["umbria-1"]["pec"] is None


@pytest.mark.parametrize("name, content, line, message", [
    ("troncato.csv", '"Codice_IPA","Mail1","Tipo_Mail1"\n"054","a@pec.it","Pec"\n"055,"b\n', 3,
     "CSV non valido: virgolette non chiuse o riga malformata"),
    ("troncato.json", '[{"Codice_IPA": "054", "Mail1": "a@pec.it", "Tipo_Mail1": "Pec"},\n{"Codice_IPA": ', 2,
     "JSON non valido: file troncato o malformato"),
])
def test_truncated_ipa_files_are_refused_in_italian_with_their_line(registry, tmp_path, name, content, line, message):
    bad = tmp_path / name
    bad.write_text(content, encoding="utf-8")
    result = run_cli("recipients", "import", "indicepa", bad, "--recipients", registry, "--applica")
    assert result.exit_code == 1
    assert f"{bad}:{line}: errore: {message}" in result.output
    assert (registry / "enti.yaml").read_text(encoding="utf-8") == ENTRIES
