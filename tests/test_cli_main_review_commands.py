"""circolari diff, preview, review and approve, through the CLI."""

from __future__ import annotations

import re
import shutil

from conftest import copy_of, pdf_text, run_cli
from helpers.edits import rewrite

DGR = "dgr-xi-3681-2020"
NOTA = "nota-plasma-iperimmune-2020"


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    rewrite(path, text.replace(old, new))


def review_and_approve(project, *examples, by="Revisore di prova"):
    """What a reviewer does: look at the pack, then record the approval."""
    examples = examples or (project / "examples",)
    run_cli("review", project / "templates", *examples, cwd=project)
    result = run_cli("approve", *examples, "--by", by, cwd=project)
    assert result.exit_code == 0, result.output
    return result


def new_act(project):
    """The act ``circolari new circolare`` writes (its skeleton as it is: one page), where what the
    act prints is not the point."""
    act = project / "examples" / "nuova.yaml"
    act.write_bytes((project / "templates" / "nuovo" / "circolare.yaml").read_bytes())
    return act


def _count_loads(monkeypatch) -> list[str]:
    """The name of each act loaded from now on."""
    import circolari.kinds.load as acts

    loads, real = [], acts.load_act
    monkeypatch.setattr(acts, "load_act", lambda path, **kw: loads.append(path.name) or real(path, **kw))
    return loads


def _count_renders(monkeypatch) -> list[str]:
    """The name of each act rendered from now on (every command renders through render_loaded)."""
    import circolari.render as render

    renders, real = [], render.render_loaded
    monkeypatch.setattr(render, "render_loaded", lambda act, doc, *a, **kw: renders.append(doc.path.name)
                        or real(act, doc, *a, **kw))
    return renders


def test_diff_of_two_versions_shows_words_pages_and_sections(project, monkeypatch):
    """Each version is read and validated once: for its render and for the labels and figures on top."""
    loads = _count_loads(monkeypatch)
    v1 = project / "examples" / f"{DGR}.yaml"
    v2 = project / "examples" / "v2.yaml"
    v2.write_text(v1.read_text(encoding="utf-8").replace("importo: 190", "importo: 200")
                  .replace("  - nome: Silvia Piani\n", ""), encoding="utf-8")
    html = project / "confronto.html"
    result = run_cli("diff", v1, v2, "--html", html, cwd=project)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "\x1b[" not in out  # not a terminal: no colour
    assert re.search(r"pagina 1, frontespizio\n.*MATTINZOLI \[-SILVIA PIANI-\] FABIO", out)
    assert re.search(r"pagina 3, premessa 10 \(RITENUTO\)\n.*una tariffa di \[-190-\] \{\+200\+\} euro al giorno", out)
    assert re.search(r"pagina 4, punto 2 del dispositivo\n.*\[-190-\] \{\+200\+\}", out)
    assert re.search(r"pagina 5, Allegato 1, 1\) CURE SUB-ACUTE.*paragrafo 6\n", out)
    assert "4 modifiche: 5 parole tolte, 3 aggiunte." in out
    page = html.read_text(encoding="utf-8")
    assert page.count("<ins id=") == 3 and page.count("<del id=") == 4 and ">200</ins>" in page and ">190</del>" in page
    assert not (project / "out").exists()  # both sides rendered in memory
    assert sorted(loads) == sorted([v1.name, v2.name])


def test_diff_of_a_template_change_and_of_equal_renders(project, monkeypatch):
    act = new_act(project)
    new = project / "templates-nuovi"
    shutil.copytree(project / "templates", new)
    _edit(new / "circolare.html.j2", "<p class=\"saluti\">{{ atto.saluti }}</p>",
          "<p class=\"saluti\">{{ atto.saluti }} e buon lavoro</p>")
    result = run_cli("diff", act, "--templates", new, cwd=project)
    assert result.exit_code == 1
    assert re.search(r"pagina 1, saluti\n.*Distinti saluti \{\+e buon lavoro\+\} IL DIRETTORE", result.stdout)
    loads, renders = _count_loads(monkeypatch), _count_renders(monkeypatch)
    same = run_cli("diff", act, "--templates", project / "templates", cwd=project)
    assert same.exit_code == 0 and "Nessuna differenza" in same.stdout
    assert loads == renders == [act.name]  # the same act, templates and registry on both sides: once
    missing = run_cli("diff", act, cwd=project)
    assert missing.exit_code == 1 and "--templates" in missing.output and "Traceback" not in missing.output


