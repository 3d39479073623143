"""The ``circolari`` command line: commands, options, messages and exit codes.

Each command imports what it needs when it runs, so that ``--help`` and
light commands start fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli_errors import clerk_errors, report
from .errors import CircolariError, Problem

app = typer.Typer(
    name="circolari",
    help="Atti della Direzione Generale (circolari, note, DGR) da dati YAML: PDF/A, DOCX, invio PEC.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
recipients_app = typer.Typer(help="Registro dei destinatari (enti e PEC).", no_args_is_help=True)
app.add_typer(recipients_app, name="recipients")


def _register_subcommands() -> None:
    """Commands written in their own modules (each keeps its heavy imports inside)."""
    from .mail.cli import app as mail_app
    from .signing_cli import sign, verify

    app.command("sign")(clerk_errors(sign))
    app.command("verify")(clerk_errors(verify))
    app.add_typer(mail_app, name="mail")

TemplatesOpt = Annotated[Optional[Path], typer.Option("--templates", help="cartella dei template (predefinita: templates/ del progetto)")]
RecipientsOpt = Annotated[Optional[Path], typer.Option("--recipients", help="cartella del registro destinatari (predefinita: recipients/)")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="cartella di uscita (predefinita: out/)")]


class Kind(str, Enum):
    circolare = "circolare"
    delibera = "delibera"


def command(typer_app: typer.Typer, name: str | None = None):
    """Register a command whose invalid input ends in a clear message, never a traceback."""
    return lambda function: typer_app.command(name)(clerk_errors(function))


def act_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their ``*.yaml`` acts, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            if not found:
                raise CircolariError(Problem("nessun atto (*.yaml) nella cartella", file=path))
            files += found
        else:
            files.append(path)
    return files


@command(app)
def new(
    kind: Annotated[Kind, typer.Argument(help="tipo di atto: circolare o delibera")],
    path: Annotated[Path, typer.Argument(help="file YAML da creare, es. atti/nota-vaccini.yaml")],
    templates: TemplatesOpt = None,
):
    """Crea lo schema commentato di un nuovo atto, già pronto per essere generato."""
    from .project import Project

    project = Project.locate(path.parent, templates=templates)
    skeleton = project.templates / "nuovo" / f"{kind.value}.yaml"
    if path.exists():
        raise CircolariError(Problem("il file esiste già: non viene sovrascritto", file=path,
                                     hint="scegliere un altro nome"))
    if not skeleton.is_file():
        raise CircolariError(Problem("schema di partenza non trovato", file=skeleton))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(skeleton.read_bytes())
    typer.echo(f"Creato {path}: completarlo e poi eseguire 'circolari render {path}'.")


@command(app)
def render(
    paths: Annotated[list[Path], typer.Argument(help="file YAML di atti, o cartelle che li contengono")],
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
    force: Annotated[bool, typer.Option("--forza", help="sostituisce i file di un atto già protocollato")] = False,
):
    """Genera PDF, DOCX e anteprima HTML di ogni atto in out/<atto>/."""
    from .project import Project
    from .render import render_act, write_rendered

    failed = 0
    files = act_files(paths)
    for file in files:
        project = Project.locate(file, templates=templates, recipients=recipients, out=out)
        try:
            rendered = render_act(file, project)
            report(rendered.warnings)
            written = write_rendered(rendered, project.out, force=force)
        except CircolariError as exc:
            report(exc.problems)
            failed += 1
            continue
        folder = written[0].parent
        pages = f"{rendered.pages} pagin{'a' if rendered.pages == 1 else 'e'}"
        typer.echo(f"{file}: {pages} -> {folder}/")
    if failed:
        typer.echo(f"{failed} atti su {len(files)} non generati: correggere gli errori indicati.", err=True)
        raise typer.Exit(1)


@command(recipients_app, "list")
def recipients_list(
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="mostra solo gli enti di questo gruppo")] = None,
    recipients: RecipientsOpt = None,
):
    """Elenca gli enti del registro (o di un gruppo) con la loro PEC."""
    from .project import Project
    from .registry import Registry

    registry = Registry.load(Project.locate(recipients=recipients).recipients)
    if group is not None and group not in registry.groups:
        raise CircolariError(Problem(f"gruppo «{group}» sconosciuto", field="--group",
                                     hint="gruppi: " + ", ".join(registry.groups)))
    entries = [loc.ente for loc in registry.entries if group is None or group in loc.ente.gruppi]
    width = max((len(e.id) for e in entries), default=2)
    for e in entries:
        pec = e.pec or "(PEC mancante)"
        flag = "" if e.verificato else "  [non verificato]"
        typer.echo(f"{e.id:<{width}}  {e.denominazione}  <{pec}>{flag}")
    typer.echo(f"{len(entries)} enti" + (f" nel gruppo «{group}»" if group else ""))


@command(recipients_app, "check")
def recipients_check(recipients: RecipientsOpt = None):
    """Controlla il registro: sintassi, id ripetuti, PEC malformate o ripetute, gruppi sconosciuti."""
    from .project import Project
    from .registry import Registry

    registry = Registry.load(Project.locate(recipients=recipients).recipients)
    report(registry.problems)
    errors = len(registry.errors)
    warnings = len(registry.problems) - errors
    typer.echo(f"{len(registry.entries)} enti, {len(registry.groups)} gruppi: {errors} errori, {warnings} avvisi.")
    if errors:
        raise typer.Exit(1)


@command(app)
def schema(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="file in cui scriverlo")] = None):
    """Stampa lo JSON Schema dei file degli atti, per il completamento negli editor."""
    import json

    from .acts import act_schema

    text = json.dumps(act_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Schema scritto in {output}")
    else:
        typer.echo(text, nl=False)


_register_subcommands()


def main() -> None:
    """Console entry point."""
    app()
