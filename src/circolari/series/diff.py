"""What differs, body by body, between two versions of a series' table (or of the series act)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import CircolariError
from circolari.series.letters import Letter, plan

TABLE_SUFFIXES = (".xlsx", ".csv", ".txt", ".yaml", ".yml")


@dataclass
class Change:
    ente: str
    denominazione: str
    kind: str                                    # "modificata", "nuova", "tolta"
    row: int | None = None
    fields: list[tuple[str, str, str]] = field(default_factory=list)   # (column, before, after)


def _shown(letter: Letter) -> dict[str, str]:
    from circolari.compose.placeholders import format_value

    shown = {name: format_value(fatto) for name, fatto in letter.fatti.items()}
    shown["protocollo"] = letter.protocollo or "—"
    return shown


def _valid_plan(act, doc, registry):
    result = plan(act, doc, registry)
    if result.errors:
        raise CircolariError(result.problems)
    return result


def snapshot(letters: list[Letter]) -> dict[str, dict]:
    """Per body: its name, row and figures as the letter prints them (JSON-ready: what an
    approval records, what two versions are compared by)."""
    return {letter.ente.id: {"denominazione": letter.ente.denominazione, "riga": letter.row,
                             "valori": _shown(letter)} for letter in letters}


def changes(before: dict[str, dict], after: dict[str, dict]) -> list[Change]:
    """Body by body, what differs from snapshot ``before`` to snapshot ``after``."""
    out = []
    for ident, letter in after.items():
        if ident not in before:
            out.append(Change(ident, letter["denominazione"], "nuova", letter["riga"]))
            continue
        old_values, new_values = before[ident]["valori"], letter["valori"]
        differing = [(name, old_values.get(name, "—"), new_values.get(name, "—"))
                     for name in sorted({*old_values, *new_values}) if old_values.get(name) != new_values.get(name)]
        if differing:
            out.append(Change(ident, letter["denominazione"], "modificata", letter["riga"], differing))
    for ident, letter in before.items():
        if ident not in after:
            out.append(Change(ident, letter["denominazione"], "tolta", letter["riga"]))
    return out


def compare(old: Path, new: Path, registry) -> list[Change]:
    """Changes from series act ``old`` to ``new``: another version of the act, or a new table for it."""
    from circolari.kinds.load import load_act

    old_act, old_doc = load_act(old)
    if Path(new).suffix.lower() in TABLE_SUFFIXES and not _is_act(Path(new)):
        new_act, new_doc = old_act.model_copy(update={"serie": old_act.serie.model_copy(
            update={"tabella": str(Path(new).resolve())})}), old_doc
    else:
        new_act, new_doc = load_act(new)
    return changes(snapshot(_valid_plan(old_act, old_doc, registry).letters),
                   snapshot(_valid_plan(new_act, new_doc, registry).letters))


def _is_act(path: Path) -> bool:
    from circolari.series.detect import is_series_file

    return path.suffix.lower() in (".yaml", ".yml") and is_series_file(path)
