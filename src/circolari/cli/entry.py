"""The console entry point. Before the command line is parsed, a ``circolari render`` forks
its PDF worker (``pdf_job``), so that ReportLab loads on the second core while typer does; and
once the render is done, its process ends at once (``end_now``)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Console entry point."""
    render = _command(sys.argv[1:]) == "render"
    if render:
        from circolari.pdf_job import start_early

        start_early()
    from circolari.cli.main import main as run

    code = 0
    try:
        run()
    except SystemExit as exc:
        if not render:
            raise
        code = exc.code
    finally:
        if render:  # the worker no act claimed (bad usage, no act found, help): stopped and reaped
            from circolari.pdf_job import discard_early

            discard_early()
    if render:
        end_now(code)


def end_now(code) -> None:
    """Exit with ``code`` as ``sys.exit`` does, but without tearing down the interpreter (freeing
    every module and object: about 0.1 s after a render, for nothing, at the end of a process).
    Exit handlers still run and the output is flushed first; with threads still running, or an
    output that cannot be flushed, the exit is the ordinary one."""
    import atexit
    import threading

    if threading.active_count() != 1:
        sys.exit(code)
    if code is not None and not isinstance(code, int):  # as sys.exit("message"): before the handlers
        if sys.stderr is not None:
            print(code, file=sys.stderr, flush=True)
        code = 1
    atexit._run_exitfuncs()  # the one private name used: there is no public way to run them
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe: let the interpreter report it as it always does
        sys.exit(code)
    os._exit(code or 0)


def _command(args: list[str]) -> str | None:
    """The command named on the command line, unless help is asked for."""
    if any(arg in ("--help", "-h") for arg in args):
        return None
    return next((arg for arg in args if not arg.startswith("-")), None)
