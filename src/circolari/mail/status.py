"""``mail status``: where each message is, as a table or CSV, and an exit code.

Exit code: 0 only when every message is delivered (ricevuta di avvenuta consegna);
1 when at least one failed; 3 while anything is still unconfirmed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from circolari.mail.files import mail_dir_of, sending_in_progress
from circolari.output import write_atomic
from circolari.mail.journal import Journal, Row

EXIT_DELIVERED, EXIT_FAILED, EXIT_PENDING = 0, 1, 3

LABELS = {
    "prepared": "da inviare",
    "sending": "in invio",
    "uncertain": "esito incerto",
    "sent": "inviato",
    "accepted": "accettato",
    "delivered": "consegnato",
    "failed": "fallito",
}
SENT_AS = {"to": "destinatario", "cc": "per conoscenza"}  # how the table names a message's header
COLUMNS = ["id", "denominazione", "indirizzo", "per_conoscenza", "stato", "tentativi", "inviato",
           "accettato", "consegnato", "fallito", "errore"]


@dataclass
class StatusLine:
    row: Row
    running: bool = False     # a ``mail send`` is running on this act right now
    declared_uncertain: bool = False  # its last attempt ended without a reply

    @property
    def state_key(self) -> str:
        r = self.row
        if r.state != "sending":
            return r.state
        if self.declared_uncertain:
            return "uncertain"
        if self.running:
            return "sending"
        # left behind by a stopped run: re-sent if the data never went, else uncertain
        return "uncertain" if r.transmitted else "prepared"

    def as_dict(self) -> dict:
        r = self.row
        return {"id": r.recipient_id, "denominazione": r.denominazione,
                "indirizzo": r.address, "per_conoscenza": "sì" if r.header == "cc" else "no",
                "stato": LABELS[self.state_key], "tentativi": r.attempts,
                "inviato": r.sent_at or "", "accettato": r.accepted_at or "",
                "consegnato": r.delivered_at or "", "fallito": r.failed_at or "",
                "errore": r.last_error or ""}


def collect(act_dir: Path) -> list[StatusLine]:
    mail_dir = mail_dir_of(act_dir)
    with Journal.open_existing(mail_dir) as journal:
        running = sending_in_progress(mail_dir)
        rows = journal.rows()
        uncertain = journal.declared_uncertain() if any(r.state == "sending" for r in rows) \
            else set()
        return [StatusLine(r, running, r.recipient_id in uncertain) for r in rows]


def exit_code(lines: list[StatusLine]) -> int:
    if lines and all(line.row.state == "delivered" for line in lines):
        return EXIT_DELIVERED
    if any(line.row.state == "failed" for line in lines):
        return EXIT_FAILED
    return EXIT_PENDING


def summary(lines: list[StatusLine]) -> str:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.state_key] = counts.get(line.state_key, 0) + 1
    parts = [f"{LABELS[k]}: {counts[k]}" for k in LABELS if k in counts]
    return f"{len(lines)} messaggi — " + ", ".join(parts)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe (OWASP, CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(lines: list[StatusLine]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for line in lines:
        writer.writerow({k: csv_cell(v) for k, v in line.as_dict().items()})
    return buf.getvalue().encode("utf-8-sig")  # BOM: opens correctly in Excel


def write_csv(lines: list[StatusLine], path: Path) -> None:
    write_atomic(Path(path), csv_bytes(lines))


def _short(ts: str | None) -> str:
    """``2020-05-20T10:15:32+02:00`` -> ``2020-05-20 10:15:32 +02:00`` (zone kept: the
    provider's times come with theirs)."""
    if not ts:
        return ""
    zone = ts[23:] if ts[19:20] == "." else ts[19:]
    return f"{ts[:19].replace('T', ' ')} {zone}".strip()


def table(lines: list[StatusLine], title: str | None = None):
    from rich.table import Table
    from rich.text import Text

    styles = {"delivered": "green", "failed": "bold red", "uncertain": "yellow",
              "accepted": "cyan"}
    t = Table(title=Text(title) if title else None, show_lines=False)
    for col in ("Id", "Indirizzo PEC", "Invio", "Stato", "Inviato", "Accettato",
                "Consegnato", "Errore"):
        t.add_column(col, overflow="fold")
    for line in lines:
        r = line.row
        cells = (r.recipient_id, r.address, SENT_AS[r.header], LABELS[line.state_key],
                 _short(r.sent_at), _short(r.accepted_at), _short(r.delivered_at), r.last_error or "")
        # Text, not markup: a server's or a receipt's words may contain [brackets]
        t.add_row(*(Text(str(cell)) for cell in cells), style=styles.get(line.state_key))
    return t