def test_diff_colour_only_on_a_terminal(monkeypatch):
    from circolari.review.diff import compare, terminal, text_words, use_colour

    d = compare(text_words("una tariffa di 190 euro"), text_words("una tariffa di 200 euro"))
    assert "\x1b[31;9m190\x1b[0m" in terminal(d, "a", "b", colour=True)

    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())


def test_preview_writes_pages_and_index(previews):
    folder = previews / "out" / NOTA / "preview"
    pngs = sorted(folder.glob("pagina-*.png"))
    assert len(pngs) == 3 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'src="{p.name}?v=' in index for p in pngs) and f'href="{NOTA}.html"' in index
    assert (folder / f"{NOTA}.html").is_file() and (folder / "stile.css").is_file()


def test_preview_html_has_the_pdf_font_and_page_figures(previews):
    from circolari.document.styles import FONT_FACES, font_file

    folder = previews / "out" / DGR / "preview"
    pdf = " ".join(pdf_text(folder / f"{DGR}.pdf"))
    figures = re.search(r"L'atto si compone di (\d+ pagine) di cui (\d+ pagine) di allegati", pdf)
    assert figures and figures.group(1) == "7 pagine", pdf[:400]
    html = re.sub(r"<[^>]+>", " ", (folder / f"{DGR}.html").read_text(encoding="utf-8"))
    html = " ".join(html.split())
    assert f"L'atto si compone di {figures.group(1)} di cui {figures.group(2)} di allegati" in html
    nota = (previews / "out" / NOTA / "preview" / f"{NOTA}.html").read_text(encoding="utf-8")
    assert re.search(r'pagina <span data-campo="page">3</span> di <span data-campo="pages">3</span>', nota)
    assert "pagina 3 di 3" in " ".join(pdf_text(previews / "out" / NOTA / "preview" / f"{NOTA}.pdf"))
    css = (folder / "stile.css").read_text(encoding="utf-8")
    for face in FONT_FACES:
        copy = folder / "caratteri" / f"TitilliumWeb-{face}.ttf"
        assert copy.read_bytes() == font_file(face).read_bytes()
        assert f"url('caratteri/{copy.name}')" in css
    assert "font-family: 'Titillium Web'" in css


def test_preview_html_shows_each_pages_footer_number_where_that_page_ends(previews):
    import html as html_module

    folder = previews / "out" / NOTA / "preview"
    html = (folder / f"{NOTA}.html").read_text(encoding="utf-8")
    pdf = pdf_text(folder / f"{NOTA}.pdf")
    assert [f"pagina {n} di 3" in pdf[n - 1] for n in (1, 2, 3)] == [True] * 3  # what each footer prints
    marks = list(re.finditer(r'<p class="fine-pagina" role="separator">([^<]*)</p>', html))
    assert [m.group(1) for m in marks] == ["pagina 1 di 3", "pagina 2 di 3"]
    assert re.search(r'pagina <span data-campo="page">3</span> di <span data-campo="pages">3</span>', html)

    def words(fragment: str) -> str:
        return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())

    for number, mark in enumerate(marks, start=1):  # the text around each mark is where the PDF page ends
        before, after = words(html[:mark.start()])[-40:], words(html[mark.end():])[:40]
        assert before in pdf[number - 1] and before not in pdf[number], (number, before)
        assert after in pdf[number] and after not in pdf[number - 1], (number, after)
    dgr = (previews / "out" / DGR / "preview" / f"{DGR}.html").read_text(encoding="utf-8")
    assert "fine-pagina" not in dgr  # its footer prints no page number: nothing to show


def test_preview_open_asks_the_browser_to_reuse_its_window_and_points_to_watch(project, monkeypatch):
    calls = []
    monkeypatch.setattr("webbrowser.open", lambda url, new=2, autoraise=True: calls.append((url, new)))
    act = new_act(project)
    for _ in range(2):
        result = run_cli("preview", act, "--open", "--out", project / "out", cwd=project)
        assert result.exit_code == 0 and "--watch" in result.output, result.output
        assert f"{act}: 1 pagina -> " in result.output  # one page: "pagina", not "pagine"
    index = (project / "out" / "nuova" / "preview" / "index.html").resolve().as_uri()
    assert calls == [(index, 0), (index, 0)]  # new=0: the same window, where the browser allows it
    assert "--watch" in run_cli("preview", "--help").output


