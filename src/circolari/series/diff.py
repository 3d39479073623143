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


def compare(old: Path, new: Path, registry) -> list[Change]:
    """Changes from series act ``old`` to ``new``: another version of the act, or a new table for it."""
    from circolari.input.acts import load_act

    old_act, old_doc = load_act(old)
    if Path(new).suffix.lower() in TABLE_SUFFIXES and not _is_act(Path(new)):
        new_act, new_doc = old_act.model_copy(update={"serie": old_act.serie.model_copy(
            update={"tabella": str(Path(new).resolve())})}), old_doc
    else:
        new_act, new_doc = load_act(new)
    before = {letter.ente.id: letter for letter in _valid_plan(old_act, old_doc, registry).letters}
    after = {letter.ente.id: letter for letter in _valid_plan(new_act, new_doc, registry).letters}
    changes = []
    for ident, letter in after.items():
        if ident not in before:
            changes.append(Change(ident, letter.ente.denominazione, "nuova", letter.row))
            continue
        old_values, new_values = _shown(before[ident]), _shown(letter)
        differing = [(name, old_values.get(name, "—"), new_values.get(name, "—"))
                     for name in sorted({*old_values, *new_values}) if old_values.get(name) != new_values.get(name)]
        if differing:
            changes.append(Change(ident, letter.ente.denominazione, "modificata", letter.row, differing))
    for ident, letter in before.items():
        if ident not in after:
            changes.append(Change(ident, letter.ente.denominazione, "tolta", letter.row))
    return changes


def _is_act(path: Path) -> bool:
    from circolari.series.detect import is_series_file

    return path.suffix.lower() in (".yaml", ".yml") and is_series_file(path)
