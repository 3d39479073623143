"""What the series adds to the commands: render, sign, verify, mail prepare and mail send on a series."""

from __future__ import annotations

from pathlib import Path

import typer

from circolari.cli.problems import report
from circolari.errors import CircolariError


def render(file: Path, project, *, jobs: int | None, force: bool) -> bool:
    """``circolari render`` of a series; False if any letter failed (each reported with its row)."""
    from circolari.series.run import render_series

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


def sign(folder: Path, p12: Path, password: str, *, jobs: int | None, tsa_url: str | None) -> None:
    """``circolari sign`` on a series folder: every letter, one password; exit 1 if any failed."""
    from circolari.series.sign import sign_series

    results = sign_series(folder, p12, password.encode("utf-8"), jobs=jobs, tsa_url=tsa_url)
    failed = [r for r in results if r.status == "errore"]
    for r in failed:
        typer.echo(f"riga {r.entry.row} ({r.entry.ente}): lettera non firmata:", err=True)
        report(r.problems)
    done = sum(r.status == "firmata" for r in results)
    typer.echo(f"{folder}: {len(results)} lettere ({done} firmate ora, "
               f"{sum(r.status == 'già firmata' for r in results)} già firmate)")
    if failed:
        typer.echo(f"{len(failed)} lettere non firmate: rieseguire dopo aver corretto; "
                   "quelle già firmate non vengono rifirmate.", err=True)
        raise typer.Exit(1)


def verify(folder: Path, *, trust=None, jobs: int | None = None) -> str:
    """``circolari verify`` on a series folder: each letter that is not VALIDO, then the counts;
    returns the series' verdict."""
    from circolari.series.sign import series_verdict, verify_series

    results = verify_series(folder, trust=trust, jobs=jobs)
    for r in results:
        if r.verdict != "VALIDO":
            typer.echo(f"riga {r.entry.row} ({r.entry.ente}): {r.verdict}")
            for line in r.lines:
                typer.echo(f"  {line}")
    counts = {v: sum(r.verdict == v for r in results)
              for v in ("VALIDO", "NON VERIFICABILE", "NON VALIDO", "NON FIRMATO")}
    typer.echo(f"{folder}: {len(results)} lettere: {counts['VALIDO']} valide, {counts['NON VERIFICABILE']} "
               f"non verificabili, {counts['NON VALIDO']} non valide, {counts['NON FIRMATO']} non firmate.")
    verdict = series_verdict(results)
    typer.echo(f"Esito: {verdict}")
    return verdict


def mail_prepare(folder: Path, *, allow_unsigned: bool, allegati: list[Path]) -> None:
    """``circolari mail prepare`` on a series folder: each body only its own signed letter."""
    from circolari.series.mail import prepare_series

    results = prepare_series(folder, allow_unsigned=allow_unsigned, allegati=allegati)
    failed = [r for r in results if r.problems]
    for r in failed:
        typer.echo(f"riga {r.entry.row} ({r.entry.ente}): messaggi non preparati:", err=True)
        report(r.problems)
    ready = [r for r in results if r.report is not None]
    typer.echo(f"{folder}: preparati i messaggi di {len(ready)} lettere su {len(results)}, "
               "ciascuna con la sola lettera del suo ente (in <ente>/mail/).")
    if failed:
        raise typer.Exit(1)


def mail_send(folder: Path, settings_for, *, dry_run: bool, **options) -> int:
    """``circolari mail send`` on a series folder: each letter's messages with its own journal, over
    one connection (``settings_for(letter folder)``: the SMTP settings, asked once); the exit code."""
    from circolari.series.mail import journal_of, send_series
    from circolari.series.manifest import letters

    prepared = [e for e in letters(folder) if journal_of(e).is_file()]
    settings = settings_for(prepared[0].folder) if prepared and not dry_run else None
    labels = {"sent": "inviato", "failed": "fallito", "postponed": "rinviato", "uncertain": "esito incerto"}
    done = [0]

    def progress(rid, outcome):
        done[0] += 1
        typer.echo(f"[{done[0]}] {rid}: {labels.get(outcome, outcome)}", err=True)

    results = send_series(folder, settings, dry_run=dry_run, progress=None if dry_run else progress, **options)
    reports = [r.report for r in results if r.report is not None]
    trouble = False
    for r in results:
        where = f"riga {r.entry.row} ({r.entry.ente})"
        if r.problems:
            trouble = True
            typer.echo(f"{where}: lettera non inviata:", err=True)
            report(r.problems)
            continue
        for row in r.report.planned:
            typer.echo(f"invierebbe  {where}: {row.recipient_id} {row.address}")
        for rid, why in [*r.report.failed, *r.report.postponed, *r.report.uncertain]:
            trouble = True
            typer.echo(f"{where}: {rid}: {why}", err=True)
    stopped = len(results) < len(letters(folder))
    if dry_run:
        typer.echo(f"Prova: {sum(len(r.planned) for r in reports)} messaggi da inviare per {len(reports)} lettere, "
                   f"{sum(r.already for r in reports)} già inviati. Nessun messaggio è stato inviato.")
        return 1 if trouble else 0
    typer.echo(f"{folder}: {len(results)} lettere: inviati {sum(len(r.sent) for r in reports)}, "
               f"falliti {sum(len(r.failed) for r in reports)}, rinviati per errori temporanei "
               f"{sum(len(r.postponed) for r in reports)}, esito incerto {sum(len(r.uncertain) for r in reports)} "
               f"(già inviati prima: {sum(r.already for r in reports)}).")
    if stopped:
        typer.echo("Invio della serie sospeso: rilanciare 'circolari mail send' sulla cartella della serie "
                   "per riprendere (le lettere già inviate non vengono reinviate).", err=True)
    return 1 if trouble or stopped else 0


def diff(old: Path, new: Path, project) -> bool:
    """``circolari diff`` of two versions of a series (or a series and a new table): per body;
    True if nothing differs."""
    from circolari.registry.registry import load_registry
    from circolari.series.diff import compare

    changes = compare(old, new, load_registry(project.recipients))
    for change in changes:
        where = f"{change.ente} ({change.denominazione})"
        if change.kind == "nuova":
            typer.echo(f"{where}: riga nuova {change.row}, una lettera in più")
        elif change.kind == "tolta":
            typer.echo(f"{where}: riga tolta, una lettera in meno")
        else:
            details = "; ".join(f"{name}: {before} → {after}" for name, before, after in change.fields)
            typer.echo(f"{where}, riga {change.row}: {details}")
    counts = {k: sum(c.kind == k for c in changes) for k in ("modificata", "nuova", "tolta")}
    typer.echo(f"Serie {old} → {new}: {counts['modificata']} lettere con cifre diverse, {counts['nuova']} in più, "
               f"{counts['tolta']} in meno.")
    return not changes
