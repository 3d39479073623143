"""Nothing outside the output folder is written, nothing outside the act's project is read;
a render's files change all at once; OS errors end in Italian messages, never a traceback."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from helpers.edits import rewrite

NOTA = "examples/nota-plasma-iperimmune-2020.yaml"
DGR = "examples/dgr-xi-3681-2020.yaml"


NEW = "examples/nuova.yaml"


@pytest.fixture
def new_act(project) -> str:
    """``NEW``: the act ``circolari new circolare`` writes (its skeleton as it is, one page), for the
    tests about where and how a render's files are written, where what the act prints is not the
    point: it renders in about half the nota's time (three pages, some fifty recipients)."""
    (project / NEW).write_bytes((project / "templates" / "nuovo" / "circolare.yaml").read_bytes())
    return NEW


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def fails(project: Path, *args) -> str:
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    return result.output


@pytest.mark.parametrize("name", ["...yaml", "..yaml", ".nascosto.yaml", "a\u202egpj.yaml", "a\tb.yaml"])
def test_act_name_must_be_one_safe_path_component(project, name):
    act = project / "examples" / name
    shutil.copy(project / NOTA, act)
    before = files_under(project)
    output = fails(project, "render", act, "--out", project / "out")
    assert "nome del file dell'atto non ammesso" in output
    assert files_under(project) == before, "a refused render wrote files"


def test_preview_refuses_an_unsafe_act_name(project):
    act = project / "examples" / "...yaml"
    shutil.copy(project / NOTA, act)
    before = files_under(project)
    assert "non ammesso" in fails(project, "preview", act, "--out", project / "out")
    assert files_under(project) == before


