"""Bring the registry in line with IndicePA files: match, diff, and (on request) apply.

Entries match IPA rows by ``codice_ipa`` or ``codice_fiscale``, never by name. A body's PEC is
its domicilio digitale in the entities file (first Mail typed "pec"); failing that, the protocol
PEC of its registry office (AOO file) when there is exactly one. An entry verified by hand
(``verificato: true`` with a source other than IndicePA) keeps its PEC unless ``force``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import CircolariError, Problem, fail
from circolari.registry.ipa import IpaRow, read_rows
from circolari.input.files import read_text
from circolari.model.registry import FISCAL_CODE, IPA_SOURCE_PREFIX
from circolari.output import write_all
from circolari.model.pec import pec_problem
from circolari.registry.registry import Located, Registry
from circolari.registry.edit import edit_entries

# What each kind of change is called in the diff, and its sign.
NEW, CHANGED, SAME, KEPT, GONE, CODES, UNSURE = (
    "nuova PEC", "PEC cambiata", "invariata", "tenuta (verificata a mano)", "non più in IndicePA",
    "codici aggiunti", "da verificare")
_SIGNS = {NEW: "+", CHANGED: "~", SAME: "=", KEPT: "!", GONE: "-", CODES: "~", UNSURE: "?"}


@dataclass
class Change:
    """What an import does (or would do) to one registry entry."""

    loc: Located
    kind: str
    detail: str
    updates: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        return f"{_SIGNS[self.kind]} {self.loc.ente.id}: {self.kind}: {self.detail}"


def source_text(row: IpaRow, date: str) -> str:
    """The ``fonte`` an import writes: file name, the file's date and the IPA code."""
    return f"{IPA_SOURCE_PREFIX}, file {row.file.name} del {date}, codice IPA {row.codice_ipa}"


def file_date(path: Path) -> str:
    """The date of a downloaded file: its modification day (UTC)."""
    try:
        stamp = Path(path).stat().st_mtime
    except OSError as exc:
        raise fail(f"impossibile leggere il file: {exc.strerror}", file=path) from None
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).date().isoformat()


def plan(registry: Registry, files: list[Path], *, force: bool = False, date: str | None = None) -> list[Change]:
    """The changes an import of ``files`` makes, one per matched (or vanished) entry, registry order."""
    if registry.errors:
        raise CircolariError(registry.errors + [Problem("correggere il registro prima di importare",
                                                        hint="circolari recipients check")])
    by_ipa = {loc.ente.codice_ipa.lower(): loc for loc in registry.entries if loc.ente.codice_ipa}
    by_cf = {loc.ente.codice_fiscale: loc for loc in registry.entries if loc.ente.codice_fiscale}
    bodies: dict[str, IpaRow] = {}
    conflicts: list[Change] = []
    office_files: list[Path] = []
    read_entities = False
    def keep(code: str, cf: str) -> bool:
        return code in by_ipa or cf in by_cf

    for path in files:
        kind: dict[str, bool] = {}
        for row in read_rows(path, keep, on_header=lambda aoo: not kind.setdefault("aoo", aoo)):
            code = row.codice_ipa.lower()
            loc = by_ipa.get(code) or (by_cf.get(row.codice_fiscale) if row.codice_fiscale else None)
            mine, my_cf = loc.ente.codice_ipa, loc.ente.codice_fiscale
            if mine and mine.lower() != code:
                conflicts.append(Change(loc, UNSURE, f"stesso codice fiscale {row.codice_fiscale} ma codice IPA "
                                        f"{row.codice_ipa} invece di {mine} ({_where(row)}): controllare a mano"))
                continue
            if my_cf and row.codice_fiscale and my_cf != row.codice_fiscale:
                conflicts.append(Change(loc, UNSURE, f"stesso codice IPA {row.codice_ipa} ma codice fiscale "
                                        f"{row.codice_fiscale} invece di {my_cf} ({_where(row)}): controllare a mano"))
                continue
            bodies[loc.ente.id] = row
        if kind.get("aoo"):  # offices are read after every entities file, whatever the order given
            office_files.append(path)
        else:
            read_entities = True
    wanted = {row.codice_ipa.lower() for row in bodies.values()} | set(by_ipa)
    offices: dict[str, list[IpaRow]] = defaultdict(list)
    for path in office_files:
        for row in read_rows(path, keep=lambda code, cf: code in wanted):
            offices[row.codice_ipa.lower()].append(row)
    dates = {path.name: date or file_date(path) for path in files}
    changes = [_change(loc, bodies.get(loc.ente.id), offices, dates, force) for loc in registry.entries
               if loc.ente.id in bodies or (loc.ente.codice_ipa or "").lower() in offices]
    if read_entities:
        changes += [Change(loc, GONE, f"codice IPA {loc.ente.codice_ipa} assente dai file letti: "
                                      "ente soppresso o accorpato? Controllare su indicepa.gov.it")
                    for loc in registry.entries
                    if loc.ente.codice_ipa and loc.ente.id not in bodies
                    and loc.ente.id not in {c.loc.ente.id for c in conflicts}]
    order = {loc.ente.id: i for i, loc in enumerate(registry.entries)}
    return sorted(changes + conflicts, key=lambda c: order[c.loc.ente.id])


