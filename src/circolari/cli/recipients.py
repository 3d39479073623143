"""``circolari recipients list|check|show|add|import indicepa``: the registry, and its entries from IndicePA files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Optional

import typer

from circolari.cli.options import RecipientsOpt, command
from circolari.cli.problems import report
from circolari.errors import CircolariError, Problem, fail

app = typer.Typer(help="Registro dei destinatari (enti e PEC).", no_args_is_help=True)
import_app = typer.Typer(help="Aggiorna il registro da una fonte ufficiale.", no_args_is_help=True)
app.add_typer(import_app, name="import")

IpaFiles = Annotated[list[Path], typer.Option("--ipa", help="file IndicePA (enti o AOO; CSV, JSON o amministrazioni.txt); ripetibile")]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILES_BY_TIPO = {"ASST": "asst.yaml", "ATS": "ats.yaml", "IRCCS pubblico": "irccs.yaml",
                  "IRCCS privato": "irccs.yaml", "ospedale classificato": "ospedali.yaml",
                  "casa di cura": "ospedali.yaml", "agenzia": "agenzie.yaml", "altro": "altri.yaml"}


def _registry(recipients: Path | None):
    from circolari.input.project import Project
    from circolari.registry.registry import Registry

    return Registry.load(Project.locate(recipients=recipients).recipients)


@command(import_app, "indicepa")
def import_indicepa(
    files: Annotated[list[Path], typer.Argument(help="file scaricati da indicepa.gov.it: enti e, se serve, AOO")],
    applica: Annotated[bool, typer.Option("--applica", help="scrive le modifiche nel registro (senza: mostra soltanto)")] = False,
    forza: Annotated[bool, typer.Option("--forza", help="cambia anche le PEC verificate a mano da un'altra fonte")] = False,
    data: Annotated[Optional[str], typer.Option("--data", help="data dei file (AAAA-MM-GG) da scrivere in 'fonte'; predefinita: data del file")] = None,
    recipients: RecipientsOpt = None,
):
    """Confronta il registro con IndicePA (per codice IPA o codice fiscale) e mostra le differenze."""
    from circolari.registry.ipa_import import GONE, KEPT, UNSURE, NEW, CHANGED, apply, plan

    if data is not None and not _DATE.match(data):
        raise fail(f"data «{data}» non valida", field="--data", hint="formato AAAA-MM-GG")
    registry = _registry(recipients)
    changes = plan(registry, files, force=forza, date=data)
    for change in changes:
        typer.echo(change.line())
    count = {kind: sum(c.kind == kind for c in changes) for kind in (NEW, CHANGED, KEPT, GONE, UNSURE)}
    typer.echo(f"{len(changes)} enti trovati: {count[NEW]} nuove PEC, {count[CHANGED]} cambiate, "
               f"{count[KEPT]} tenute (verificate a mano), {count[GONE]} non più in IndicePA, "
               f"{count[UNSURE]} da verificare.")
    pending = [c for c in changes if c.updates]
    if not pending:
        typer.echo("Nessuna modifica da scrivere.")
    elif not applica:
        typer.echo(f"Nessun file modificato: rieseguire con --applica per scrivere {len(pending)} modifiche.")
    else:
        written = apply(registry, pending)
        typer.echo(f"Registro aggiornato: {len(pending)} enti in " + ", ".join(p.name for p in written) + ".")
        after = _registry(recipients)
        report(after.errors)
        if after.errors:
            raise typer.Exit(1)


@command(app, "list")
def recipients_list(
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="mostra solo gli enti di questo gruppo")] = None,
    recipients: RecipientsOpt = None,
):
    """Elenca gli enti del registro (o di un gruppo) con la loro PEC."""
    registry = _registry(recipients)
    if group is not None and group not in registry.groups:
        raise CircolariError(Problem(f"gruppo «{group}» sconosciuto", field="--group",
                                     hint="gruppi: " + ", ".join(registry.groups)))
    entries = [loc.ente for loc in registry.entries if group is None or group in loc.ente.gruppi]
    width = max((len(e.id) for e in entries), default=2)
    for e in entries:
        pec = e.pec or "(PEC mancante)"
        flag = "" if e.verificato else "  [non verificato]"
        code = f"  [IPA {e.codice_ipa}]" if e.codice_ipa else ""
        typer.echo(f"{e.id:<{width}}  {e.denominazione}  <{pec}>{code}{flag}")
    typer.echo(f"{len(entries)} enti" + (f" nel gruppo «{group}»" if group else ""))


@command(app, "check")
def recipients_check(recipients: RecipientsOpt = None):
    """Controlla il registro: sintassi, id ripetuti, PEC malformate o ripetute, gruppi sconosciuti."""
    registry = _registry(recipients)
    report(registry.problems)
    errors = len(registry.errors)
    warnings = len(registry.problems) - errors
    typer.echo(f"{len(registry.entries)} enti, {len(registry.groups)} gruppi: {errors} errori, {warnings} avvisi.")
    if errors:
        raise typer.Exit(1)


@command(app)
def show(
    query: Annotated[str, typer.Argument(help="codice IPA, codice fiscale, id del registro o parole del nome")],
    ipa: IpaFiles = [],
    recipients: RecipientsOpt = None,
):
    """Mostra un ente: dal registro o, con --ipa, dai file IndicePA."""
    if ipa:
        from circolari.registry.ipa import search

        rows = search(ipa, query)
        if not rows:
            raise fail(f"nessun ente trovato per «{query}»", hint="provare il codice IPA o altre parole del nome")
        for row in rows:
            typer.echo(f"{row.codice_ipa}  {row.denominazione}  CF {row.codice_fiscale or '-'}  "
                       f"PEC {', '.join(row.pecs) or '(nessuna)'}  [{row.file.name}:{row.line}]")
        typer.echo(f"{len(rows)} enti trovati")
        return
    registry = _registry(recipients)
    wanted = query.strip().lower()
    found = [loc for loc in registry.entries
             if wanted in (loc.ente.id, (loc.ente.codice_ipa or "").lower(), (loc.ente.codice_fiscale or "").lower())]
    if not found:
        raise fail(f"ente «{query}» non presente nel registro", hint="usare --ipa FILE per cercarlo in IndicePA")
    for loc in found:
        e = loc.ente
        typer.echo(f"{e.id}  ({loc.file.name}:{loc.line})\n  denominazione: {e.denominazione}\n  tipo: {e.tipo}\n"
                   f"  codice_ipa: {e.codice_ipa or '-'}\n  codice_fiscale: {e.codice_fiscale or '-'}\n"
                   f"  pec: {e.pec or '(mancante)'}\n  gruppi: {', '.join(e.gruppi) or '-'}\n"
                   f"  fonte: {e.fonte or '-'}\n  verificato: {'sì' if e.verificato else 'no'}")


@command(app)
def add(
    query: Annotated[str, typer.Argument(help="codice IPA o codice fiscale dell'ente (o parole del nome, se univoche)")],
    ipa: IpaFiles,
    ident: Annotated[str, typer.Option("--id", help="id stabile del nuovo ente, es. asst-pini-cto")],
    tipo: Annotated[str, typer.Option("--tipo", help="ASST, ATS, IRCCS pubblico, IRCCS privato, agenzia, ...")],
    gruppo: Annotated[list[str], typer.Option("--gruppo", help="gruppo dell'ente (ripetibile)")] = [],
    denominazione: Annotated[Optional[str], typer.Option("--denominazione", help="nome da stampare (predefinito: quello di IndicePA)")] = None,
    data: Annotated[Optional[str], typer.Option("--data", help="data del file IndicePA (AAAA-MM-GG) per 'fonte'")] = None,
    recipients: RecipientsOpt = None,
):
    """Aggiunge al registro un ente trovato in un file IndicePA, con la sua PEC e la fonte."""
    from circolari.registry.ipa import search
    from circolari.registry.ipa_import import file_date, source_text
    from circolari.input.files import read_text
    from circolari.model.registry import Ente
    from circolari.output import write_atomic
    from circolari.registry.edit import scalar

    if not ipa:
        raise fail("indicare il file IndicePA con --ipa", field="--ipa")
    if data is not None and not _DATE.match(data):
        raise fail(f"data «{data}» non valida", field="--data", hint="formato AAAA-MM-GG")
    if tipo not in _FILES_BY_TIPO:
        raise fail(f"tipo «{tipo}» non ammesso", field="--tipo", hint="tipi: " + ", ".join(_FILES_BY_TIPO))
    registry = _registry(recipients)
    if registry.errors:
        raise CircolariError(registry.errors)
    if ident in registry.by_id:
        raise fail(f"l'id «{ident}» è già nel registro", field="--id", hint="sceglierne un altro")
    rows = search(ipa, query)
    if len(rows) != 1:
        listed = "; ".join(f"{r.codice_ipa} {r.denominazione}" for r in rows[:10])
        raise fail(f"{len(rows)} enti trovati per «{query}»" + (f": {listed}" if rows else ""),
                   hint="indicare il codice IPA esatto")
    row = rows[0]
    for loc in registry.entries:
        if loc.ente.codice_ipa and loc.ente.codice_ipa.lower() == row.codice_ipa.lower():
            raise fail(f"l'ente {row.codice_ipa} è già nel registro come «{loc.ente.id}»", file=loc.file, line=loc.line)
    fields = {"id": ident, "denominazione": denominazione or row.denominazione, "tipo": tipo,
              "codice_ipa": row.codice_ipa, "codice_fiscale": row.codice_fiscale, "pec": row.pec,
              "gruppi": gruppo, "fonte": source_text(row, data or file_date(row.file)), "verificato": row.pec is not None}
    fields = {k: v for k, v in fields.items() if v is not None}
    try:
        Ente.model_validate(fields)
    except Exception as exc:  # pydantic's ValidationError: say which field
        raise fail(f"ente non valido: {_first_error(exc)}", hint="correggere le opzioni") from None
    unknown = [g for g in gruppo if g not in registry.groups]
    if unknown:
        raise fail(f"gruppo «{unknown[0]}» sconosciuto", field="--gruppo", hint="gruppi: " + ", ".join(registry.groups))
    target = registry.folder / _FILES_BY_TIPO[tipo]
    existed = target.exists()
    text = read_text(target) if existed else ""
    block = [f"- id: {ident}"] + [f"  {k}: {scalar(v) if not isinstance(v, list) else '[' + ', '.join(v) + ']'}"
                                  for k, v in fields.items() if k != "id"]
    new_text = text + ("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + "\n".join(block) + "\n"
    write_atomic(target, new_text.encode("utf-8"))
    typer.echo(f"Aggiunto «{ident}» in {target.name}: PEC {row.pec or '(nessuna in IndicePA)'} "
               f"(IndicePA {row.codice_ipa}, {row.file.name}:{row.line}).")
    after = _registry(recipients)
    if after.errors:
        if existed:
            write_atomic(target, text.encode("utf-8"))
        else:
            target.unlink()
        raise CircolariError(after.errors + [Problem("ente non aggiunto: il registro è stato lasciato com'era")])


def _first_error(exc) -> str:
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return str(exc)
    err = errors[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'ente'}: {err['msg']}"