def test_act_folder_symlink_leading_outside_out_is_refused(project, new_act, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("altrove")
    (project / "out").mkdir()
    (project / "out" / "nuova").symlink_to(elsewhere, target_is_directory=True)
    output = fails(project, "render", NEW, "--out", project / "out")
    assert "fuori dalla cartella di uscita" in output
    assert not any(elsewhere.iterdir())


def test_dangling_act_folder_symlink_is_a_message(project, new_act):
    (project / "out").mkdir()
    (project / "out" / "nuova").symlink_to(project / "non-esiste")
    assert "collegamento simbolico che non porta a nulla" in fails(project, "render", NEW, "--out", project / "out")


def test_file_in_place_of_the_act_folder_is_a_message(project, new_act):
    (project / "out").mkdir()
    (project / "out" / "nuova").write_text("x")
    assert "al posto della cartella" in fails(project, "render", NEW, "--out", project / "out")


def test_directory_in_place_of_an_output_file_is_a_message(project, new_act):
    folder = project / "out" / "nuova"
    (folder / "nuova.pdf").mkdir(parents=True)
    assert "al posto del file c'è una cartella" in fails(project, "render", NEW, "--out", project / "out")


@pytest.mark.parametrize("where", ["absolute", "parent", "symlink"])
def test_table_file_outside_the_project_is_refused(project, tmp_path_factory, where):
    secret = tmp_path_factory.mktemp("segreto") / "segreto.csv"
    secret.write_text("CODICE REQUISITO\tNorm\tDESCR_REQUISITO\nSEGRETO\taut\tdato riservato\n", encoding="utf-8")
    dgr = project / DGR
    if where == "absolute":
        reference = str(secret)
    elif where == "parent":
        reference = os.path.relpath(secret, dgr.parent)
    else:
        (dgr.parent / "collegamento.csv").symlink_to(secret)
        reference = "collegamento.csv"
    rewrite(dgr, dgr.read_text(encoding="utf-8").replace("file: dgr-xi-3681-2020-requisiti.csv", f"file: {reference}"))
    output = fails(project, "render", dgr, "--out", project / "out")
    assert "fuori dalla cartella del progetto" in output
    assert not (project / "out").exists()


def _link_outside(project: Path, tmp_path_factory, link: str, content: str) -> Path:
    """``link`` (relative to the project) made a symbolic link to a file outside the project."""
    secret = tmp_path_factory.mktemp("segreto") / Path(link).name
    secret.write_text(content, encoding="utf-8")
    (project / link).unlink(missing_ok=True)
    (project / link).symlink_to(secret)
    return secret


def test_template_linked_outside_the_templates_is_never_read(project, new_act, tmp_path_factory):
    """A project's templates are untrusted: an include of a link to a file elsewhere would print it
    in the act, show it in the review pack and copy it into the approvals."""
    secret = _link_outside(project, tmp_path_factory, "templates/_segreto.html.j2", "SEGRETO-RISERVATO")
    main = project / "templates" / "circolare.html.j2"
    original = main.read_text(encoding="utf-8")
    rewrite(main, original.replace('{% include "_piede.html.j2" %}',
                                   '{% include "_piede.html.j2" %}<p>{% include "_segreto.html.j2" %}</p>'))
    expected = "il template «_segreto.html.j2» è un collegamento a un file fuori dalla cartella"
    output = fails(project, "render", NEW, "--out", project / "out")
    assert expected in output and f"({secret})" in output, output
    assert not (project / "out").exists()
    assert expected in fails(project, "check", "templates")
    rewrite(main, original)  # linked, not included: the pack still shows every file
    output = fails(project, "review", "templates", NEW, "--out", project / "pack")
    assert "_segreto.html.j2: errore: il file è un collegamento a un file fuori dalla cartella" in output
    assert not any("SEGRETO" in p.read_text(encoding="utf-8", errors="replace")
                   for p in project.rglob("*") if p.is_file() and not p.is_symlink())


def test_fifo_among_the_templates_is_reported_not_read(project):
    from helpers.hang import no_hang

    os.mkfifo(project / "templates" / "_coda.html.j2")
    with no_hang():
        output = fails(project, "check", "templates")
    assert "_coda.html.j2: errore: non è un file normale (è un dispositivo, una coda FIFO o simile)" in output


@pytest.mark.parametrize("link, args, words", [
    ("templates/intestazioni/dg-welfare.yaml", ("render", NOTA), "il profilo di intestazione «dg-welfare»"),
    ("recipients/agenzie.yaml", ("recipients", "check"), "il file del registro"),
])
def test_letterhead_and_registry_linked_outside_are_never_read(project, tmp_path_factory, link, args, words):
    _link_outside(project, tmp_path_factory, link, (project / link).read_text(encoding="utf-8"))
    output = fails(project, *args)
    assert f"{link}: errore: {words} è un collegamento a un file fuori dalla cartella" in output, output


def test_mail_message_template_linked_outside_is_never_read(project, tmp_path_factory):
    from helpers.mail import make_act, signed_pdf

    act = make_act(project, n=2)
    _link_outside(project, tmp_path_factory, "templates/mail/messaggio.txt.j2", "SEGRETO {{ 1 }}")
    output = fails(project, "mail", "prepare", act, "--signed", signed_pdf(project))
    assert "è un collegamento a un file fuori dalla cartella" in output
    assert not any("SEGRETO" in p.read_text(encoding="utf-8", errors="replace")
                   for p in act.rglob("*.eml"))


def test_render_failing_midway_leaves_the_old_act_folder(project, new_act, monkeypatch):
    """A write failing after some new files are written changes nothing in the act folder."""
    from circolari import output

    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    folder = project / "out" / "nuova"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real, calls = output.temporary_file, []

    def temporary(target, data, **kwargs):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.EIO, "simulated crash", str(target))
        return real(target, data, **kwargs)

    monkeypatch.setattr("circolari.folder_swap.temporary_file", temporary)
    text = (project / NEW).read_text(encoding="utf-8")
    rewrite(project / NEW, text.replace("oggetto: Oggetto della circolare", "oggetto: Oggetto della nuova circolare"))
    assert "errore di lettura o scrittura del disco" in fails(project, "render", NEW, "--out", project / "out")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not list((project / "out").rglob("*.tmp"))


