"""``mail send``: send the prepared messages, resumably, recording every step.

Resumption rule (docs/mail.md): at start, a message left in ``sending`` by a killed
run is re-queued when ``transmitted = 0`` (the server never got the end-of-data
marker, so it cannot have the message) and held as *uncertain* when
``transmitted = 1`` (it may have it): an uncertain message is only settled by a PEC
receipt (``mail receipts``) or re-sent on explicit request (``--reinvia-incerti``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import fail
from circolari.output import sha256
from circolari.mail.files import exclusive_lock, mail_dir_of, sending_mark
from circolari.mail.journal import NOW, Journal, Row
from circolari.mail.smtp import (Connection, PermanentError, SenderRejected, SmtpSettings,
                                 TransientError, Uncertain)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    postponed: list[tuple[str, str]] = field(default_factory=list)  # temporary errors
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)   # found in 'sending', safe to resend
    already: int = 0                                     # sent earlier, nothing to do
    planned: list[Row] = field(default_factory=list)     # dry run


@dataclass
class Link:
    """One SMTP connection and its pace kept across batches (a letter series sends each letter's
    batch over it); whoever made it closes ``conn``."""

    conn: Connection | None = None
    next_start: float = 0.0


def parse_rate(text: str | None) -> float | None:
    """``"30/min"``, ``"30"`` -> messages per minute; None or 0 -> no limit."""
    if text is None or str(text).strip() in ("", "0"):
        return None
    raw = str(text).strip().lower().removesuffix("/min").strip()
    try:
        value = float(raw)
    except ValueError:
        raise fail(f"velocità «{text}» non valida", field="--rate",
                   hint="indicare messaggi al minuto, es. --rate 30/min") from None
    if value <= 0:
        raise fail(f"velocità «{text}» non valida", field="--rate",
                   hint="indicare un numero positivo, es. --rate 30/min")
    return value


def _payload(mail_dir: Path, row: Row) -> bytes:
    """The prepared message of ``row``, checked against the journal's hash."""
    path = mail_dir / row.eml
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("messaggio preparato mancante", file=path,
                   hint="rieseguire 'circolari mail prepare'") from None
    if sha256(raw) != row.eml_sha256:
        raise fail("il messaggio è stato modificato dopo la preparazione", file=path,
                   hint="rieseguire 'circolari mail prepare' (i file .eml non vanno "
                        "modificati a mano)")
    return raw


def _check_all(mail_dir: Path, queue: list[Row]) -> None:
    """Every message still to send is present and intact, before any connection (each is
    read again, and checked again, when its turn comes: memory stays bounded)."""
    for row in queue:
        _payload(mail_dir, row)


def resolve_interrupted(journal: Journal, *, resend_uncertain: bool, dry_run: bool,
                        report: SendReport) -> None:
    """Apply the resumption rule to messages a previous run left in ``sending``."""
    for row in journal.rows():
        if row.state != "sending":
            continue
        if not row.transmitted or resend_uncertain:
            report.requeued.append(row.recipient_id)
            if not dry_run:
                kind = "resend-uncertain" if row.transmitted else "requeued"
                journal.change(row.recipient_id, kind,
                               "ripreso dopo un'interruzione" if not row.transmitted else
                               "reinvio richiesto dall'operatore (--reinvia-incerti)",
                               expect=("sending",), state="prepared", transmitted=0)
        else:
            why = row.last_error or "invio interrotto dopo la trasmissione completa"
            report.uncertain.append((row.recipient_id, why))
            last = journal.events(row.recipient_id)[-1]["kind"]
            if not dry_run and last != "uncertain":
                journal.change(row.recipient_id, "uncertain", why)


