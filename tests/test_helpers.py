"""The test helpers' own guarantees: what they leave behind and how their children behave,
whatever the environment the suite is started from."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOTA
from helpers.forked_cli import fork_cli, reap_all

ROOT = Path(__file__).resolve().parents[1]


def test_tls_and_pec_ca_helpers_leave_no_folder_behind(tmp_path):
    """Runs on one machine (developers', CI's) must not pile folders up in the temporary folder
    (a thousand TLS and CA folders were found in /tmp before these were removed at exit)."""
    code = ("from helpers.mail import pec_signers, tls_files\n"
            "from pathlib import Path\n"
            "cert, key = tls_files(); ca = pec_signers()['ca_pem']\n"
            "assert Path(cert).is_file() and Path(key).is_file() and ca.is_file()\n")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT / "tests")}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def _no_child_left():
    yield
    reap_all()


def test_ctrl_c_reaches_a_forked_command_when_the_run_ignores_it(project, _no_child_left):
    """A suite started as a background job (`make test &`, nohup) inherits SIGINT ignored; the
    `preview --watch` test then waited forever for a session its Ctrl-C could not end."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = fork_cli("render", NOTA, "--out", "out", cwd=project, log=project / "log", stop="written")
    finally:
        signal.signal(signal.SIGINT, previous)
    child.stopped()
    os.kill(child.pid, signal.SIGINT)  # pending while stopped, delivered when it goes on
    code, output = child.finish()
    assert code != 0, output
    assert not (project / "out" / NOTA.stem).exists(), output  # interrupted before the folder swap


def test_project_copy_holds_what_copytree_makes_and_no_link(tmp_path):
    """``write_project`` (the ``project`` fixture's copy) gives each file and folder the bytes,
    permissions and times shutil.copytree gives it, as files of its own: no symbolic or hard link
    to the repository (a test writing in place would change it)."""
    from conftest import PROJECT_FOLDERS, write_project

    for name in PROJECT_FOLDERS:
        shutil.copytree(ROOT / name, tmp_path / "copytree" / name)
    write_project(tmp_path / "copia")

    def entries(root: Path) -> list[tuple]:
        found = []
        for path in sorted(root.rglob("*")):
            info = path.lstat()
            assert not path.is_symlink() and (path.is_dir() or info.st_nlink == 1), path
            found.append((path.relative_to(root).as_posix(), info.st_mode, info.st_mtime_ns,
                          path.read_bytes() if path.is_file() else None))
        return found

    copied = entries(tmp_path / "copia")
    assert copied == entries(tmp_path / "copytree")
    assert len(copied) == sum(1 for name in PROJECT_FOLDERS for _ in (ROOT / name).rglob("*")) + len(PROJECT_FOLDERS)


def test_old_runs_temp_folders_are_deleted_while_the_session_runs(tmp_path, monkeypatch):
    """pytest deletes the temp folder of the run three runs back; the suite's conftest has it
    deleted from the session's start (helpers.old_runs), not after the last test, and keeps the
    last three runs as pytest does.

    A pytest session of its own, with the project's conftest as its only plugin, run here (the
    wiring is pytest's hooks in one process: a new interpreter importing pytest, Hypothesis and
    ReportLab again for it was 0.66 s of CPU)."""
    runs = tmp_path / "radice" / "pytest-of-prova"
    for n in range(3):
        (runs / f"pytest-{n}").mkdir(parents=True)
    (runs / "pytest-0" / "vecchio.txt").write_text("x")
    (tmp_path / "test_dentro.py").write_text(
        "def test_old_run_gone(tmp_path_factory):\n"
        "    import helpers.old_runs\n"
        "    helpers.old_runs.join()\n"
        "    runs = tmp_path_factory.getbasetemp().parent\n"
        "    assert sorted(p.name for p in runs.glob('pytest-[0-9]*')) == ['pytest-1', 'pytest-2', 'pytest-3']\n")
    for name, value in (("PYTEST_DEBUG_TEMPROOT", str(tmp_path / "radice")), ("USER", "prova"),
                        ("LOGNAME", "prova"), ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")):
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    outcomes = []

    class Outcomes:
        @staticmethod
        def pytest_runtest_logreport(report):
            outcomes.append((report.nodeid, report.when, report.outcome))

    try:
        code = pytest.main(["-q", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:xdist",
                            "--import-mode=importlib", "--rootdir", str(tmp_path), "-c", os.devnull,
                            str(tmp_path / "test_dentro.py")], plugins=[Outcomes()])
    finally:
        sys.modules.pop("test_dentro", None)
    assert code == pytest.ExitCode.OK, outcomes
    assert [o for o in outcomes if o[1] == "call"] == [("test_dentro.py::test_old_run_gone", "call", "passed")]