def test_preview_redraws_only_the_pages_whose_content_changed(previews, tmp_path):
    project = copy_of(previews, tmp_path)  # both examples previewed
    act = project / "examples" / f"{DGR}.yaml"
    folder = project / "out" / DGR / "preview"
    before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.glob("pagina-*.png")}
    assert len(before) == 7
    _edit(act, "importo: 190", "importo: 195")  # the tariff is cited on pages 3, 4 and 5
    assert run_cli("preview", act, "--out", project / "out", cwd=project).exit_code == 0
    after = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.glob("pagina-*.png")}
    redrawn = sorted(int(n[7:-4]) for n in after if after[n][0] != before[n][0])
    assert redrawn == [3, 4, 5]
    assert all(after[f"pagina-{n}.png"][1] != before[f"pagina-{n}.png"][1] for n in redrawn)
    text = " ".join(pdf_text(folder / f"{DGR}.pdf"))
    assert "195" in text and "tariffa di 190" not in text
    (folder / "pagina-6.png").unlink()  # a picture gone is drawn again
    assert run_cli("preview", act, "--out", project / "out", cwd=project).exit_code == 0
    assert (folder / "pagina-6.png").read_bytes() == before["pagina-6.png"][1]


def test_watch_update_writes_the_page_and_pdf_before_the_changed_pictures(previews, tmp_path):
    from circolari.input.project import Project
    from circolari.review.preview import update

    project = copy_of(previews, tmp_path)  # the preview shown before the save
    act = project / "examples" / f"{DGR}.yaml"
    folder = project / "out" / DGR / "preview"
    setup = Project.locate(act, out=project / "out")
    before = {n: (folder / f"pagina-{n}.png").read_bytes() for n in range(1, 8)}
    old_index = (folder / "index.html").read_text(encoding="utf-8")
    _edit(act, "importo: 190", "importo: 195")  # cited on pages 3, 4 and 5
    messages = []
    pending = update(act, setup, folder, report=messages.append)
    assert pending.stale == [3, 4, 5] and messages == [f"{act}: 7 pagine aggiornate"]
    assert "195" in " ".join(pdf_text(folder / f"{DGR}.pdf"))  # the new PDF and HTML, already
    assert "195" in (folder / f"{DGR}.html").read_text(encoding="utf-8")
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count("in aggiornamento") == 3 and "pagina 3 di 7 · in aggiornamento" in index
    for n in (3, 4, 5):  # still the previous picture, under its previous URL
        old_src = re.search(rf'src="pagina-{n}\.png\?v=(\w+)"', old_index).group(1)
        assert f'src="pagina-{n}.png?v={old_src}"' in index
        assert (folder / f"pagina-{n}.png").read_bytes() == before[n]
    pending.draw()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "in aggiornamento" not in index
    for n in range(1, 8):
        changed = (folder / f"pagina-{n}.png").read_bytes() != before[n]
        assert changed == (n in (3, 4, 5)), n
        assert (re.search(rf'src="pagina-{n}\.png\?v=(\w+)"', index).group(1)
                != re.search(rf'src="pagina-{n}\.png\?v=(\w+)"', old_index).group(1)) == changed


def test_watch_sees_a_save_made_during_its_first_render(project):
    """The watcher is up before the first render: a save while it renders is not lost."""
    import threading

    from circolari.input.project import Project
    from circolari.review.preview import watch

    act = new_act(project)
    folder = project / "out" / "nuova" / "preview"
    text = act.read_text(encoding="utf-8")
    stop, messages = threading.Event(), []

    def report(message: str) -> None:  # called by each render, the first one before on_ready
        messages.append(message)
        if len(messages) == 1:
            act.write_text(text.replace("Distinti saluti", "Cordiali saluti"), encoding="utf-8")
        else:
            stop.set()

    worker = threading.Thread(target=watch, args=(act, Project.locate(act, out=project / "out"), folder),
                              kwargs={"report": report, "stop_event": stop}, daemon=True)
    worker.start()
    try:
        worker.join(60)
    finally:
        stop.set()
        worker.join(30)
    assert messages == [f"{act}: 1 pagina aggiornata"] * 2  # one page: "pagina aggiornata"
    assert "Cordiali saluti" in (folder / "nuova.html").read_text(encoding="utf-8")


