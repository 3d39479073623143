"""Faults of the disk and of the files around an act end in an Italian message naming the path and
what to do, exit 1, never a traceback or a hang: approvals that are folders or not UTF-8, a symlinked
review pack, a full or read-only disk (a real small tmpfs where user namespaces allow it, mounted in a
child of the test worker), FIFOs and devices given to sign/verify, a non-UTF-8 act name in check and
review."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import run_cli
from helpers.forked_cli import call_in_child
from helpers.hang import no_hang
from helpers.mail import make_act, pdf_bytes, signed_pdf

NAME = "nota-plasma-iperimmune-2020"
NOTA = f"examples/{NAME}.yaml"
APPROVED = f"examples/approvati/{NAME}"


def fails(cwd: Path, *args) -> str:
    result = run_cli(*args, cwd=cwd)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


# -- approvals and the review pack ---------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".txt", ".json"])
def test_approval_file_that_is_a_folder_is_an_error_naming_it(project, suffix, monkeypatch):
    import circolari.render as render

    renders, real = [], render.render_loaded  # neither command renders an act it cannot compare or record
    monkeypatch.setattr(render, "render_loaded", lambda *a, **kw: renders.append(a[1].path.name) or real(*a, **kw))
    path = project / f"{APPROVED}{suffix}"
    path.unlink()
    path.mkdir()
    output = fails(project, "review", "templates", NOTA, "--out", project / "pack")
    assert f"{APPROVED}{suffix}: errore: è una cartella, non un file" in output
    assert (project / "pack" / "index.html").is_file(), "the pack is still made, with the error"
    output = fails(project, "approve", NOTA, "--by", "Maria Rossi", "--pack", project / "pack")
    assert f"{APPROVED}{suffix}: errore: è una cartella, non un file" in output
    assert path.is_dir() and not any(path.iterdir())
    assert renders == []


@pytest.mark.parametrize("suffix", [".txt", ".json"])
def test_approval_file_not_in_utf8_names_file_and_line(project, suffix):
    path = project / f"{APPROVED}{suffix}"
    head = path.read_bytes()[:40]
    path.write_bytes(head + b"\n\xff\xfe\n")
    output = fails(project, "review", "templates", NOTA, "--out", project / "pack")
    line = head.count(b"\n") + 2
    assert f"{APPROVED}{suffix}:{line}: errore: il file non è in codifica UTF-8" in output


def test_approval_record_with_broken_json_names_its_line(project):
    (project / f"{APPROVED}.json").write_text('{\n  "atto": "x",\n}\n', encoding="utf-8")
    output = fails(project, "review", "templates", NOTA, "--out", project / "pack")
    assert f"{APPROVED}.json:3: errore: registro di approvazione non valido (JSON)" in output


def test_symlinked_review_pack_folder_is_refused_and_nothing_written(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("altrove")
    (project / "pack").symlink_to(elsewhere, target_is_directory=True)
    output = fails(project, "review", "templates", NOTA, "--out", project / "pack")
    assert "la cartella del pacchetto di revisione è un collegamento simbolico" in output
    assert not any(elsewhere.iterdir())


def test_non_utf8_act_file_name_is_an_error_of_check_and_review(project):
    """The act alone in its folder: review reports its name without rendering the other examples."""
    (project / "esempi").mkdir()
    shutil.copy(project / NOTA, project / "esempi" / os.fsdecode(b"nota-\xff.yaml"))
    assert "il nome del file dell'atto non è in codifica UTF-8" in fails(project, "check", "esempi")
    output = fails(project, "review", "templates", "esempi", "--out", project / "pack")
    assert "nota-\\udcff.yaml: errore: il nome del file dell'atto non è in codifica UTF-8" in output


# -- files that are not regular files --------------------------------------------------------------
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "coda.pdf"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", [["verify", "{x}"], ["sign", "{x}", "--p12", "{p12}"],
                                     ["sign", "{pdf}", "--p12", "{x}"], ["verify", "{pdf}", "--trust", "{x}"]])
@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder"])
def test_sign_and_verify_refuse_fifos_devices_and_folders(tmp_path, fifo, monkeypatch, command, special):
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", "x")
    pdf, p12 = tmp_path / "atto.pdf", tmp_path / "firma.p12"
    pdf.write_bytes(pdf_bytes(False))
    p12.write_bytes(b"not a p12")
    x = {"fifo": fifo, "/dev/zero": Path("/dev/zero"), "folder": tmp_path}[special]
    with no_hang():
        result = run_cli(*[a.format(x=x, pdf=pdf, p12=p12) for a in command], cwd=tmp_path)
    assert result.exit_code != 0 and "Traceback" not in result.output
    expected = "è una cartella, non un file" if special == "folder" else "non è un file normale"
    if special == "folder" and command[1] == "{x}":
        expected = "non è la cartella di una serie di lettere"
    assert expected in result.output and str(x) in result.output, result.output


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder", "junk"])
def test_mail_receipts_trust_bundle_is_read_like_verify_trust(tmp_path, fifo, special):
    """``mail receipts --trust`` reads its bundle through ``verdict.load_trust``: a FIFO or device is
    refused unread (no hang), a folder or a file without certificates is an Italian error naming it."""
    act = make_act(tmp_path, n=2)
    (tmp_path / "ricevute").mkdir()
    junk = tmp_path / "gestori.pem"
    junk.write_bytes(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    x = {"fifo": fifo, "/dev/zero": Path("/dev/zero"), "folder": tmp_path / "ricevute", "junk": junk}[special]
    with no_hang():
        output = fails(tmp_path, "mail", "receipts", act, tmp_path / "ricevute", "--trust", x)
    expected = {"folder": "è una cartella, non un file",
                "junk": "campo '--trust': il file non contiene certificati X.509 (PEM o DER) "
                        "(indicare un file PEM con i certificati dei gestori PEC)"}.get(special, "non è un file normale")
    assert f"{x}: errore: " in output and expected in output, output


def test_files_named_on_the_command_line_never_replace_a_fifo_or_device(tmp_path, fifo):
    """``mail status --csv /dev/stdout`` (or any device or FIFO) was replaced by a regular file: the
    atomic write renamed its temporary file over the device node, as root too."""
    import stat

    from circolari.mail.prepare import prepare

    act = make_act(tmp_path, n=2)
    prepare(act, signed_pdf(tmp_path))
    link = tmp_path / "uscita.csv"
    link.symlink_to(fifo)
    for target in (fifo, link):
        with no_hang():
            output = fails(tmp_path, "mail", "status", act, "--csv", target)
        assert f"{target}: errore: non è un file normale (è un dispositivo, una coda FIFO o simile): non viene " \
               "sostituito" in output, output
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and link.is_symlink()


@pytest.mark.parametrize("command", [["schema", "-o", "{x}"], ["diff", NOTA, NOTA, "--html", "{x}"]])
def test_schema_and_diff_html_refuse_a_fifo_as_output(project, command):
    """They wrote with ``Path.write_text``: a FIFO with no reader blocked them forever."""
    fifo = project / "uscita"
    os.mkfifo(fifo)
    with no_hang():
        output = fails(project, *[a.format(x=fifo) for a in command])
    assert f"{fifo}: errore: non è un file normale (è un dispositivo, una coda FIFO o simile)" in output, output


def test_act_folder_given_to_sign_is_not_taken_for_a_series(tmp_path, monkeypatch):
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", "x")
    act = make_act(tmp_path, n=2)
    output = fails(tmp_path, "verify", act)
    assert "non è la cartella di una serie di lettere (manca l'elenco serie.json)" in output
    assert "No such file" not in output


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_mail_prepare_refuses_a_fifo_or_device_as_signed_act_or_attachment(tmp_path, fifo, special):
    act = make_act(tmp_path, n=2)
    (act / f"{NAME}.pdf").write_bytes(pdf_bytes(False))
    x = fifo if special == "fifo" else Path("/dev/zero")
    with no_hang():
        output = fails(tmp_path, "mail", "prepare", act, "--signed", x, "--unsigned")
        assert f"{x}: errore: il file firmato: non è un file normale" in output
        output = fails(tmp_path, "mail", "prepare", act, "--signed", act / f"{NAME}.pdf", "--unsigned",
                       "--allegato", x)
        assert f"{x}: errore: allegato: non è un file normale" in output


def test_table_file_that_is_a_fifo_is_named_not_missing(project):
    dgr = project / "examples" / "dgr-xi-3681-2020.yaml"
    csv = project / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    csv.unlink()
    os.mkfifo(csv)
    with no_hang():
        output = fails(project, "render", dgr, "--out", project / "out")
    assert "il file della tabella «dgr-xi-3681-2020-requisiti.csv» è una cartella, una coda FIFO o un dispositivo" in output


# -- the disk: full, read-only ---------------------------------------------------------------------
def test_write_errors_name_the_target_not_a_temporary_file(tmp_path):
    from circolari.output import write_atomic

    target = tmp_path / "approvato.txt"
    target.mkdir()
    (target / "x").write_text("x")
    with pytest.raises(OSError) as caught:
        write_atomic(target, b"testo")
    assert caught.value.filename == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["approvato.txt"]


@pytest.mark.parametrize("code, state", [(13, None), (10, "full"), (10, "readonly"), (11, None)])
def test_journal_errors_say_what_the_disk_or_the_file_has(tmp_path, monkeypatch, code, state):
    """SQLite's codes (SQLITE_FULL, an I/O error on a full or read-only disk, a damaged file) decide
    the message, never its English text."""
    from circolari.mail import journal
    from circolari.mail.prepare import prepare

    act = make_act(tmp_path, n=2)
    (act / f"{NAME}.pdf").write_bytes(pdf_bytes(False))

    def connect(*args, **kwargs):
        error = sqlite3.OperationalError("database or disk is full" if code == 13 else "disk I/O error")
        error.sqlite_errorcode = code
        raise error

    class Disk:
        f_flag = os.ST_RDONLY if state == "readonly" else 0
        f_bavail, f_frsize = (0 if state == "full" else 10**6), 4096

    monkeypatch.setattr(journal.sqlite3, "connect", connect)
    monkeypatch.setattr(os, "statvfs", lambda path: Disk)
    with pytest.raises(Exception) as caught:
        prepare(act, act / f"{NAME}.pdf", allow_unsigned=True)
    text = str(caught.value)
    expected = {(13, None): "disco pieno", (10, "full"): "disco pieno", (10, "readonly"): "sola lettura",
                (11, None): "il giornale degli invii è danneggiato"}[(code, state)]
    assert expected in text and "journal.sqlite" in text
    assert "disk" not in text and "database" not in text


def _own_namespaces() -> None:
    """Enter a user namespace (as its root) and a mount namespace of this process's own, as
    ``unshare --user --map-root-user --mount`` does: the mounts made then are seen only here."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
        raise OSError(ctypes.get_errno(), "unshare")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    if libc.mount(None, b"/", None, 0x4000 | 0x40000, None) != 0:  # MS_REC | MS_PRIVATE
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")