def send_batch(act_dir: Path, settings: SmtpSettings | None, *, dry_run: bool = False,
               rate_per_min: float | None = None, max_attempts: int = 5,
               backoff: float = 2.0, max_backoff: float = 60.0,
               resend_uncertain: bool = False, progress=None, on_wait=None,
               stop_after_421: int = 5, sleep=time.sleep, link: Link | None = None) -> SendReport:
    """Send every message in state ``prepared``; see the module docstring.

    ``progress(rid, outcome)`` after each message; ``on_wait(rid, seconds, why)`` before
    each retry wait. ``stop_after_421`` consecutive 421 replies (the server is refusing
    service) stop the batch with an error instead of retrying on (0: never). ``link`` keeps the
    connection open and the pace for the next batch."""
    mail_dir = mail_dir_of(act_dir)
    report = SendReport()
    journal = Journal.open_existing(mail_dir)
    with exclusive_lock(mail_dir), journal, sending_mark(mail_dir):
        sender = journal.meta("sender")
        resolve_interrupted(journal, resend_uncertain=resend_uncertain, dry_run=dry_run,
                            report=report)
        rows = journal.rows()
        queue = [r for r in rows if r.state == "prepared" or
                 (dry_run and r.recipient_id in report.requeued)]
        report.already = sum(r.state in ("sent", "accepted", "delivered") for r in rows)
        if dry_run:
            report.planned = queue
            return report
        if not queue:
            return report
        _check_all(mail_dir, queue)
        conn: Connection | None = link.conn if link else None
        interval = 60.0 / rate_per_min if rate_per_min else 0.0
        next_start = link.next_start if link else 0.0
        in_a_row_421 = 0
        try:
            for row in queue:
                rid = row.recipient_id
                if interval:
                    wait = next_start - time.monotonic()
                    if wait > 0:
                        sleep(wait)
                    next_start = time.monotonic() + interval
                payload = _payload(mail_dir, row)
                attempts = row.attempts
                tries = 0
                outcome = None
                while outcome is None:
                    tries += 1
                    try:
                        if conn is None:
                            conn = Connection(settings)
                            conn.open()
                        attempts += 1
                        # Not synced: lost only with a power cut before data-sent, when
                        # the server holds at most an unfinished transaction.
                        journal.change(rid, "send-attempt", f"tentativo {attempts}",
                                       state="sending", transmitted=0, attempts=attempts,
                                       sending_at=NOW, durable=False)
                        # Synced before the end-of-data marker: never sent twice.
                        reply = conn.send(sender, row.address, payload,
                                          lambda: journal.change(rid, "data-sent",
                                                                 transmitted=1))
                    except TransientError as exc:
                        if journal.row(rid).state == "sending":
                            journal.change(rid, "temp-failure", exc.text, state="prepared",
                                           transmitted=0, last_error=exc.text)
                        if exc.reconnect and conn is not None:
                            conn.close()
                            conn = None
                        in_a_row_421 = in_a_row_421 + 1 if exc.code == 421 else 0
                        if stop_after_421 and in_a_row_421 >= stop_after_421:
                            raise fail(
                                f"il server {settings.where()} ha risposto {in_a_row_421} "
                                f"volte di seguito 421 (servizio non disponibile): invio "
                                f"sospeso. Ultima risposta: {exc.text}",
                                field="CIRCOLARI_SMTP_HOST",
                                hint="rilanciare più tardi 'circolari mail send': riprende "
                                     "da dove si è fermato") from None
                        if tries >= max_attempts:
                            if journal.row(rid).attempts == row.attempts:
                                # never reached the server: the connection itself fails
                                raise fail(
                                    f"impossibile inviare a {settings.where()}: {exc.text}",
                                    field="CIRCOLARI_SMTP_HOST",
                                    hint="controllare server, porta e rete, poi rilanciare "
                                         "'circolari mail send' (riprende da dove si è "
                                         "fermato)") from None
                            report.postponed.append((rid, exc.text))
                            outcome = "postponed"
                        else:
                            wait = min(max_backoff, backoff * 2 ** (tries - 1))
                            if on_wait is not None:
                                on_wait(rid, wait, exc.text)
                            sleep(wait)
                    except Uncertain as exc:
                        journal.change(rid, "uncertain", exc.text, last_error=exc.text)
                        report.uncertain.append((rid, exc.text))
                        conn.close()
                        conn = None
                        outcome = "uncertain"
                    except SenderRejected as exc:
                        journal.change(rid, "temp-failure", exc.text, state="prepared",
                                       transmitted=0, last_error=exc.text)
                        raise fail(f"il server ha rifiutato il mittente {sender}: {exc.text}",
                                   field="sender.pec",
                                   hint="controllare che l'utente SMTP sia la casella PEC "
                                        "del mittente") from None
                    except PermanentError as exc:
                        journal.change(rid, "failed", exc.text, state="failed",
                                       transmitted=0, failed_at=NOW, last_error=exc.text)
                        report.failed.append((rid, exc.text))
                        outcome = "failed"
                    else:
                        in_a_row_421 = 0
                        # Not synced: a power cut can only turn it back into "incerto"
                        # (data-sent is on disk), never into a resend.
                        journal.change(rid, "sent", reply, state="sent", sent_at=NOW,
                                       smtp_reply=reply, last_error=None, durable=False)
                        report.sent.append(rid)
                        outcome = "sent"
                if progress is not None:
                    progress(rid, outcome)
        finally:
            if link is not None:
                link.conn, link.next_start = conn, next_start
            elif conn is not None:
                conn.close()
    return report
