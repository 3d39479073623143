"""``mail prepare`` and ``mail send`` on a series: each letter's folder is prepared alone, with its
own signed letter, and sent with its own journal (same resumption rule as a single act), all
letters over one SMTP connection."""

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


@dataclass
class Sent:
    entry: Entry
    report: object | None            # mail.send.SendReport
    problems: list[Problem]


def journal_of(entry: Entry) -> Path:
    from circolari.mail.files import mail_dir_of

    return mail_dir_of(entry.folder) / "journal.sqlite"


def send_series(folder: Path, settings, *, dry_run: bool = False, progress=None, **options) -> list[Sent]:
    """Send every prepared letter's messages (``mail.send.send_batch`` on its folder, ``options``
    as there). A letter never prepared is reported; an error of the server or the connection
    stops the series there (the letters before it are sent and journaled: run again to go on)."""
    from circolari.mail.send import Link, send_batch

    link, results = Link(), []
    try:
        for entry in letters(folder):
            if not journal_of(entry).is_file():
                results.append(Sent(entry, None, [Problem(
                    "messaggi non preparati: la lettera non viene inviata", file=entry.folder,
                    hint="eseguire 'circolari mail prepare' sulla cartella della serie")]))
                continue
            try:
                report = send_batch(entry.folder, settings, dry_run=dry_run, link=link,
                                    progress=progress, **options)
            except CircolariError as exc:
                results.append(Sent(entry, None, exc.problems))
                break
            results.append(Sent(entry, report, []))
    finally:
        if link.conn is not None:
            link.conn.close()
    return results