def test_act_folder_is_replaced_where_the_system_cannot_swap_folders(project, new_act, monkeypatch):
    """Without renameat2's exchange: two renames; other commands' files are kept."""
    monkeypatch.setattr("circolari.folder_swap._exchange", lambda a, b: False)
    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    folder = project / "out" / "nuova"
    (folder / "nuova.firmato.pdf").write_bytes(b"firmato")
    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    assert (folder / "nuova.firmato.pdf").read_bytes() == b"firmato"
    assert sorted(p.name for p in (project / "out").iterdir()) == ["nuova"]


def test_render_stopped_between_the_two_renames_puts_the_old_folder_back(project, new_act):
    """Where folders are replaced by two renames, a render killed between them left no act folder
    but the old one set aside: the next render puts it back (with the files of other commands)."""
    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    folder = project / "out" / "nuova"
    (folder / "nuova.firmato.pdf").write_bytes(b"firmato")
    folder.rename(folder.with_name(".nuova.old-abcd1234.tmp"))
    (project / "out" / ".nuova.new-abcd1234.tmp").mkdir()
    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    assert (folder / "nuova.firmato.pdf").read_bytes() == b"firmato"
    assert sorted(p.name for p in (project / "out").iterdir()) == ["nuova"]


def test_stale_temporary_files_are_removed(project, new_act):
    folder = project / "out" / "nuova"
    folder.mkdir(parents=True)
    stale = folder / ".nuova.pdf.abc123.tmp"
    stale.write_bytes(b"partial")
    assert run_cli("render", NEW, "--out", project / "out", cwd=project).exit_code == 0
    assert not stale.exists()


def test_concurrent_render_of_the_same_act_is_refused(project, new_act):
    import fcntl

    folder = project / "out" / "nuova"
    folder.mkdir(parents=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert "un altro comando sta scrivendo questa cartella" in fails(project, "render", NEW, "--out",
                                                                          project / "out")
    finally:
        os.close(fd)
    assert not any(folder.iterdir())


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disco pieno"), (errno.EROFS, "sola lettura"),
                                         (errno.EACCES, "permesso negato")])
def test_os_errors_while_writing_are_italian_messages(project, new_act, monkeypatch, code, words):
    from circolari import folder_swap

    def broken(target, data, **kwargs):
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(folder_swap, "temporary_file", broken)
    output_text = fails(project, "render", NEW, "--out", project / "out")
    assert words in output_text
    assert "out" in output_text


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_act_that_is_not_a_regular_file_is_refused(project, kind):
    act = project / "examples" / "atto.yaml"
    if kind == "fifo":
        os.mkfifo(act)
    elif kind == "device":
        act.symlink_to("/dev/zero")
    assert "non è un file normale" in fails(project, "render", act, "--out", project / "out")


def test_non_utf8_act_file_name_is_a_message(project):
    name = os.fsdecode(b"nota-\xff.yaml")
    act = project / "examples" / name
    shutil.copy(project / NOTA, act)
    output = fails(project, "render", act, "--out", project / "out")
    assert "UTF-8" in output


def test_csv_with_every_row_wrong_stops_after_twenty_errors(project):
    csv = project / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    csv.write_text("CODICE REQUISITO\tNorm\tDESCR_REQUISITO\n" + "a\tb\tc\td\n" * 5000, encoding="utf-8")
    output = fails(project, "render", project / DGR, "--out", project / "out")
    assert output.count("la riga ha 4 celle ma la tabella ha 3 colonne") == 20
    assert "controllo interrotto dopo 20 righe errate" in output


def test_csv_with_a_broken_quote_names_the_line(project):
    csv = project / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[4] = '"rotto"x\tb\tc'
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = fails(project, "render", project / DGR, "--out", project / "out")
    assert f"{csv.name}:5: errore: CSV non valido" in output
