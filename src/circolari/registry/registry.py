"""The recipient registry: load recipients/*.yaml, check it, resolve selections."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from circolari.errors import CircolariError, Problem, did_you_mean, fail
from circolari.input.files import confined, in_copy, within
from circolari.input.load import YamlDoc, load_yaml
from circolari.model.registry import Ente, Gruppo
from circolari.model.pec import pec_problem
from circolari.registry.pec_domains import pec_domain_problem
from circolari.input.validation import validate_item

GROUPS_FILE = "gruppi.yaml"


@dataclass(frozen=True)
class Located:
    """A registry entry and where it is written."""

    ente: Ente
    file: Path
    line: int
    index: int = 0  # position in its file's list


class Registry:
    """All bodies and groups of a registry folder, in file order."""

    def __init__(self, folder: Path, entries: list[Located], groups: dict[str, Gruppo],
                 problems: list[Problem]):
        self.folder = folder
        self.entries = entries
        self.by_id = {e.ente.id: e for e in entries}
        self.groups = groups
        self.problems = problems

    # -- loading -------------------------------------------------------
    @classmethod
    def load(cls, folder: Path) -> "Registry":
        """Load every YAML file of ``folder``; problems are collected, not raised."""
        folder = Path(folder)
        if not folder.is_dir():
            raise fail("cartella del registro destinatari non trovata", file=folder,
                       hint="indicarla con --destinatari")
        problems: list[Problem] = []
        groups: dict[str, Gruppo] = {}
        entries: list[Located] = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                doc = load_yaml(confined(path, folder, "il file del registro"))
            except CircolariError as exc:
                problems += exc.problems
                continue
            if path.name == GROUPS_FILE:
                for item in _validated_items(doc, Gruppo, problems):
                    groups[item.id] = item
            else:
                for index, ente in _validated_items(doc, Ente, problems, keep_index=True):
                    entries.append(Located(ente, path, doc.line_of((index,)) or 1, index))
        registry = cls(folder, entries, groups, problems)
        registry.problems += registry._consistency_problems()
        return registry

    def _consistency_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        seen_ids: dict[str, Located] = {}
        seen_pec: dict[str, Located] = {}
        seen_codes: dict[tuple[str, str], Located] = {}
        for loc in self.entries:
            ente = loc.ente
            if ente.id in seen_ids:
                first = seen_ids[ente.id]
                problems.append(Problem(f"id «{ente.id}» ripetuto (già usato in {first.file.name}:{first.line})",
                                        file=loc.file, line=loc.line, hint="ogni ente deve avere un id unico"))
            seen_ids.setdefault(ente.id, loc)
            for group in ente.gruppi:
                if group not in self.groups:
                    problems.append(Problem(f"gruppo «{group}» sconosciuto", file=loc.file, line=loc.line,
                                            field="gruppi", hint=f"dichiararlo in {GROUPS_FILE}"))
            if not ente.gruppi:
                problems.append(Problem(f"ente «{ente.id}» in nessun gruppo: nessun atto per categoria lo raggiunge",
                                        file=loc.file, line=loc.line, field="gruppi", level="avviso",
                                        hint="aggiungere 'gruppi: [...]'"))
            for key in ("codice_ipa", "codice_fiscale"):
                code = getattr(ente, key)
                other = seen_codes.get((key, code)) if code else None
                if other and other.ente.id != ente.id:
                    problems.append(Problem(f"{key} «{code}» già assegnato a «{other.ente.id}» "
                                            f"({other.file.name}:{other.line})", file=loc.file, line=loc.line,
                                            field=key, hint="due enti diversi non possono avere lo stesso codice"))
                if code:
                    seen_codes.setdefault((key, code), loc)
            if ente.pec is not None:
                why = pec_problem(ente.pec)
                if why:
                    problems.append(Problem(why, file=loc.file, line=loc.line, field="pec"))
                elif (domain := pec_domain_problem(ente.pec)):
                    problems.append(Problem(domain, file=loc.file, line=loc.line, field="pec", level="avviso"))
                key = ente.pec.lower()
                other = seen_pec.get(key)
                if other and other.ente.id != ente.id:
                    problems.append(Problem(
                        f"PEC «{ente.pec}» già assegnata a «{other.ente.id}» ({other.file.name}:{other.line})",
                        file=loc.file, line=loc.line, field="pec",
                        hint="due enti diversi non possono avere la stessa PEC"))
                seen_pec.setdefault(key, loc)
            if not ente.verificato:
                problems.append(Problem(f"ente «{ente.id}» non verificato: PEC senza fonte confermata",
                                        file=loc.file, line=loc.line, level="avviso",
                                        hint="verificare su indicepa.gov.it e aggiornare 'fonte'"))
            if not (ente.fonte or "").strip():
                problems.append(Problem(f"ente «{ente.id}» senza 'fonte'", file=loc.file, line=loc.line,
                                        field="fonte", level="avviso", hint="indicare da dove viene la PEC"))
        used = {group for loc in self.entries for group in loc.ente.gruppi}
        for group in self.groups:
            if group not in used:
                problems.append(Problem(f"gruppo «{group}» senza enti: nessun ente lo elenca in 'gruppi'",
                                        file=self.folder / GROUPS_FILE, level="avviso",
                                        hint="toglierlo o aggiungerlo ai 'gruppi' degli enti"))
        return problems

    # -- queries -------------------------------------------------------
    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "errore"]

    def group_members(self, group: str) -> list[Ente]:
        return [loc.ente for loc in self.entries if group in loc.ente.gruppi]

    def resolve(self, gruppi, enti, esclusi, *, file: Path | None, field: str,
                lines: YamlDoc | None = None) -> list[Ente]:
        """Groups (registry order) then single ids (given order), minus exclusions, without repeats."""
        problems = []

        def where(key: str, index: int):
            return lines.line_of((*field.split("."), key, index)) if lines else None

        for i, g in enumerate(gruppi):
            if g not in self.groups:
                problems.append(Problem(f"gruppo «{g}» sconosciuto", file=file, line=where("gruppi", i),
                                        field=f"{field}.gruppi", hint=suggest(g, self.groups)))
        for key, ids in (("enti", enti), ("esclusi", esclusi)):
            for i, ident in enumerate(ids):
                if ident not in self.by_id:
                    problems.append(Problem(f"ente «{ident}» non presente nel registro", file=file,
                                            line=where(key, i), field=f"{field}.{key}",
                                            hint=suggest(ident, self.by_id)))
        if problems:
            raise CircolariError(problems)
        chosen: dict[str, Ente] = {}
        for g in gruppi:
            for ente in self.group_members(g):
                chosen.setdefault(ente.id, ente)
        for ident in enti:
            chosen.setdefault(ident, self.by_id[ident].ente)
        for ident in esclusi:
            chosen.pop(ident, None)
        if not chosen:
            raise fail("la selezione non comprende alcun ente", file=file,
                       line=lines.line_of(tuple(field.split("."))) if lines else None, field=field,
                       hint="controllare gruppi, enti ed esclusi")
        return list(chosen.values())


def _validated_items(doc: YamlDoc, model, problems: list[Problem], keep_index: bool = False):
    """Each valid item of a YAML list; invalid ones add their problems and are skipped."""
    if not isinstance(doc.data, list):
        problems.append(Problem("il file deve essere un elenco di voci ('- id: ...')", file=doc.path, line=1))
        return
    for index in range(len(doc.data)):
        try:
            item = validate_item(model, doc, (index,))
        except CircolariError as exc:
            problems += exc.problems
            continue
        yield (index, item) if keep_index else item


def suggest(name: str, known) -> str:
    """'forse «asst-garda»?' for a misspelt registry id, else where to look the ids up."""
    return did_you_mean(name, known) or "vedere 'circolari recipients list'"


_CACHE: dict[tuple, Registry] = {}  # what the files hold -> the registry loaded from them


def _fingerprint(folder: Path) -> tuple | None:
    """What the registry is read from: each YAML file's name and bytes (a few kilobytes: reading
    them costs far less than parsing them). None when ``Registry.load`` has something to report
    about the files themselves (not a folder, a file that leads outside it or is not a regular
    file, an unreadable one): nothing outside the folder is read here."""
    if not folder.is_dir():
        return None
    found = []
    for path in sorted(folder.glob("*.yaml")):
        resolved = os.path.realpath(path)
        if not within(resolved, str(folder)) or not os.path.isfile(resolved):  # ``folder`` is resolved
            return None
        try:
            with open(resolved, "rb") as file:
                found.append((path.name, file.read()))
        except OSError:
            return None
    return tuple(found)


def cached_registry(folder: Path) -> Registry:
    """``Registry.load(folder)`` (problems included), reused while the folder's files hold the same
    bytes, in this folder or another (a copy of the registry: the same entries and problems, naming
    the files of ``folder`` as it was given): a process that renders or checks many acts
    (``preview --watch``, a series, the test suite) parses and validates a registry once.
    Read-only for the caller."""
    folder = Path(folder)
    fingerprint = _fingerprint(folder.resolve())
    cached = _CACHE.get(fingerprint) if fingerprint is not None else None
    if cached is not None and str(cached.folder) == str(folder):
        return cached
    if cached is not None:
        registry = _CACHE[fingerprint] = _moved(cached, folder)  # kept for the folder asked last
        return registry
    registry = Registry.load(folder)
    if fingerprint is not None and _fingerprint(folder.resolve()) == fingerprint:  # not changed while read
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[fingerprint] = registry
    return registry


def _moved(registry: Registry, folder: Path) -> Registry:
    """``registry`` as loaded from the same files in ``folder``: every path names its file there."""
    moved: dict = {}  # a few files, many entries and problems

    def there(file):
        if file not in moved:
            moved[file] = in_copy(file, registry.folder, folder)
        return moved[file]

    return Registry(folder, [replace(loc, file=there(loc.file)) for loc in registry.entries], registry.groups,
                    [replace(problem, file=there(problem.file)) for problem in registry.problems])


def load_registry(folder: Path) -> Registry:
    """The registry of ``folder`` for a render (``cached_registry``); a registry with errors
    stops here (``check`` reports them all)."""
    registry = cached_registry(Path(folder).resolve())
    if registry.errors:
        raise CircolariError([*registry.errors,
                              Problem("il registro destinatari contiene errori: correggerli "
                                      "(vedere 'circolari recipients check')", file=folder)])
    return registry
