"""``mail prepare`` on a series: each letter's folder is prepared alone, with its own signed letter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.series.manifest import Entry, letters


@dataclass
class Prepared:
    entry: Entry
    report: object | None            # mail.prepare.PrepareReport
    problems: list[Problem]


def prepare_series(folder: Path, *, allow_unsigned: bool = False, allegati: list[Path] = ()) -> list[Prepared]:
    """Prepare the messages of every letter: its body receives only ``<lettera>.firmato.pdf``
    (or, with ``allow_unsigned``, the unsigned PDF for trials) plus the common attachments."""
    from circolari.mail.prepare import prepare
    from circolari.input.project import Project

    templates = Project.locate(folder).templates
    results = []
    for entry in letters(folder):
        signed = entry.signed if entry.signed.is_file() or not allow_unsigned else entry.pdf
        try:
            report = prepare(entry.folder, signed, allow_unsigned=allow_unsigned, allegati=list(allegati),
                             template_dir=templates)
            results.append(Prepared(entry, report, []))
        except CircolariError as exc:
            results.append(Prepared(entry, None, exc.problems))
    return results
