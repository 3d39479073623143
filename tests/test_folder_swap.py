"""kill -9 during `render` leaves the act folder as it was or as it should be, never a mix; the next
render removes what the killed one left and completes; two renders of one act never interleave.

Real processes: each render stops itself at a named point (``CIRCOLARI_TEST_STOP``,
``output.checkpoint``), the test sees it stopped (waitpid) and sends SIGKILL or SIGCONT. No timing.
The renders are children forked from the test worker (``helpers.forked_cli``): what is proved is
about a process killed or holding a lock, not about its cold start."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.forked_cli import Child, fork_cli, reap_all

from circolari.output import sha256
from conftest import copy_of, run_cli, write_project

ACT = "examples/nuova.yaml"  # the act `circolari new circolare` writes: one page (what it prints is not the point)
NAME = "nuova"
OGGETTO = "Oggetto della circolare da completare."
REVISED = "Oggetto della circolare (rev. 2) da completare."
FOREIGN = {f"{NAME}.firmato.pdf": b"%PDF firmato", "mail/journal.sqlite": b"giornale", "mail/a.eml": b"eml"}


@pytest.fixture(autouse=True)
def _no_child_left():
    yield
    reap_all()


def start(project: Path, stop: str = "") -> Child:
    """``circolari render ACT`` in a new process, stopping itself at ``stop``; its output in a log file."""
    log = project / f"log-{stop or 'run'}-{len(list(project.glob('log-*')))}"
    return fork_cli("render", ACT, "--out", "out", cwd=project, log=log, stop=stop)


def complete_manifest(folder: Path) -> bytes:
    """The folder's manifest, after checking that every file it names has its recorded hash."""
    manifest = (folder / "manifest.json").read_bytes()
    for entry in json.loads(manifest)["files"]:
        assert sha256((folder / entry["name"]).read_bytes()) == entry["sha256"], f"{entry['name']} does not match"
    return manifest


def leftovers(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.name.endswith(".tmp"))


def old_version(project: Path) -> bytes:
    """Render the act, add files of other commands (signed PDF, mail journal), change the act's text."""
    assert run_cli("render", ACT, "--out", "out", cwd=project).exit_code == 0
    folder = project / "out" / NAME
    for name, data in FOREIGN.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
    act = project / ACT
    act.write_text(act.read_text(encoding="utf-8").replace(f"oggetto: {OGGETTO}", f"oggetto: {REVISED}"), encoding="utf-8")
    return complete_manifest(folder)


@pytest.fixture(scope="module")
def rendered_once(tmp_path_factory) -> tuple[Path, bytes]:
    """A project in the state ``old_version`` leaves (rendered once for the module), and its manifest."""
    project = write_project(tmp_path_factory.mktemp("vecchio"), ("templates", "recipients"))
    (project / ACT).parent.mkdir()
    (project / ACT).write_bytes((project / "templates" / "nuovo" / "circolare.yaml").read_bytes())
    return project, old_version(project)


@pytest.fixture
def old(rendered_once, tmp_path) -> tuple[Path, bytes]:
    """(project, manifest): a private copy of ``rendered_once``'s project."""
    source, manifest = rendered_once
    return copy_of(source, tmp_path / "progetto"), manifest


def assert_foreign_files_kept(folder: Path) -> None:
    for name, data in FOREIGN.items():
        assert (folder / name).read_bytes() == data, f"{name} lost"


@pytest.mark.parametrize("point, expected", [("locked", "old"), ("partial", "old"), ("written", "old"),
                                             ("swapped", "new")])
def test_render_killed_at_any_point_leaves_the_old_or_the_new_complete_folder(old, point, expected):
    project, old = old
    folder = project / "out" / NAME
    process = start(project, point)
    process.stopped()
    assert process.kill() == -signal.SIGKILL
    after_kill = complete_manifest(folder)
    assert_foreign_files_kept(folder)

    result = run_cli("render", ACT, "--out", "out", cwd=project)
    assert result.exit_code == 0, result.output
    new = complete_manifest(folder)
    assert new != old
    assert after_kill == {"old": old, "new": new}[expected]
    assert REVISED in (folder / f"{NAME}.txt").read_text(encoding="utf-8")
    assert_foreign_files_kept(folder)
    assert leftovers(project / "out") == [], "stale temporary files not removed by the next render"


