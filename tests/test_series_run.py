"""Letter series: one letter per body of a table (XLSX, CSV), checked, rendered in parallel, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import pdf_text, run_cli
from helpers.forked_cli import fork_cli, reap_all
from helpers.series import asst, expected_text, rows, write_act, write_csv, write_xlsx


def _each_letter_is_its_own(out: Path, bodies) -> None:
    """One letter per body in ``out``, each with its body's name and figures and no other body's name."""
    texts = {folder.name: " ".join(pdf_text(next(folder.glob("*.pdf"))))
             for folder in sorted(out.iterdir()) if folder.is_dir()}
    assert sorted(texts) == sorted(e.id for e in bodies)
    for i, ente in enumerate(bodies):
        text = texts[ente.id]
        posti, importo = expected_text(i)
        assert ente.denominazione.upper() in text.upper()
        assert f"sono assegnati {posti} posti letto e l'importo di {importo}" in text
        others = [e.denominazione.upper() for e in bodies if e.id != ente.id and e.denominazione.upper() not in
                  ente.denominazione.upper()]
        assert not [o for o in others if o in text.upper()], "a letter names another body"


def test_xlsx_series_gives_each_body_its_letter_with_its_own_figures(project):
    """One job: the letters made by two (each its own too) are the CSV series' (conftest.asst_series)."""
    from docx import Document

    act = write_act(project, "riparto.xlsx", sheet="Riparto")
    write_xlsx(project / "atti" / "riparto.xlsx", rows(project))
    result = run_cli("render", act, "--out", project / "out", "--jobs", "1", cwd=project)
    assert result.exit_code == 0, result.output
    bodies = asst(project)
    out = project / "out" / "riparto"
    _each_letter_is_its_own(out, bodies)
    docx = Document(out / bodies[3].id / f"riparto-{bodies[3].id}.docx")
    assert f"l'importo di {expected_text(3)[1]}" in "\n".join(p.text for p in docx.paragraphs)
    listing = json.loads((out / "serie.json").read_text(encoding="utf-8"))
    assert [(e["ente"], e["riga"]) for e in listing["lettere"]] == [(e.id, i + 2) for i, e in enumerate(bodies)]
    assert listing["tabella"]["foglio"] == "Riparto"


def test_csv_series_with_italian_numbers_gives_the_same_letters(asst_series):
    """The session's series (conftest.asst_series) is this CSV table rendered with two jobs: read-only here."""
    project, out = asst_series
    bodies = asst(project)
    _each_letter_is_its_own(out, bodies)
    from pypdf import PdfReader

    fields = PdfReader(str(out / bodies[0].id / f"riparto-{bodies[0].id}.pdf")).get_fields()
    assert "Firma_DirettoreGenerale" in fields


def test_check_series_names_sheet_row_and_column_of_each_problem(project):
    data = rows(project)
    missing = data.pop(3)                     # an addressed body without its row
    data[0][0] = "asst-leco"                  # unknown id (sheet row 2)
    data[1][2] = None                         # empty cell (row 3, column C)
    data[2][3] = "molti"                      # not an amount (row 4, column D)
    data.append(["ats-milano", "ATS", 1, 1])  # a body the act does not address (last row)
    act = write_act(project, "riparto.xlsx", sheet="Riparto", total=Decimal(1))
    write_xlsx(project / "atti" / "riparto.xlsx", data)
    result = run_cli("check", act, cwd=project)
    assert result.exit_code == 1
    out = result.output
    assert "foglio «Riparto», riga 2, colonna A (ente): ente «asst-leco» non presente nel registro" in out
    assert "forse «asst-lecco»?" in out
    assert "foglio «Riparto», riga 3, colonna C (posti_letto): cella vuota" in out
    assert "foglio «Riparto», riga 4, colonna D (importo): «molti» non è un importo" in out
    assert f"riga {len(data) + 1}, colonna A (ente): ente «ats-milano» fuori dai destinatari" in out
    assert f"l'ente «{missing[0]}»" in out and "non ha una riga nella tabella (foglio «Riparto»)" in out
    assert "il totale «importo_totale» (1,00) non è la somma della colonna D (importo)" in out
    rendered = run_cli("render", act, "--out", project / "out", cwd=project)
    assert rendered.exit_code == 1
    assert not (project / "out").exists(), "a refused series writes nothing"


def test_series_sheet_that_does_not_exist_is_named(project):
    act = write_act(project, "riparto.xlsx", sheet="Foglio9")
    write_xlsx(project / "atti" / "riparto.xlsx", rows(project))
    result = run_cli("check", act, cwd=project)
    assert result.exit_code == 1
    assert "foglio «Foglio9» non presente nella cartella Excel" in result.output
    assert "fogli presenti: Note, Riparto" in result.output