def test_review_goes_on_after_bad_template_bad_act_and_missing_example(approved_examples, tmp_path):
    project = copy_of(approved_examples[0], tmp_path)  # both examples reviewed and approved
    (project / "templates" / "_rotto.html.j2").write_text("{% for x in %}\n", encoding="utf-8")
    (project / "examples" / "rotto.yaml").write_text("tipo: delibera\nnumero: [\n", encoding="utf-8")
    _edit(project / "examples" / f"{DGR}.yaml", "importo: 190", "importo: 200")
    out = project / "out" / "review"
    result = run_cli("review", project / "templates", project / "examples", project / "manca.yaml",
                     "--out", out, cwd=project)
    assert result.exit_code == 1  # something could not be reviewed; the pack is written all the same
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "_rotto.html.j2:1: errore: errore di sintassi" in page
    assert "manca.yaml: errore: esempio non trovato" in page
    assert 'id="rotto" data-stato="errore"' in page and "sintassi YAML non valida" in page
    assert f'id="{DGR}" data-stato="modificato"' in page and ">200</ins>" in page
    assert "pagina 5, Allegato 1, 1) CURE SUB-ACUTE" in page  # the annex in the change's place
    assert f'id="{NOTA}" data-stato="uguale"' in page
    assert len(list((out / DGR).glob("pagina-*.png"))) == 7


def test_approve_reports_changes_and_errors(approved_examples, tmp_path):
    shared, first = approved_examples  # the project's own approvals removed, then reviewed and approved
    project = copy_of(shared, tmp_path)
    examples = project / "examples"
    assert first.stdout.count(": nuovo") == 2 and "Approvazione registrata a nome di Revisore di prova" in first.stdout
    again = review_and_approve(project)
    assert again.stdout.count(": invariato") == 2 and "Nessun cambiamento" in again.stdout
    assert "aggiornat" not in again.stdout and "registrata" not in again.stdout
    _edit(examples / f"{NOTA}.yaml", "I migliori saluti", "Cordiali saluti")
    (examples / "rotto.yaml").write_text("tipo: circolare\n", encoding="utf-8")
    changed_ones = (examples / f"{NOTA}.yaml", examples / "rotto.yaml")  # the DGR's approval is proved above
    run_cli("review", project / "templates", *changed_ones, cwd=project)
    changed = run_cli("approve", *changed_ones, "--by", "Revisore di prova", cwd=project)
    assert changed.exit_code == 1 and f"{NOTA}.yaml: modificato" in changed.stdout
    assert "rotto.yaml: errore" in changed.stdout and "campo obbligatorio mancante" in changed.output
    assert "Cordiali saluti" in (examples / "approvati" / f"{NOTA}.txt").read_text(encoding="utf-8")


def test_approval_record_holds_reviewer_date_and_hashes(approved_examples, tmp_path):
    import hashlib
    import json

    project = copy_of(approved_examples[0], tmp_path)  # reviewed and approved afresh by "Revisore di prova"
    record = json.loads((project / "examples" / "approvati" / f"{DGR}.json").read_text(encoding="utf-8"))
    assert record["approvato_da"] == "Revisore di prova" and re.fullmatch(r"\d{4}-\d\d-\d\d", record["data"])
    template = (project / "templates" / "delibera.html.j2").read_bytes()
    assert record["template"]["delibera.html.j2"] == hashlib.sha256(template).hexdigest()
    assert "intestazioni/dg-welfare.yaml" in record["template"]  # the letterhead too
    act = (project / "examples" / f"{DGR}.yaml").read_bytes()
    assert record["hash_atto"] == hashlib.sha256(act).hexdigest()
    index = (project / "out" / "review" / "index.html").read_bytes()
    assert record["pacchetto"] == hashlib.sha256(index).hexdigest()
    text = (project / "examples" / "approvati" / f"{DGR}.txt").read_bytes()
    assert record["hash_testo"] == hashlib.sha256(text).hexdigest()
    pages = [(project / "examples" / "approvati" / DGR / f"pagina-{n}.png").read_bytes() for n in range(1, 8)]
    assert record["numero_pagine"] == 7 and record["hash_pagine"] == [hashlib.sha256(p).hexdigest() for p in pages]
    assert record["campi_firma"] == ["Firma_Segretario"]
    shown = run_cli("review", project / "templates", project / "examples" / f"{DGR}.yaml", cwd=project)
    assert shown.exit_code == 0 and "approvato da Revisore di prova il " in shown.stdout


