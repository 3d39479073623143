"""The plan of a series: its table checked against the registry and the act, one letter per valid row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.model.fatti import Fatto
from circolari.model.serie import LABEL_COLUMNS, PROTOCOL_COLUMN, Serie
from circolari.series.table import Row, Table, read_table
from circolari.series.values import EXPECTED, convert, show

@dataclass
class Letter:
    """One row made a letter: its body, its figures, its own protocollo if any."""

    index: int            # position in the table (0-based)
    row: int              # row of the sheet / line of the file
    ente: object          # registry Ente
    fatti: dict[str, Fatto]
    protocollo: str | None = None

    def values(self) -> dict:
        """What the letter carries from its row, in a stable JSON-ready form."""
        return {"ente": self.ente.id, "protocollo": self.protocollo,
                **{k: str(f.valore) if not isinstance(f.valore, dt.date) else f.valore.isoformat()
                   for k, f in sorted(self.fatti.items())}}


@dataclass
class Plan:
    table: Table | None
    letters: list[Letter] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "errore"]


def table_path(act, doc) -> Path:
    return doc.path.parent / act.serie.tabella


def plan(act, doc, registry) -> Plan:
    """Check the series table (every problem, located) and build the letters of its valid rows."""
    serie: Serie = act.serie
    line = doc.line_of(("serie", "tabella"))
    path = table_path(act, doc)
    folder = doc.path.parent.resolve()
    if not path.resolve().is_relative_to(folder):
        return Plan(None, problems=[Problem("la tabella della serie deve stare nella cartella dell'atto",
                                            file=doc.path, line=line, field="serie.tabella",
                                            hint="copiarla accanto all'atto")])
    try:
        table = read_table(path, serie.foglio)
    except CircolariError as exc:
        for p in exc.problems:
            p.line = p.line or None
        return Plan(None, problems=exc.problems)
    result = Plan(table)
    result.problems += _act_problems(act, doc, table)
    addressed = _addressed(act, doc, registry, result.problems)
    if serie.colonna_ente not in table.columns:
        result.problems.append(Problem(f"{table.where(1)}: manca la colonna «{serie.colonna_ente}» con l'id "
                                       "dell'ente", file=table.path, line=1,
                                       hint="aggiungere la colonna con gli id del registro (es. asst-lecco)"))
        return result
    seen: dict[str, int] = {}
    allowed = None if addressed is None else {e.id for e in addressed}
    for index, row in enumerate(table.rows):
        letter = _letter(index, row, act, registry, allowed, seen, table, result.problems)
        if letter is not None:
            result.letters.append(letter)
    if addressed is not None:
        for ente in addressed:
            if ente.id not in seen:
                result.problems.append(Problem(
                    f"l'ente «{ente.id}» ({ente.denominazione}) è tra i destinatari ma non ha una riga "
                    f"nella tabella{' (foglio «' + table.sheet + '»)' if table.sheet else ''}", file=table.path,
                    hint=f"aggiungere la riga di «{ente.id}» o escluderlo in 'destinatari.esclusi'"))
    result.problems += _totals(act, doc, table)
    return result


def _act_problems(act, doc, table: Table) -> list[Problem]:
    serie = act.serie
    found = []
    for name in serie.campi:
        if name in act.fatti:
            found.append(Problem(f"«{name}» è sia una colonna della serie sia un fatto dichiarato", file=doc.path,
                                 line=doc.line_of(("serie", "campi", name)), field=f"serie.campi.{name}",
                                 hint="dare nomi diversi"))
        if name not in table.columns:
            found.append(Problem(f"{table.where(1)}: manca la colonna «{name}» dichiarata in 'serie.campi'",
                                 file=table.path, line=1, hint="aggiungerla alla tabella o toglierla da 'serie.campi'"))
    known = {serie.colonna_ente, PROTOCOL_COLUMN, *LABEL_COLUMNS, *serie.campi}
    for name in table.columns:
        if name not in known:
            found.append(Problem(f"{table.where(1, name)}: colonna non dichiarata in 'serie.campi': non viene usata",
                                 file=table.path, line=1, level="avviso",
                                 hint=f"dichiararla in 'serie.campi' per citarla come [[{name}]]"))
    if act.per_conoscenza is not None:
        found.append(Problem("una serie non ha destinatari per conoscenza: ogni lettera va al solo ente della "
                             "sua riga", file=doc.path, line=doc.line_of(("per_conoscenza",)), field="per_conoscenza",
                             hint="togliere 'per_conoscenza' o inviare una circolare separata"))
    return found


def _addressed(act, doc, registry, problems: list[Problem]):
    """The bodies the act addresses (the rows' allowed ids); None if the selection is invalid."""
    sel = act.destinatari
    try:
        return registry.resolve(sel.gruppi, sel.enti, sel.esclusi, file=doc.path, field="destinatari", lines=doc)
    except CircolariError as exc:
        problems += exc.problems
        return None


def _letter(index: int, row: Row, act, registry, allowed: set | None, seen: dict, table: Table,
            problems: list[Problem]) -> Letter | None:
    from circolari.registry.registry import suggest

    serie = act.serie
    column = serie.colonna_ente
    ident = row.value(column)
    before = len(problems)

    def problem(message: str, name: str | None, hint: str | None = None, level: str = "errore"):
        problems.append(Problem(f"{table.where(row, name)}: {message}", file=table.path, line=row.number,
                                hint=hint, level=level))

    ente = None
    if ident is None:
        problem("id dell'ente mancante", column, "scrivere l'id del registro (es. asst-lecco)")
    else:
        ident = str(ident).strip()
        located = registry.by_id.get(ident)
        if located is None:
            problem(f"ente «{ident}» non presente nel registro", column, suggest(ident, registry.by_id))
        elif ident in seen:
            problem(f"ente «{ident}» ripetuto (già alla riga {seen[ident]})", column,
                    "una sola riga per ente: una lettera ciascuno")
        elif allowed is not None and ident not in allowed:
            problem(f"ente «{ident}» fuori dai destinatari dell'atto", column,
                    "toglierlo dalla tabella o aggiungerlo a 'destinatari'")
            seen[ident] = row.number
        else:
            ente = located.ente
            seen[ident] = row.number
    fatti = {}
    for name, campo in serie.campi.items():
        if name not in table.columns:
            continue
        value = row.value(name)
        if value is None:
            problem("cella vuota", name, f"scrivere {EXPECTED[campo.tipo]}")
            continue
        try:
            fatti[name] = Fatto(**{campo.tipo: convert(value, campo.tipo)}, formato=campo.formato,
                                descrizione=campo.descrizione)
        except ValueError:
            problem(f"«{show(value)}» non è {EXPECTED[campo.tipo]}", name)
    protocollo = row.value(PROTOCOL_COLUMN)
    if len(problems) > before or ente is None:
        return None
    return Letter(index, row.number, ente, fatti, str(protocollo).strip() if protocollo is not None else None)


def _totals(act, doc, table: Table) -> list[Problem]:
    """Each declared total against the sum of its column (rows with a valid value)."""
    from circolari.compose.placeholders import format_value
    from circolari.series.values import to_number

    serie = act.serie
    found = []
    for column, name in serie.totali.items():
        line = doc.line_of(("serie", "totali", column))
        campo = serie.campi.get(column)
        total = act.fatti.get(name)
        if campo is None or campo.tipo == "data":
            found.append(Problem(f"«{column}» non è una colonna numerica dichiarata in 'serie.campi'", file=doc.path,
                                 line=line, field=f"serie.totali.{column}"))
            continue
        if total is None or total.tipo != campo.tipo:
            found.append(Problem(f"il totale «{name}» non è un fatto dichiarato di tipo {campo.tipo}", file=doc.path,
                                 line=line, field=f"serie.totali.{column}",
                                 hint=f"dichiarare in 'fatti' {name}: {{{campo.tipo}: ...}}"))
            continue
        if column not in table.columns:
            continue
        values = []
        for row in table.rows:
            try:
                values.append(to_number(row.value(column)))
            except (ValueError, TypeError):
                continue
        summed = sum(values, Decimal(0))
        if summed != total.valore:
            kind = "decimali" if campo.tipo == "importo" else "numero"
            found.append(Problem(
                f"il totale «{name}» ({format_value(total, kind)}) non è la somma della "
                f"{table.where(None, column).split(', ')[-1]} della tabella {table.path.name}"
                f"{' (foglio «' + table.sheet + '»)' if table.sheet else ''} "
                f"({format_value(Fatto(**{campo.tipo: summed}), kind)})",
                file=doc.path, line=doc.line_of(("fatti", name)), field=f"fatti.{name}",
                hint="correggere il totale o le righe della tabella"))
    return found


def letter_act(act, letter: Letter):
    """The circolare of one letter: the common text, the row's figures, the row's body alone."""
    from circolari.model.circolare import Destinatari

    sel = act.destinatari
    return act.model_copy(update={
        "fatti": {**act.fatti, **letter.fatti},
        "destinatari": Destinatari(enti=[letter.ente.id], stile=sel.stile, intestazione=sel.intestazione),
        "protocollo": letter.protocollo or act.protocollo,
        "serie": None,
    })
