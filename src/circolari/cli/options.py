"""What the command modules share: the project's folder options, how a command is registered, act files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.problems import clerk_errors
from circolari.errors import CircolariError

TemplatesOpt = Annotated[Optional[Path], typer.Option("--templates", help="cartella dei template (predefinita: templates/ del progetto)")]
RecipientsOpt = Annotated[Optional[Path], typer.Option("--recipients", help="cartella del registro destinatari (predefinita: recipients/)")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="cartella di uscita (predefinita: out/)")]


def command(typer_app: typer.Typer, name: str | None = None):
    """Register a command whose invalid input ends in a clear message, never a traceback."""
    return lambda function: typer_app.command(name)(clerk_errors(function))


def act_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their ``*.yaml`` acts; anything missing stops here."""
    from circolari.input.acts import act_files as find

    files, problems = find(paths)
    if problems:
        raise CircolariError(problems)
    return files
