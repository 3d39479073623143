"""``circolari.forked``: work done in a forked child must give exactly what a plain call gives,
whatever happens to the child. Each check runs in a process of its own, single-threaded as a
command is (a forked pytest worker would run the test session's atexit handlers): a child that
one fresh interpreter (``ZYGOTE``, started once for the module) forks for it, so that the
interpreter starts once rather than once per check."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Reads one line per check (the file of its script, the file for its output, tab-separated),
# forks a child that runs the script as ``__main__`` (as ``python -c`` does: its functions
# pickle by reference; the zygote's own names cleared first), and answers with the child's exit
# code. Only ``circolari.forked``, which every script imports, is loaded before the fork
# (nothing else: a check may assert that a module is not loaded).
ZYGOTE = """
import os, sys
from circolari import forked  # noqa: F401

def check(script, output):
    import os, sys  # here, not in __main__, which the script gets to itself
    code = 1
    try:
        os.dup2(os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(1, 2)
        main = vars(sys.modules["__main__"])
        for name in [name for name in main if not name.startswith("__")]:
            del main[name]
        with open(script, encoding="utf-8") as file:
            source = file.read()
        exec(compile(source, script, "exec"), main)
        code = 0
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        check(*line.rstrip("\\n").split("\\t"))
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Fresh:
    """The zygote: ``run`` one check in a child of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, *parts: str) -> None:
        """Run the script made of ``parts``; it must end printing only "ok"."""
        script = self.folder / f"check-{len(list(self.folder.glob('*.py')))}.py"
        script.write_text("\n".join(textwrap.dedent(part) for part in parts), encoding="utf-8")
        output = script.with_suffix(".txt")
        self.proc.stdin.write(f"{script}\t{output}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)  # a hung check must not hang the suite
        if not ready:
            self.proc.kill()
            raise AssertionError(f"the check did not end within 60 s: {output.read_text()}")
        code = int(self.proc.stdout.readline())
        text = output.read_text()
        assert code == 0 and text.strip() == "ok", text[-4000:]

    def close(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=60) == 0


@pytest.fixture(scope="session")  # once per worker: worksteal may split a module and come back to it
def fresh(tmp_path_factory):
    zygote = Fresh(tmp_path_factory.mktemp("forked"))
    yield zygote
    zygote.close()


def test_forked_gives_the_value_or_computes_it_here(fresh):
    fresh.run("""
        import os, threading
        from circolari import forked

        parent = os.getpid()
        assert forked.start(os.getpid)() != parent  # ran in a child
        assert forked.start(lambda: (lambda: 1))()() == 1  # unpicklable result: computed here
        try:
            forked.start(int, "x")()
        except ValueError as exc:
            assert "invalid literal" in str(exc)
        else:
            raise AssertionError("the child's error was lost")
        gate = threading.Event()
        other = threading.Thread(target=gate.wait)
        other.start()
        assert forked.start(os.getpid)() == parent  # never forks a process with other threads
        gate.set()
        other.join()
        print("ok")
    """)


# A job of three items that says where each was made; ``die`` makes the child exit after
# that many items, ``fail`` raises in the child (and here), ``lambda_at`` yields an unpicklable item.
JOBS = """
import os, sys
from circolari import forked

PARENT = os.getpid()

def where():
    return "child" if os.getpid() != PARENT else "here"

def warm():
    import json  # noqa: F401

def items(n, die=None, fail=False, lambda_at=None):
    for i in range(n):
        if i == die and os.getpid() != PARENT:
            os._exit(3)
        if fail:
            raise ValueError(f"dati sbagliati nel lavoro {n}")
        yield (lambda: i) if i == lambda_at and os.getpid() != PARENT else (i, where())
"""


def test_worker_items_come_from_the_child_in_order_job_after_job(fresh):
    fresh.run(JOBS, """
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 3)) == [(0, "child"), (1, "child"), (2, "child")]
            assert list(worker.run(items, 2)) == [(0, "child"), (1, "child")]
            assert "json" not in sys.modules  # warmed in the child only
            pid = worker._pid
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            print("ok")  # reaped on close
    """)


def test_worker_child_dying_midway_gives_the_rest_from_here_without_repeating(fresh):
    fresh.run(JOBS, """
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 3, 1)) == [(0, "child"), (1, "here"), (2, "here")]
            assert list(worker.run(items, 2)) == [(0, "here"), (1, "here")]  # later jobs too
        print("ok")
    """)


def test_worker_error_in_the_child_is_raised_here_as_a_plain_call_raises_it(fresh):
    fresh.run(JOBS, """
        with forked.Worker(warm) as worker:
            try:
                list(worker.run(items, 2, None, True))
            except ValueError as exc:
                assert str(exc) == "dati sbagliati nel lavoro 2"
            else:
                raise AssertionError("the child's error was lost")
        print("ok")
    """)


def test_worker_unpicklable_item_is_computed_here(fresh):
    fresh.run(JOBS, """
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 3, None, False, 1)) == [(0, "child"), (1, "here"), (2, "here")]
        print("ok")
    """)


def test_worker_items_left_untaken_do_not_leak_into_the_next_job(fresh):
    fresh.run(JOBS, """
        with forked.Worker(warm) as worker:
            first = worker.run(items, 3)
            assert next(first) == (0, "child")  # the other two are never asked for
            assert list(worker.run(items, 2)) == [(0, "child"), (1, "child")]
            abandoned = worker.run(items, 3)
            assert next(abandoned) == (0, "child")
        print("ok")  # and closing with items untaken does not hang
    """)


@pytest.mark.parametrize("setup", ["fork=False", "threads"])
def test_worker_runs_here_when_it_must_not_fork(fresh, setup):
    fresh.run(JOBS, f"""
        import threading
        gate = threading.Event()
        if "{setup}" == "threads":
            other = threading.Thread(target=gate.wait)
            other.start()
        with forked.Worker(warm, fork="{setup}" != "fork=False") as worker:
            assert list(worker.run(items, 2)) == [(0, "here"), (1, "here")]
        gate.set()
        print("ok")
    """)


def test_children_end_with_their_parent_however_it_ends():
    # A parent killed mid-command (SIGKILL, a caller's timeout) must not leave its children
    # working on and holding the caller's pipe: here they would wait forever, the pipe open.
    script = textwrap.dedent("""
        import os, signal, sys
        from circolari import forked

        ready_read, ready_write = os.pipe()
        def park():
            os.write(ready_write, b"%d\\n" % os.getpid())
            signal.pause()
        forked.start(park)
        forked.Worker(park)
        with os.fdopen(ready_read) as ready:
            print(ready.readline().strip(), ready.readline().strip(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    children = [int(pid) for pid in proc.stdout.readline().split()]
    try:
        proc.communicate(timeout=60)  # the pipe's end: every holder is gone
    finally:
        for pid in children:  # a failed check leaves none behind
            if Path(f"/proc/{pid}").exists():
                os.kill(pid, signal.SIGKILL)
    # the pipe's end came: the children, parked forever, let it go only by being killed
    assert proc.returncode == -9 and len(children) == 2


def test_children_of_a_process_that_ignores_sigchld_give_their_results_and_their_errors(fresh):
    # SIGCHLD ignored (passed on by some callers): the system reaps the children itself and
    # waitpid fails with ECHILD; the results still come from them and closing does not fail
    fresh.run(JOBS, """
        import signal
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        assert forked.start(os.getpid)() != PARENT
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 2)) == [(0, "child"), (1, "child")]
        import time
        with forked.Worker(lambda: os._exit(0)) as worker:  # a child that ends at once...
            while os.path.exists(f"/proc/{worker._pid}"):  # ...and is reaped by the system
                time.sleep(0.01)
            assert list(worker.run(items, 2)) == [(0, "here"), (1, "here")]
        print("ok")
    """)


def test_no_pipe_to_be_had_runs_the_work_here_and_leaves_no_end_open(fresh):
    # every file descriptor taken but three: the worker's first pipe opens, its second cannot;
    # then all but one: start's pipe cannot open (it raised OSError: a traceback at the start)
    fresh.run(JOBS, """
        import resource
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
        taken = []
        try:
            while True:
                taken.append(os.open(os.devnull, os.O_RDONLY))
        except OSError:
            pass
        for _ in range(3):
            os.close(taken.pop())
        worker = forked.Worker(warm)
        assert list(worker.run(items, 2)) == [(0, "here"), (1, "here")]
        taken += [os.open(os.devnull, os.O_RDONLY) for _ in range(2)]  # none was left open
        assert forked.start(os.getpid)() == PARENT  # one free: no pipe
        taken.append(os.open(os.devnull, os.O_RDONLY))
        print("ok")
    """)
