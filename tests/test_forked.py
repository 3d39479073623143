"""``circolari.forked``: work done in a forked child must give exactly what a plain call gives,
whatever happens to the child. Each check runs in a fresh interpreter, single-threaded as a
command is (a forked pytest worker would run the test session's atexit handlers)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _run(*parts: str) -> None:
    script = "\n".join(textwrap.dedent(part) for part in parts)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout[-2000:] + proc.stderr[-2000:]


def test_forked_gives_the_value_or_computes_it_here():
    _run("""
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


def test_worker_items_come_from_the_child_in_order_job_after_job():
    _run(JOBS, """
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


def test_worker_child_dying_midway_gives_the_rest_from_here_without_repeating():
    _run(JOBS, """
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 3, 1)) == [(0, "child"), (1, "here"), (2, "here")]
            assert list(worker.run(items, 2)) == [(0, "here"), (1, "here")]  # later jobs too
        print("ok")
    """)


def test_worker_error_in_the_child_is_raised_here_as_a_plain_call_raises_it():
    _run(JOBS, """
        with forked.Worker(warm) as worker:
            try:
                list(worker.run(items, 2, None, True))
            except ValueError as exc:
                assert str(exc) == "dati sbagliati nel lavoro 2"
            else:
                raise AssertionError("the child's error was lost")
        print("ok")
    """)


def test_worker_unpicklable_item_is_computed_here():
    _run(JOBS, """
        with forked.Worker(warm) as worker:
            assert list(worker.run(items, 3, None, False, 1)) == [(0, "child"), (1, "here"), (2, "here")]
        print("ok")
    """)


def test_worker_items_left_untaken_do_not_leak_into_the_next_job():
    _run(JOBS, """
        with forked.Worker(warm) as worker:
            first = worker.run(items, 3)
            assert next(first) == (0, "child")  # the other two are never asked for
            assert list(worker.run(items, 2)) == [(0, "child"), (1, "child")]
            abandoned = worker.run(items, 3)
            assert next(abandoned) == (0, "child")
        print("ok")  # and closing with items untaken does not hang
    """)


@pytest.mark.parametrize("setup", ["fork=False", "threads"])
def test_worker_runs_here_when_it_must_not_fork(setup):
    _run(JOBS, f"""
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


def test_children_of_a_process_that_ignores_sigchld_give_their_results_and_their_errors():
    # SIGCHLD ignored (passed on by some callers): the system reaps the children itself and
    # waitpid fails with ECHILD; the results still come from them and closing does not fail
    _run(JOBS, """
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


def test_no_pipe_to_be_had_runs_the_work_here_and_leaves_no_end_open():
    # every file descriptor taken but three: the worker's first pipe opens, its second cannot;
    # then all but one: start's pipe cannot open (it raised OSError: a traceback at the start)
    _run(JOBS, """
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