def test_two_renders_of_one_act_at_once_do_not_interleave(old):
    project, old = old
    folder = project / "out" / NAME
    first = start(project, "written")
    first.stopped()                                  # holds the act folder, new files written aside
    second = run_cli("render", ACT, "--out", "out", cwd=project)   # this process: another one
    assert second.exit_code == 1
    assert second.exception is None or isinstance(second.exception, SystemExit), second.exception
    assert "un altro comando sta scrivendo questa cartella" in second.output and "Traceback" not in second.output
    assert complete_manifest(folder) == old
    code, errors = first.finish()
    assert code == 0, errors
    assert REVISED in (folder / f"{NAME}.txt").read_text(encoding="utf-8")
    assert complete_manifest(folder) != old
    assert_foreign_files_kept(folder)
    assert leftovers(project / "out") == []


def test_a_lock_taken_on_a_replaced_act_folder_is_taken_again(old):
    """A render that opened the act folder just before another render replaced it must lock the
    folder now in place, not the old one: else it would run beside a third render."""
    project, _ = old
    folder = project / "out" / NAME
    late = start(project, "lock-opened")
    late.stopped()                                   # holds the folder it opened, not yet locked
    assert run_cli("render", ACT, "--out", "out", cwd=project).exit_code == 0   # replaces that folder
    third = start(project, "written")
    third.stopped()                                  # holds the folder now in place
    code, errors = late.finish()
    assert code == 1 and "un altro comando sta scrivendo questa cartella" in errors, errors
    code, errors = third.finish()
    assert code == 0, errors
    complete_manifest(folder)
    assert_foreign_files_kept(folder)
    assert leftovers(project / "out") == []


_FEW_FILES = r'''
import json, os, resource, sys
from pathlib import Path
from circolari.errors import CircolariError
from circolari.folder_swap import replace_folder

parent = Path(sys.argv[1])
folder = parent / "atto"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
base = len(os.listdir("/proc/self/fd"))  # descriptors open now (one of them is the listing's)
results = []
for extra in range(16):
    files = {f"atto.{ext}": f"{ext} {extra}".encode() for ext in ("pdf", "docx", "txt", "html")}
    resource.setrlimit(resource.RLIMIT_NOFILE, (base + extra, hard))
    try:
        replace_folder(folder, files)
        error = None
    except CircolariError as exc:
        error = str(exc)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    contents = {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}
    results.append({"error": error, "entries": sorted(os.listdir(parent)), "contents": contents})
print(json.dumps(results))
'''


def test_render_out_of_file_descriptors_leaves_no_temporary_folder(tmp_path):
    # a real failure: the act folder is replaced under ever lower limits of open files (each
    # run in turn one more descriptor); every run leaves the old folder or the new one, and
    # nothing beside it (the failed write's ".atto.new-….tmp" stayed, and so did the old folder
    # when the removal after the swap ran out of descriptors)
    folder = tmp_path / "atto"
    (folder / "mail" / "ricevute").mkdir(parents=True)  # what other commands keep there is carried over
    carried = {"atto.firmato.pdf": "firmato", "mail/journal.sqlite": "giornale", "mail/ricevute/r.eml": "eml"}
    for name, text in carried.items():
        (folder / name).write_text(text)
    child = subprocess.run([sys.executable, "-c", _FEW_FILES, str(tmp_path)], capture_output=True, text=True,
                           check=True)
    results = json.loads(child.stdout)
    previous = {**carried}
    for extra, result in enumerate(results):
        assert result["entries"] == ["atto"], (extra, result)
        written = {**carried, **{f"atto.{ext}": f"{ext} {extra}" for ext in ("pdf", "docx", "txt", "html")}}
        if result["error"] is None:
            assert result["contents"] == written, extra
            previous = written
        else:
            assert "errore: troppi file aperti (ripetere il comando)" in result["error"], result["error"]
            assert ".tmp" not in result["error"], result["error"]  # names the act's folder, gone temp files never
            assert result["contents"] == previous, extra
    assert results[0]["error"] and results[-1]["error"] is None  # the limits span failure and success