def _user_namespaces() -> bool:
    try:
        call_in_child(_own_namespaces)
    except AssertionError:
        return False
    return True


needs_namespaces = pytest.mark.skipif(not _user_namespaces(),
                                      reason="no unprivileged user namespaces: a small tmpfs cannot be mounted")


def on_small_disk(folder: Path, size: str, cwd: Path, *args, readonly: bool = False) -> tuple[int, str, list[str]]:
    """Run ``circolari ARGS`` (in a child of this process, as ``run_cli`` does) with a fresh tmpfs of
    ``size`` mounted on ``folder`` (a private mount, gone when the child ends): its exit code, its
    output, and what it left on that disk."""
    def run():
        import ctypes

        _own_namespaces()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs", 1 if readonly else 0,  # 1: MS_RDONLY
                      f"size={size}".encode()) != 0:
            raise OSError(ctypes.get_errno(), f"mount tmpfs on {folder}")
        result = run_cli(*args, cwd=cwd)
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            output += "Traceback (a raw exception): " + repr(result.exception)
        return result.exit_code, output, sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))

    return call_in_child(run)


@needs_namespaces
@pytest.mark.parametrize("size, failing", [("16k", "journal.sqlite"), ("128k", ".eml")])
def test_mail_prepare_on_a_full_disk_says_the_disk_is_full(tmp_path, size, failing):
    act = make_act(tmp_path, n=3)
    (act / "mail").mkdir()
    code, output, left = on_small_disk(act / "mail", size, tmp_path, "mail", "prepare", act, "--signed",
                                       act / f"{NAME}.pdf", "--unsigned")
    assert code == 1, output
    assert not [name for name in left if name.endswith(".eml") or ".tmp" in name], left
    assert "disco pieno: spazio esaurito (liberare spazio sul disco" in output
    assert failing in output and "Traceback" not in output
    assert "non è leggibile" not in output


@needs_namespaces
@pytest.mark.parametrize("size, readonly, words", [("64k", False, "disco pieno"), ("1m", True, "sola lettura")])
def test_render_on_a_full_or_read_only_disk_says_so(project, size, readonly, words):
    act = project / "examples" / "nuova.yaml"  # what `circolari new circolare` writes: one page, 200 kB of files
    act.write_bytes((project / "templates" / "nuovo" / "circolare.yaml").read_bytes())
    (project / "out").mkdir()
    code, output, left = on_small_disk(project / "out", size, project, "render", act, "--out", "out",
                                       readonly=readonly)
    assert code == 1, output
    assert words in output and "out" in output and "Traceback" not in output
    assert left == [], "a refused render left files on the full disk"


def test_system_wide_file_table_full_is_said_in_italian_not_by_its_code(tmp_path):
    import errno

    from circolari.os_errors import os_problem

    problem = os_problem(OSError(errno.ENFILE, "Too many open files in system", str(tmp_path / "atto.pdf")))
    assert problem.message == "troppi file aperti nel sistema"
    assert problem.hint == "chiudere qualche programma, poi ripetere il comando"
    assert str(problem.file).endswith("atto.pdf")