def test_approve_takes_what_review_rendered_only_while_every_input_and_kept_file_is_the_same(project, monkeypatch):
    renders = _count_renders(monkeypatch)
    act = project / "examples" / f"{NOTA}.yaml"
    approved = project / "examples" / "approvati" / f"{NOTA}.txt"
    kept = project / "out" / "review" / NOTA / "resa"
    assert run_cli("review", project / "templates", act, cwd=project).exit_code == 0 and renders == [act.name]
    renders.clear()
    taken = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert taken.exit_code == 0 and f"{NOTA}.yaml: invariato" in taken.stdout, taken.output
    assert renders == []  # the pack's render: same act, templates, registry, fonts and program
    assert (kept / "testo.txt").read_bytes() == approved.read_bytes()
    # the registry changed after the review: approve renders again and records what the act prints now
    _edit(project / "recipients" / "agenzie.yaml", 'denominazione: "AREU"', 'denominazione: "AREU Lombardia"')
    changed = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert changed.exit_code == 0 and f"{NOTA}.yaml: modificato" in changed.stdout, changed.output
    assert renders == [act.name] and "AL DIRETTORE GENERALE AREU LOMBARDIA" in approved.read_text(encoding="utf-8")
    assert "AREU LOMBARDIA" not in (kept / "testo.txt").read_text(encoding="utf-8")
    # a kept file that is not the one recorded is never taken
    renders.clear()
    assert run_cli("review", project / "templates", act, cwd=project).exit_code == 0
    (kept / "testo.txt").write_text("testo mai reso\n", encoding="utf-8")
    renders.clear()
    again = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert again.exit_code == 0 and f"{NOTA}.yaml: invariato" in again.stdout, again.output
    assert renders == [act.name] and "AREU LOMBARDIA" in approved.read_text(encoding="utf-8")


def test_review_keeps_no_render_when_the_registry_changes_while_it_renders(project, monkeypatch):
    import json

    import circolari.render as render

    act = new_act(project)
    real = render.render_loaded

    def saved_meanwhile(*args, **kwargs):  # the registry is saved while review renders the act
        _edit(project / "recipients" / "agenzie.yaml", 'denominazione: "AREU"', 'denominazione: "AREU Lombardia"')
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "render_loaded", saved_meanwhile)
    run_cli("review", project / "templates", act, cwd=project)
    monkeypatch.undo()
    assert json.loads((project / "out" / "review" / "revisione.json").read_text(encoding="utf-8"))["rese"] == {}
    renders = _count_renders(monkeypatch)
    result = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert result.exit_code == 0 and renders == [act.name], result.output
    assert "AREU LOMBARDIA" in (project / "examples" / "approvati" / "nuova.txt").read_text(encoding="utf-8")


