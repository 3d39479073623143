"""What the series adds to the commands: render, sign, verify and mail prepare on a series."""

from __future__ import annotations

from pathlib import Path

import typer

from ..cli_errors import report
from ..errors import CircolariError


def render(file: Path, project, *, jobs: int | None, force: bool) -> bool:
    """``circolari render`` of a series; False if any letter failed (each reported with its row)."""
    from .run import render_series

    try:
        result = render_series(file, project, jobs=jobs, force=force)
    except CircolariError as exc:
        report(exc.problems)
        return False
    report(result.warnings)
    for outcome in result.failures:
        typer.echo(f"{file}: riga {outcome.row} ({outcome.ente}): lettera non generata:", err=True)
        report(outcome.problems)
    total = len(result.outcomes)
    typer.echo(f"{file}: {total} lettere ({result.count('generata')} generate, "
               f"{result.count('già fatta')} già fatte e verificate) -> {result.folder}/")
    if result.failures:
        rows = ", ".join(f"riga {o.row} ({o.ente})" for o in result.failures)
        typer.echo(f"{len(result.failures)} lettere su {total} non generate: {rows}. "
                   "Correggere e rieseguire: le lettere già fatte non vengono rifatte.", err=True)
        return False
    return True