def test_failed_letter_is_reported_with_its_row_and_the_others_complete(project):
    """An issued letter (its own protocollo) that would change is refused; the rest of the series is done."""
    data = rows(project)
    table = project / "atti" / "riparto.csv"
    header = "ente;denominazione;posti_letto;importo;protocollo\n"
    lines = [f"{e};{d};{p};{str(i).replace('.', ',')};{'G1.2026.0000123' if n == 3 else ''}"
             for n, (e, d, p, i) in enumerate(data)]
    act = write_act(project, "riparto.csv")
    table.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    first = run_cli("render", act, "--out", project / "out", "--jobs", "1", cwd=project)
    assert first.exit_code == 0, first.output
    lines[3] = lines[3].replace(f";{data[3][2]};", ";99;")   # the issued letter's figure changes
    lines[2] = lines[2].replace(f";{data[2][2]};", ";98;")   # and a draft letter's
    table.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    second = run_cli("render", act, "--out", project / "out", "--jobs", "1", cwd=project)
    assert second.exit_code == 1
    assert f"riga 5 ({data[3][0]}): lettera non generata" in second.output
    assert "già emesso" in second.output
    assert f"{len(data)} lettere (1 generate, {len(data) - 2} già fatte e verificate)" in second.output
    assert f"1 lettere su {len(data)} non generate: riga 5 ({data[3][0]})" in second.output
    text = " ".join(pdf_text(project / "out" / "riparto" / data[2][0] / f"riparto-{data[2][0]}.pdf"))
    assert "sono assegnati 98 posti letto" in text


def _complete(folder: Path) -> bool:
    from circolari.output import sha256

    try:
        manifest = json.loads((folder / "manifest.json").read_bytes())
        return all(sha256((folder / f["name"]).read_bytes()) == f["sha256"] for f in manifest["files"])
    except (OSError, ValueError):
        return False


def test_render_killed_midway_completes_on_rerun_without_redoing_finished_letters(project):
    act = write_act(project, "riparto.csv")
    write_csv(project / "atti" / "riparto.csv", rows(project))
    out = project / "out" / "riparto"
    # a real process, killed (-9) once it has stopped itself with the 3rd letter in place
    process = fork_cli("render", act, "--out", project / "out", "--jobs", "1", cwd=project,
                       log=project / "log", stop="swapped#3")
    try:
        process.stopped()
        assert process.kill() == -signal.SIGKILL
    finally:
        reap_all()  # a child left stopped by a failure
    folders = [f for f in out.iterdir() if f.is_dir() and not f.name.startswith(".")]  # not a killed write
    done = {f.name: (f / f"riparto-{f.name}.pdf").stat().st_ino for f in folders if _complete(f)}
    assert len(done) == 3
    for pdf in out.glob("*/*.pdf"):
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF"), f"half-written {pdf}"
    result = run_cli("render", act, "--out", project / "out", "--jobs", "1", cwd=project)
    assert result.exit_code == 0, result.output
    total = len(asst(project))
    assert f"{total} lettere ({total - len(done)} generate, {len(done)} già fatte e verificate)" in result.output
    for name, inode in done.items():
        assert (out / name / f"riparto-{name}.pdf").stat().st_ino == inode, f"{name} was made again"
    assert all(_complete(out / e.id) for e in asst(project))
    assert not list(out.glob("*/.*.tmp")) and not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("text, value", [("1.234,50", "1234.50"), ("1234,5", "1234.5"), ("1.234", "1234"),
                                         ("12.5", "12.5"), ("€ 1.000.000", "1000000"), ("50%", "50")])
def test_table_numbers_written_the_italian_way(text, value):
    from circolari.series.values import to_number

    assert to_number(text) == Decimal(value)


def test_bundled_series_example_checks_clean_and_cites_only_the_dgr_figures():
    """The example invents no figure: its fatti are the DGR XI/3681/2020 example's, its table only registry ids."""
    from conftest import EXAMPLES

    from circolari.kinds.load import load_act
    from circolari.registry.registry import Registry
    from circolari.series.table import read_table

    result = run_cli("check", EXAMPLES / "serie")
    assert result.exit_code == 0, result.output
    act, _ = load_act(EXAMPLES / "serie" / "richiesta-dati-sub-acute.yaml")
    dgr, _ = load_act(EXAMPLES / "dgr-xi-3681-2020.yaml")
    assert act.fatti and all(dgr.fatti[name].valore == fatto.valore for name, fatto in act.fatti.items())
    assert not act.serie.campi
    table = read_table(EXAMPLES / "serie" / act.serie.tabella)
    registry = Registry.load(EXAMPLES.parent / "recipients")
    assert table.columns == ["ente", "denominazione"]
    assert [r.value("ente") for r in table.rows] == [e.id for e in registry.group_members("asst")]
    assert all(r.value("denominazione") == registry.by_id[r.value("ente")].ente.denominazione for r in table.rows)