def test_render_key_changes_with_every_input_of_the_render(project, monkeypatch, tmp_path):
    """Act, templates (letterhead profile included), registry, tables, folders, fonts, circolari's
    files, $SOURCE_DATE_EPOCH: each changes the key under which approve takes the review's render."""
    import circolari.document.styles as styles
    from circolari.input.project import Project
    from circolari.review import kept
    from circolari.review.folders import folder_hashes

    act = project / "examples" / f"{DGR}.yaml"
    table = project / "examples" / "tabella.csv"
    table.write_text("a;b\n1;2\n", encoding="utf-8")
    setup = Project.locate(act)

    def key(where=setup):
        return kept.render_key(kept.file_digest(act), where, folder_hashes(where.templates),
                               kept.registry_hashes(where.recipients), [table])

    keys = [key()]
    assert key() == keys[0]  # nothing changed: the same key
    for path, old, new in [(act, "importo: 190", "importo: 195"),
                           (project / "templates" / "_piede.html.j2", "Il Responsabile", "Responsabile"),
                           (project / "templates" / "intestazioni" / "dg-welfare.yaml", "Welfare", "Welfare "),
                           (project / "recipients" / "agenzie.yaml", '"AREU"', '"AREU Lombardia"'),
                           (table, "1;2", "1;3")]:
        _edit(path, old, new)
        keys.append(key())
    shutil.copytree(project / "templates", tmp_path / "altri-template")
    keys.append(key(Project(tmp_path / "altri-template", setup.recipients, setup.out)))  # same files elsewhere
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1602763200")
    keys.append(key())
    font = tmp_path / "TitilliumWeb-Regular.ttf"
    font.write_bytes(styles.font_file("Regular").read_bytes() + b"\0")
    real = styles.font_file
    monkeypatch.setattr(styles, "font_file", lambda face: font if face == "Regular" else real(face))
    kept.software.cache_clear()
    try:
        keys.append(key())
    finally:
        monkeypatch.undo()
        kept.software.cache_clear()
    assert len(set(keys)) == len(keys), keys


def test_approve_refuses_without_reviewer_or_pack(project):
    no_name = run_cli("approve", project / "examples", cwd=project)
    assert no_name.exit_code == 1 and "--by" in no_name.output and "Traceback" not in no_name.output
    no_pack = run_cli("approve", project / "examples", "--by", "Revisore di prova", cwd=project)
    assert no_pack.exit_code == 1 and "nessun pacchetto di revisione" in no_pack.output
    assert "circolari review" in no_pack.output


def test_approve_refuses_an_act_with_a_check_error(project):
    act = project / "examples" / f"{NOTA}.yaml"
    before = (project / "examples" / "approvati" / f"{NOTA}.txt").read_bytes()
    _edit(act, "Nelle scorse settimane", "Dal 31 novembre 2011 e nelle scorse settimane")
    run_cli("review", project / "templates", act, cwd=project)
    result = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert result.exit_code == 1 and "31 novembre 2011" in result.output and "non può essere approvato" in result.output
    assert (project / "examples" / "approvati" / f"{NOTA}.txt").read_bytes() == before


def test_approve_refuses_templates_or_acts_other_than_those_reviewed(project):
    act = project / "examples" / f"{NOTA}.yaml"
    other = project / "templates-nuovi"
    shutil.copytree(project / "templates", other)
    _edit(other / "circolare.html.j2", "<strong>{{ o.etichetta }}</strong>{{", "{{ o.etichetta }}{{")
    assert run_cli("review", other, act, cwd=project).exit_code == 1  # layout changed: red
    wrong = run_cli("approve", act, "--by", "Revisore di prova", "--templates", project / "templates", cwd=project)
    assert wrong.exit_code == 1 and "i template non sono quelli del pacchetto" in wrong.output
    assert "circolare.html.j2" in wrong.output
    _edit(act, "I migliori saluti", "Cordiali saluti")
    edited = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)
    assert edited.exit_code == 1 and "l'atto è cambiato dopo la revisione" in edited.output
    _edit(act, "Cordiali saluti", "I migliori saluti")
    right = run_cli("approve", act, "--by", "Revisore di prova", cwd=project)  # the reviewed templates by default
    assert right.exit_code == 0, right.output
    source = project / "examples" / "approvati" / "template" / "circolare.html.j2"
    assert "<strong>{{ o.etichetta }}</strong>{{" not in source.read_text(encoding="utf-8")


def test_layout_only_template_change_turns_review_red_with_pages_before_and_after(project):
    act = project / "examples" / f"{NOTA}.yaml"
    _edit(project / "templates" / "circolare.html.j2", "<strong>{{ o.etichetta }}</strong>{{", "{{ o.etichetta }}{{")
    out = project / "out" / "review"
    result = run_cli("review", project / "templates", act, "--out", out, cwd=project)
    assert result.exit_code == 1 and f"{NOTA}.yaml: modificato; aspetto diverso: pagina 3" in result.stdout
    page = (out / "index.html").read_text(encoding="utf-8")
    assert f'id="{NOTA}" data-stato="modificato"' in page and "nessuna differenza nel testo" in page
    assert (out / NOTA / "prima-3.png").is_file() and (out / NOTA / "dopo-3.png").is_file()
    assert page.index('id="modifiche-template"') < page.index(f'id="{NOTA}"')  # the template change comes first
    assert '<span class="tolto">-  {% else %}&lt;p class=&quot;oggetto&quot;&gt;&lt;strong&gt;{{ o.etichetta }}' in page