def _where(row: IpaRow) -> str:
    return f"{row.file.name}:{row.line}"


def _change(loc: Located, row: IpaRow | None, offices, dates: dict[str, str], force: bool) -> Change:
    """``row`` is the body's entities row, None when only AOO files were read."""
    ente = loc.ente
    codes: dict[str, object] = {}
    if row is not None and not ente.codice_ipa:
        codes["codice_ipa"] = row.codice_ipa
    if row is not None and not ente.codice_fiscale and row.codice_fiscale and _fiscal_code_ok(row.codice_fiscale):
        codes["codice_fiscale"] = row.codice_fiscale
    code = row.codice_ipa if row is not None else ente.codice_ipa
    source_row, pec = row, row.pec if row is not None else None
    if pec is None:
        office_pecs = {}
        for office in offices.get(code.lower(), []):
            for address in office.pecs:
                office_pecs.setdefault(address.lower(), (office, address))
        if len(office_pecs) == 1:
            source_row, pec = next(iter(office_pecs.values()))
        elif office_pecs:
            listed = ", ".join(address for _, address in office_pecs.values())
            return Change(loc, UNSURE, f"nessuna PEC dell'ente in IndicePA e più PEC di AOO ({listed}): "
                                       "scegliere a mano", codes)
    if pec is None:
        return Change(loc, UNSURE, f"nessuna PEC in IndicePA per {code} ({_where(row)})", codes)
    why = pec_problem(pec)
    if why:
        return Change(loc, UNSURE, f"PEC di IndicePA non valida: {why} ({_where(source_row)})", codes)
    where = f"IndicePA {code}, {_where(source_row)}"
    added = "".join(f"; aggiunto {key} {value}" for key, value in codes.items())
    if ente.pec and ente.pec.lower() == pec.lower():
        return Change(loc, CODES if codes else SAME, f"PEC {ente.pec} invariata ({where}){added}", codes)
    updates = {**codes, "pec": pec, "fonte": source_text(source_row, dates[source_row.file.name]), "verificato": True}
    if ente.pec is None:
        return Change(loc, NEW, f"{pec} ({where})", updates)
    if ente.hand_verified and not force:
        return Change(loc, KEPT, f"{ente.pec} → {pec} non applicata ({where}); con --forza si applica{added}", codes)
    return Change(loc, CHANGED, f"{ente.pec} → {pec} ({where})", updates)


def _fiscal_code_ok(code: str) -> bool:
    return re.match(FISCAL_CODE, code) is not None


def apply(registry: Registry, changes: list[Change]) -> list[Path]:
    """Write the updates of ``changes`` into the registry files, all or nothing; the files written."""
    by_file: dict[Path, dict[int, dict[str, object]]] = defaultdict(dict)
    for change in changes:
        if change.updates:
            by_file[change.loc.file][change.loc.index] = change.updates
    contents = {path.name: edit_entries(path, read_text(path), edits).encode("utf-8")
                for path, edits in by_file.items()}
    if contents:
        write_all(registry.folder, contents)
    return [registry.folder / name for name in contents]