def test_diff_of_two_tables_of_a_series_shows_each_body_that_changes(project):
    data = rows(project)
    act = write_act(project, "riparto.xlsx", sheet="Riparto")
    write_xlsx(project / "atti" / "riparto.xlsx", data)
    changed = [list(r) for r in data]
    changed[1][2] = 77                                   # a figure that changes
    changed[2][3], changed[3][3] = changed[3][3], changed[2][3]  # two amounts swapped: the total holds
    write_xlsx(project / "atti" / "riparto-v2.xlsx", changed)
    result = run_cli("diff", act, project / "atti" / "riparto-v2.xlsx", cwd=project)
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"{data[1][0]} ({data[1][1]}), riga 3: posti_letto: {data[1][2]} → 77" in out
    assert f"{data[2][0]} ({data[2][1]}), riga 4: importo: {expected_text(2)[1]} → {expected_text(3)[1]}" in out
    assert "3 lettere con cifre diverse, 0 in più, 0 in meno." in out
    assert data[0][0] not in out
    same = run_cli("diff", act, project / "atti" / "riparto.xlsx", cwd=project)
    assert same.exit_code == 0 and "0 lettere con cifre diverse" in same.output


def test_series_letter_is_byte_identical_to_the_same_letter_rendered_alone_in_a_new_process(asst_series, tmp_path):
    """Workers reuse parsed templates, shared DOCX parts and fonts across letters: the bytes must not change.
    The series is the session's (conftest.asst_series: this CSV table rendered with two jobs)."""
    project, series = asst_series
    act = project / "atti" / "riparto.yaml"
    bodies = asst(project)
    ente = bodies[len(bodies) // 2].id
    code = f"""
import sys
from pathlib import Path
from circolari.input.project import Project
from circolari.render import render_loaded
from circolari.series.run import load_series
from circolari.series.letters import letter_act
project = Project.locate(Path({str(act.parent)!r}))
act, doc, result = load_series(Path({str(act)!r}), project)
letter = next(l for l in result.letters if l.ente.id == {ente!r})
files = render_loaded(letter_act(act, letter), doc, project, name="riparto-{ente}").files
for ext in ("pdf", "docx"):
    Path(sys.argv[1], "alone." + ext).write_bytes(files["riparto-{ente}." + ext])
"""
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=project,
                   env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    for ext in ("pdf", "docx"):
        alone = (tmp_path / f"alone.{ext}").read_bytes()
        assert (series / ente / f"riparto-{ente}.{ext}").read_bytes() == alone, ext


def test_review_pack_shows_body_by_body_what_the_table_changes_from_the_approved_one(project):
    act = write_act(project, "riparto.csv")
    data = rows(project)
    write_csv(project / "atti" / "riparto.csv", data)
    pack = project / "out" / "review"
    first = run_cli("review", project / "templates", act, "--out", pack, cwd=project)
    index = (pack / "index.html").read_text(encoding="utf-8")
    bodies = asst(project)
    assert f"Lettere della serie ({len(bodies)})" in index and "nessuna tabella approvata" in index, first.output
    approved = run_cli("approve", act, "--by", "Revisore di prova", "--pack", pack, cwd=project)
    assert approved.exit_code == 0, approved.output
    record = json.loads((project / "atti" / "approvati" / "riparto.json").read_text(encoding="utf-8"))
    assert record["serie"][bodies[1].id]["valori"]["importo"] == expected_text(1)[1]

    again = run_cli("review", project / "templates", act, "--out", pack, cwd=project)
    assert again.exit_code == 0, again.output
    assert "ogni ente ha le cifre della tabella approvata" in (pack / "index.html").read_text(encoding="utf-8")

    data[0][3], data[1][3] = data[1][3], data[0][3]   # two bodies swap amounts: same total, same act
    write_csv(project / "atti" / "riparto.csv", data)
    changed = run_cli("review", project / "templates", act, "--out", pack, cwd=project)
    assert changed.exit_code == 1, changed.output
    index = (pack / "index.html").read_text(encoding="utf-8")
    (first_body, second_body), (first_sum, second_sum) = bodies[:2], (expected_text(0)[1], expected_text(1)[1])
    assert "2 lettere con cifre diverse" in index
    assert f"{first_body.id} ({first_body.denominazione})</td><td>2</td><td>importo: {first_sum} → {second_sum}" in index
    assert f"{second_body.id} ({second_body.denominazione})</td><td>3</td><td>importo: {second_sum} → {first_sum}" in index
    assert bodies[2].id not in index.split("Differenze dalla tabella approvata")[1]
