"""kill -9 during `render` leaves the act folder as it was or as it should be, never a mix; the next
render removes what the killed one left and completes; two renders of one act never interleave.

Real processes: each `circolari render` stops itself at a named point (``CIRCOLARI_TEST_STOP``,
``output.checkpoint``), the test sees it stopped (waitpid) and sends SIGKILL or SIGCONT. No timing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from circolari.output import sha256
from conftest import run_cli

NOTA = "examples/nota-plasma-iperimmune-2020.yaml"
NAME = "nota-plasma-iperimmune-2020"
FOREIGN = {f"{NAME}.firmato.pdf": b"%PDF firmato", "mail/journal.sqlite": b"giornale", "mail/a.eml": b"eml"}


def start(project: Path, stop: str = "") -> subprocess.Popen:
    """``circolari render NOTA`` in a new process, stopping itself at ``stop``; output in log files."""
    env = {**os.environ, "CIRCOLARI_TEST_STOP": stop}
    command = [sys.executable, "-c", "from circolari.cli.main import main; main()", "render", NOTA, "--out", "out"]
    log = project / f"log-{stop or 'run'}-{len(list(project.glob('log-*')))}"
    with open(log.with_suffix(".out"), "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=err)
    process.log = log
    return process


def stopped(process: subprocess.Popen) -> None:
    """Wait until ``process`` has stopped itself at its point (it must not finish instead)."""
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"render ended before its stop point: {process.log.with_suffix('.err').read_text()}"


def finish(process: subprocess.Popen) -> tuple[int, str]:
    """Let a stopped ``process`` go on; its exit code and stderr."""
    os.kill(process.pid, signal.SIGCONT)
    code = process.wait()
    return code, process.log.with_suffix(".err").read_text(encoding="utf-8")


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
    assert run_cli("render", NOTA, "--out", "out", cwd=project).exit_code == 0
    folder = project / "out" / NAME
    for name, data in FOREIGN.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
    act = project / NOTA
    act.write_text(act.read_text(encoding="utf-8").replace("oggetto: plasma iperimmune", "oggetto: plasma iperimmune (rev. 2)"),
                   encoding="utf-8")
    return complete_manifest(folder)


def assert_foreign_files_kept(folder: Path) -> None:
    for name, data in FOREIGN.items():
        assert (folder / name).read_bytes() == data, f"{name} lost"


@pytest.mark.parametrize("point, expected", [("locked", "old"), ("partial", "old"), ("written", "old"),
                                             ("swapped", "new")])
def test_render_killed_at_any_point_leaves_the_old_or_the_new_complete_folder(project, point, expected):
    old = old_version(project)
    folder = project / "out" / NAME
    process = start(project, point)
    stopped(process)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    after_kill = complete_manifest(folder)
    assert_foreign_files_kept(folder)

    result = run_cli("render", NOTA, "--out", "out", cwd=project)
    assert result.exit_code == 0, result.output
    new = complete_manifest(folder)
    assert new != old
    assert after_kill == {"old": old, "new": new}[expected]
    assert "plasma iperimmune (rev. 2)" in (folder / f"{NAME}.txt").read_text(encoding="utf-8")
    assert_foreign_files_kept(folder)
    assert leftovers(project / "out") == [], "stale temporary files not removed by the next render"


def test_two_renders_of_one_act_at_once_do_not_interleave(project):
    old = old_version(project)
    folder = project / "out" / NAME
    first = start(project, "written")
    stopped(first)                                   # holds the act folder, new files written aside
    second = start(project)
    assert second.wait() == 1
    message = second.log.with_suffix(".err").read_text(encoding="utf-8")
    assert "un altro comando sta scrivendo questa cartella" in message and "Traceback" not in message
    assert complete_manifest(folder) == old
    code, errors = finish(first)
    assert code == 0, errors
    assert "plasma iperimmune (rev. 2)" in (folder / f"{NAME}.txt").read_text(encoding="utf-8")
    assert complete_manifest(folder) != old
    assert_foreign_files_kept(folder)
    assert leftovers(project / "out") == []


def test_a_lock_taken_on_a_replaced_act_folder_is_taken_again(project):
    """A render that opened the act folder just before another render replaced it must lock the
    folder now in place, not the old one: else it would run beside a third render."""
    old_version(project)
    folder = project / "out" / NAME
    late = start(project, "lock-opened")
    stopped(late)                                    # holds the folder it opened, not yet locked
    assert run_cli("render", NOTA, "--out", "out", cwd=project).exit_code == 0   # replaces that folder
    third = start(project, "written")
    stopped(third)                                   # holds the folder now in place
    code, errors = finish(late)
    assert code == 1 and "un altro comando sta scrivendo questa cartella" in errors, errors
    code, errors = finish(third)
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
