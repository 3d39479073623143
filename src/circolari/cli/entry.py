"""The console entry point: before the command line is parsed, a ``circolari render`` forks
its PDF worker (``pdf_job``), so that ReportLab loads on the second core while typer does."""

from __future__ import annotations

import sys


def main() -> None:
    """Console entry point."""
    if _command(sys.argv[1:]) == "render":
        from circolari.pdf_job import start_early

        start_early()
    from circolari.cli.main import main as run

    run()


def _command(args: list[str]) -> str | None:
    """The command named on the command line, unless help is asked for."""
    if any(arg in ("--help", "-h") for arg in args):
        return None
    return next((arg for arg in args if not arg.startswith("-")), None)
