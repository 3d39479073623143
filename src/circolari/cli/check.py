"""``circolari check``: acts, registries and templates checked without rendering them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from circolari.cli.options import RecipientsOpt, TemplatesOpt, command

app = typer.Typer()


@command(app)
def check(
    paths: Annotated[list[Path], typer.Argument(help="atti (file o cartelle), cartelle del registro e dei template")],
    as_json: Annotated[bool, typer.Option("--json", help="elenco dei problemi in JSON")] = False,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
):
    """Controlla atti, registro e template senza generarli: ogni problema, una riga ciascuno."""
    import json

    from circolari.review.checks import as_json as problems_json, check_paths

    report = check_paths(paths, templates=templates, recipients=recipients)
    if as_json:
        typer.echo(json.dumps(problems_json(report), ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem.format())
        typer.echo(f"{report.acts} atti, {report.templates} cartelle di template, {report.registries} registri: "
                   f"{len(report.errors)} errori, {len(report.warnings)} avvisi.", err=True)
    if report.errors:
        raise typer.Exit(1)
