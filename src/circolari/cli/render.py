"""``circolari render``: PDF, DOCX and HTML preview of each act (a series: one folder per letter)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.options import OutOpt, RecipientsOpt, TemplatesOpt, act_files, command
from circolari.cli.problems import report
from circolari.errors import CircolariError

app = typer.Typer()


@command(app)
def render(
    paths: Annotated[list[Path], typer.Argument(help="file YAML di atti, o cartelle che li contengono")],
    out: OutOpt = None,
    templates: TemplatesOpt = None,
    recipients: RecipientsOpt = None,
    force: Annotated[bool, typer.Option("--forza", help="sostituisce i file di un atto già protocollato")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="processi in parallelo per le serie di lettere (predefinito: i core della macchina)")] = None,
):
    """Genera PDF, DOCX e anteprima HTML di ogni atto in out/<atto>/ (una serie: una cartella per lettera)."""
    from circolari.input.project import Project
    from circolari.pdf_job import discard_early, start_pdf_worker
    from circolari.series.detect import is_series_file

    failed = 0
    files = act_files(paths)
    worker = None  # started at the first act that is not a series, which lays out its own PDFs
    try:
        for file in files:
            project = Project.locate(file, templates=templates, recipients=recipients, out=out)
            if is_series_file(file):
                from circolari.cli import series as series_cli

                discard_early()
                failed += not series_cli.render(file, project, jobs=jobs, force=force)
                continue
            worker = worker or start_pdf_worker()
            failed += not _render_act(file, project, worker, force)
    finally:
        if worker is not None:
            worker.close()
    if failed:
        typer.echo(f"{failed} atti su {len(files)} non generati: correggere gli errori indicati.", err=True)
        raise typer.Exit(1)


def _render_act(file: Path, project, worker, force: bool) -> bool:
    """Render one act into its folder and say so; report its problems and return False if any."""
    from circolari.compose.italian import pagine
    from circolari.render import render_act, write_rendered

    try:
        rendered = render_act(file, project, pdf_worker=worker)
        report(rendered.warnings)
        written = write_rendered(rendered, project.out, force=force)
    except CircolariError as exc:
        report(exc.problems)
        return False
    typer.echo(f"{file}: {pagine(rendered.pages)} -> {written[0].parent}/")
    return True
