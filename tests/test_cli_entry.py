"""The console entry point (``cli/entry.py``): a render forks its PDF worker before the command
line is parsed and ends its process without tearing the interpreter down; exit handlers, output,
exit codes and running threads must come out as with an ordinary exit."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import NOTA, ROOT
from helpers.cold_render import ENDING_EARLY

# ``circolari ARGS`` through the entry point, with an exit handler and (``THREAD``) a thread
# still writing when the command is done: it writes its file only once the command called
# ``end_now`` and the interpreter's exit waits for the threads still running (the call of
# ``threading._shutdown``, which an ordinary exit makes before the exit handlers). An exit that
# did not wait ends the process before that call: no file, whatever the machine's speed.
SCRIPT = textwrap.dedent("""
    import atexit, sys, threading
    from pathlib import Path
    import circolari.cli.entry as entry

    flag = Path(sys.argv[1])
    atexit.register(lambda: (flag / "atexit").write_text("ok"))
    import circolari.pdf_job as pdf_job
    fork_early = pdf_job.start_early
    def start_early():  # the early worker's pid, in "worker"
        fork_early()
        (flag / "worker").write_text(str(pdf_job._early._pid))
    pdf_job.start_early = start_early
    if sys.argv[2] == "THREAD":
        done, joining = threading.Event(), threading.Event()
        end_now, shutdown = entry.end_now, threading._shutdown
        def ending(code):  # the command is done: the thread is still writing
            done.set()
            end_now(code)
        def waiting_for_threads():  # the exit waits for the threads still running
            joining.set()
            shutdown()
        entry.end_now, threading._shutdown = ending, waiting_for_threads
        threading.Thread(target=lambda: (done.wait(), joining.wait(), (flag / "thread").write_text("ok"))).start()
    sys.argv = ["circolari", *sys.argv[3:]]
    entry.main()
""")


def _entry(tmp_path: Path, *args: str, thread: bool = False, **how) -> subprocess.CompletedProcess:
    how = {"capture_output": True, "text": True, **how}
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), "THREAD" if thread else "-", *args],
                          cwd=ROOT, timeout=120, **how)


@pytest.fixture(scope="session")
def cold(tmp_path_factory) -> dict:
    """The runs of the cold interpreter of ``helpers.cold_render`` (a hash seed of its own; once
    per run, read-only)."""
    from helpers import cold_render

    return cold_render.results(tmp_path_factory)


@pytest.fixture(scope="session")
def rendered(cold) -> dict:
    """The circular rendered through the entry point as that interpreter's last command: its exit
    code, output, errors and folder, where an exit handler writes "atexit"."""
    return cold["entry"]


def test_render_ends_at_once_with_exit_handlers_run_and_output_flushed(rendered):
    folder = rendered["folder"]
    assert rendered["threads"] == 1  # none but the main thread: the process ends in end_now itself
    assert rendered["code"] == 0, rendered["stderr"][-2000:]
    assert rendered["stdout"] == f"{NOTA}: 3 pagine -> {folder / 'out' / NOTA.stem}/\n"  # all it printed
    assert "non ha una PEC verificata" in rendered["stderr"]
    assert (folder / "atexit").read_text() == "ok"
    assert (folder / "out" / NOTA.stem / "manifest.json").is_file()


def test_renders_are_byte_identical_across_processes(rendered, nota_out):
    """The fresh process's files, against this one's render (the session's reference)."""
    assert rendered["code"] == 0, rendered["stderr"][-2000:]
    hashes = [{p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
              for out in (rendered["folder"] / "out" / NOTA.stem, nota_out)]
    assert hashes[0] == hashes[1]
    assert {"nota-plasma-iperimmune-2020.pdf", "nota-plasma-iperimmune-2020.docx", "manifest.json"} <= set(hashes[0])


def test_render_that_fails_ends_with_its_exit_code_and_message(tmp_path):
    bad = tmp_path / "atto.yaml"
    bad.write_text("tipo: circolare\noggetto: [\n", encoding="utf-8")
    proc = _entry(tmp_path, "render", str(bad), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert f"{bad}:3: errore: sintassi YAML non valida" in proc.stderr and "1 atti su 1 non generati" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "atexit").read_text() == "ok"
    assert not (tmp_path / "out").exists()


def test_render_waits_for_threads_still_running_as_an_ordinary_exit_does(tmp_path):
    bad = tmp_path / "atto.yaml"  # a render that fails ends through end_now too: the cheaper one
    bad.write_text("tipo: circolare\noggetto: [\n", encoding="utf-8")
    proc = _entry(tmp_path, "render", str(bad), "--out", str(tmp_path / "out"), thread=True)
    assert proc.returncode == 1 and "1 atti su 1 non generati" in proc.stderr, proc.stderr[-2000:]
    assert (tmp_path / "thread").read_text() == "ok"
    assert (tmp_path / "atexit").read_text() == "ok"


@pytest.mark.parametrize("index", range(len(ENDING_EARLY)), ids=[" ".join(args) for args in ENDING_EARLY])
def test_render_that_ends_before_any_act_stops_and_reaps_its_early_worker(cold, index):
    """Command lines that end before any act, run one after the other in the cold interpreter of
    ``helpers.cold_render`` (``end_now`` raising as ``sys.exit`` does, to go on): after each, the
    early worker it forked is no longer there (running, or a zombie left to be reaped)."""
    found = [cold["runs"][f"ending-{i}"][0] for i in range(len(ENDING_EARLY))]
    assert None not in {run["worker"] for run in found}
    assert len({run["worker"] for run in found}) == len(ENDING_EARLY)  # one worker forked by each
    run = found[index]
    assert run["code"] in (0, 1, 2) and "Traceback" not in run["stdout"] + run["stderr"]
    assert not run["worker_left"]  # neither running on nor left to be reaped


def test_other_commands_exit_as_usual(tmp_path):
    proc = _entry(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.startswith("circolari ")
    assert (tmp_path / "atexit").read_text() == "ok"


@pytest.mark.parametrize(("args", "command"), [
    (["render", "atto.yaml"], "render"), (["--version"], None), (["render", "--help"], None),
    (["-h"], None), (["mail", "send", "x"], "mail"), ([], None)])
def test_entry_point_forks_the_pdf_worker_early_only_for_render(args, command):
    from circolari.cli.entry import _command

    assert _command(args) == command


def test_console_script_and_python_m_use_the_entry_point():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"circolari": "circolari.cli.entry:main"}
    assert "from circolari.cli.entry import main" in (ROOT / "src/circolari/__main__.py").read_text()


@pytest.mark.parametrize("code", ["'messaggio'", "None", "3"])
def test_end_now_exits_as_sys_exit_does_message_before_exit_handlers(code):
    script = textwrap.dedent("""
        import atexit, sys
        from circolari.cli.entry import end_now
        atexit.register(lambda: print("uscita", file=sys.stderr))
        print("fatto", end="")
        EXIT(CODE)
    """).replace("CODE", code)
    plain, quick = (subprocess.run([sys.executable, "-c", script.replace("EXIT", exit_with)], capture_output=True,
                                   text=True, timeout=60) for exit_with in ("sys.exit", "end_now"))
    assert (quick.returncode, quick.stdout, quick.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert quick.stdout == "fatto" and quick.stderr.endswith("uscita\n")
