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


def given_as(ctx: typer.Context, name: str) -> str:
    """Where the value of option ``name`` came from, for the errors about it: its environment
    variable (``envvar=``, as ``verify --trust`` reads CIRCOLARI_TRUST) or the option itself."""
    param = next(p for p in ctx.command.params if p.name == name)
    source = ctx.get_parameter_source(name)  # Typer's own copy of click's ParameterSource enum
    if source is not None and source.name == "ENVIRONMENT" and isinstance(param.envvar, str):
        return param.envvar
    return param.opts[0]
