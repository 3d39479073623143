"""``circolari init``, ``new`` and ``schema``: an office folder, an act's skeleton, the schema for editors."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.options import TemplatesOpt, command
from circolari.errors import CircolariError, Problem
from circolari.kinds import KINDS

app = typer.Typer()

Kind = Enum("Kind", {name: name for name in KINDS}, type=str)  # the kinds of act (circolari.kinds)


@command(app)
def init(directory: Annotated[Path, typer.Argument(help="cartella d'ufficio da creare")] = Path(".")):
    """Crea una cartella d'ufficio: template da personalizzare, registro, atti/ con un esempio, schema per l'editor."""
    from circolari.input.office import create_office
    from circolari.kinds.load import act_schema

    create_office(directory, act_schema())
    typer.echo(f"Cartella d'ufficio pronta in {directory}: vedere {directory / 'LEGGIMI.txt'}.")


@command(app)
def new(
    kind: Annotated[Kind, typer.Argument(help=f"tipo di atto: {' o '.join(KINDS)}")],
    path: Annotated[Path, typer.Argument(help="file YAML da creare, es. atti/nota-vaccini.yaml")],
    templates: TemplatesOpt = None,
):
    """Crea lo schema commentato di un nuovo atto, già pronto per essere generato."""
    from circolari.input.project import Project

    project = Project.locate(path.parent, templates=templates)
    skeleton = project.templates / "nuovo" / f"{kind.value}.yaml"
    exists = Problem("il file esiste già (o è un collegamento): non viene sovrascritto", file=path,
                     hint="scegliere un altro nome")
    if path.exists() or path.is_symlink():
        raise CircolariError(exists)
    if not skeleton.is_file():
        raise CircolariError(Problem("schema di partenza non trovato", file=skeleton))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "xb") as handle:  # O_EXCL: never over a file, never through a (dangling) link
            handle.write(skeleton.read_bytes())
    except FileExistsError:
        raise CircolariError(exists) from None
    typer.echo(f"Creato {path}: completarlo e poi eseguire 'circolari render {path}'.")


@command(app)
def schema(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="file in cui scriverlo")] = None):
    """Stampa lo JSON Schema dei file degli atti, per il completamento negli editor."""
    import json

    from circolari.kinds.load import act_schema

    text = json.dumps(act_schema(), ensure_ascii=False, indent=2) + "\n"
    if output:
        from circolari.output import write_atomic

        write_atomic(output, text.encode("utf-8"))  # whole or nothing; never into a FIFO or device
        typer.echo(f"Schema scritto in {output}")
    else:
        typer.echo(text, nl=False)