def test_page_count_and_signature_field_changes_are_reported(project):
    act = project / "examples" / f"{NOTA}.yaml"
    _edit(project / "templates" / "circolare.html.j2", 'data-signature="Firma_{{ firma_campo }}"', "")
    result = run_cli("review", project / "templates", act, cwd=project)
    assert result.exit_code == 1 and "campi firma: Firma_DirettoreGenerale → nessuno" in result.stdout


def test_a_change_on_every_page_is_reported_as_all_pages():
    from circolari.review.pages import Look, LookDiff, PageChange

    look = Look([b"a", b"b", b"c"], [])
    diff = LookDiff(look, look, [PageChange(n, "diversa", b"", b"") for n in (1, 2, 3)])
    assert diff.summary() == ["aspetto diverso: tutte le pagine"]


def test_review_never_deletes_a_folder_it_did_not_make(approved_examples, tmp_path):
    project = copy_of(approved_examples[0], tmp_path)  # its pack made by review in a new out/review
    site = project / "sito"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<p>pagina di un altro</p>", encoding="utf-8")
    (site / "importante.txt").write_text("da non perdere", encoding="utf-8")
    result = run_cli("review", project / "templates", project / "examples", "--out", site, cwd=project)
    assert result.exit_code == 1 and "non contiene un pacchetto di revisione" in result.output
    assert (site / "importante.txt").read_text(encoding="utf-8") == "da non perdere" and (site / "sub").is_dir()
    out = project / "out" / "review"
    assert (out / "index.html").is_file()
    (out / "vecchio.png").write_bytes(b"x")
    act = project / "examples" / f"{NOTA}.yaml"  # one example is enough to replace the pack
    assert run_cli("review", project / "templates", act, "--out", out, cwd=project).exit_code == 0
    assert not (out / "vecchio.png").exists()  # its own previous pack is replaced


def test_every_generated_page_has_a_policy_allowing_only_its_own_hashed_scripts(modified_pack, previews, tariff_diff):
    import base64
    import hashlib
    from html import unescape

    pages = [modified_pack / "out" / "review" / "index.html", previews / "out" / NOTA / "preview" / "index.html",
             previews / "out" / NOTA / "preview" / f"{NOTA}.html", tariff_diff[0] / "confronto.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
        policy = unescape(found.group(1)) if found else ""
        assert "script-src" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy, page
        scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
        for script in scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, page
        assert not re.search(r"<script[^>]*src|\son\w+=", html), page
    assert re.findall(r"<script>", pages[0].read_text(encoding="utf-8"))  # the pack's scroll script is there


def test_diff_for_a_manager_names_the_act_and_sums_up_changed_figures(tariff_diff):
    project, result = tariff_diff  # the DGR against a v2 with its tariff 190 -> 195
    v1, html = project / "examples" / f"{DGR}.yaml", project / "confronto.html"
    assert "cifra cambiata: tariffa_sub_acute: 190 → 195, 3 occorrenze" in result.stdout
    assert "--- DGR n. XI/3681 del 15/10/2020 «Ulteriori determinazioni per la gestione di pazienti COVID-19» (prima)" \
        in result.stdout
    page = html.read_text(encoding="utf-8")
    assert "tariffa_sub_acute: 190 → 195, 3 occorrenze" in page and "@media print" in page
    assert str(v1) not in page


def test_a_footer_change_is_reported_on_all_pages(project):
    act = project / "examples" / f"{NOTA}.yaml"
    _edit(project / "templates" / "_piede.html.j2", "Il Responsabile del procedimento:", "Responsabile del procedimento:")
    result = run_cli("review", project / "templates", act, cwd=project)
    assert result.exit_code == 1 and "aspetto diverso: tutte le pagine" in result.stdout
    page = (project / "out" / "review" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="confronto-pagina"') == 3 and "_piede.html.j2" in page
