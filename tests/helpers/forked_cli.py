"""``circolari ARGS`` in a child forked from the test worker: a real process, to stop, kill or
wait for, or to give namespaces of its own, without a cold start (the worker has loaded what the
command needs, so the child runs it warm). For tests about processes (kill -9, locks held by
another process) or the system (a small disk), not about cold starts."""

from __future__ import annotations

import os
import pickle
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from conftest import run_cli

_started: list[int] = []


@dataclass
class Child:
    pid: int
    log: Path  # what the command printed (stdout and stderr), and a traceback if it raised

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def stopped(self) -> None:
        """Wait until the child has stopped itself (``output.checkpoint``); it must not finish instead."""
        _, status = os.waitpid(self.pid, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            _started.remove(self.pid)  # reaped: its pid is no longer ours to kill
            raise AssertionError(f"the command ended before its stop point: {self.output()}")

    def kill(self) -> int:
        """SIGKILL; how the child ended (``-SIGKILL``)."""
        os.kill(self.pid, signal.SIGKILL)
        return self.wait()

    def finish(self) -> tuple[int, str]:
        """Let a stopped child go on; its exit code and output."""
        os.kill(self.pid, signal.SIGCONT)
        return self.wait(), self.output()

    def wait(self, bound: float | None = None) -> int:
        """Its exit code; with ``bound``, a child still running after that many seconds is
        killed and the test fails (a hung command must not hang the suite)."""
        deadline = None if bound is None else time.monotonic() + bound
        while True:
            pid, status = os.waitpid(self.pid, 0 if deadline is None else os.WNOHANG)
            if pid:
                _started.remove(self.pid)
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the command did not end within {bound} s: {self.output()}")
            time.sleep(0.05)


def fork_cli(*args, cwd: Path, log: Path, stop: str = "") -> Child:
    """Run ``circolari ARGS`` (as ``conftest.run_cli`` does) in a forked child, stopping itself at
    ``stop`` (``CIRCOLARI_TEST_STOP``). The child never returns into the test session: it ends
    with the command's exit code (70 if the harness itself failed)."""
    import circolari.writers.pdf  # noqa: F401  (loaded here: the PDF is laid out in the child, not a fork of it)

    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 70
        try:
            # Ctrl-C reaches the command as in a clerk's terminal even where the test run was
            # started with SIGINT ignored (a background job of a script: `make test &`, nohup)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            os.environ["CIRCOLARI_TEST_STOP"] = stop
            result = run_cli(*args, cwd=cwd)
            text = result.output
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                text += "".join(traceback.format_exception(*result.exc_info))
            log.write_text(text, encoding="utf-8")
            code = result.exit_code
        except BaseException:
            log.write_text(traceback.format_exc(), encoding="utf-8")
        finally:
            os._exit(code)
    _started.append(pid)
    return Child(pid, log)


def reap_all() -> None:
    """Kill and reap the children a failed test left (stopped ones would wait forever)."""
    while _started:
        pid = _started.pop()
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def call_in_child(function, *args):
    """``function(*args)`` in a child forked from the test worker; its result (pickled back). An
    exception in the child fails the test here, with the child's traceback."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 70
        try:
            os.close(read_end)
            try:
                outcome = (True, function(*args))
            except BaseException:
                outcome = (False, traceback.format_exc())
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(outcome, pipe)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert status == 0 and data, f"the child ended with status {status}"
    done, value = pickle.loads(data)
    assert done, value
    return value
