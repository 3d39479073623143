"""``mail receipts``: read PEC receipts and settle the journal.

A PEC receipt (DPR 68/2005, DM 2/11/2005 technical rules, RFC 6109) is S/MIME-signed
by the provider and carries ``daticert.xml`` inside the signed part (``mail.daticert``).
Only the signed content is evidence: a receipt is applied when its signature verifies
and its signer chains to a trusted provider (``mail.smime``, ``--trust``: without a bundle
nothing proves who signed, so no receipt is applied: like ``verify``, never more generous
than the check made), its daticert names a
message of this journal (``msgid``), this sender (``mittente``), that message's address
(``consegna`` or ``destinatari``) and subject (``oggetto``), and the journal shows the
message was transmitted (a ``data-sent`` event). The unsigned headers ``X-Ricevuta`` and
``X-Riferimento-Message-ID`` must agree with the daticert when present. Anything else is
kept in ``mail/ricevute/non-abbinate/`` with a ``.motivo.txt`` and reported. Times in
the journal are the provider's, from the daticert, with their zone. Importing the same
receipt twice changes nothing.
"""

from __future__ import annotations

import email
import json
import mailbox
import re
from dataclasses import dataclass, field
from email import policy as email_policy
from pathlib import Path

from circolari.errors import fail
from circolari.mail import daticert, mime
from circolari.mail.files import exclusive_lock, mail_dir_of
from circolari.mail.journal import RANK, Journal, now
from circolari.mail.smime import Refused, Verifier
from circolari.output import sha256, write_atomic

KNOWN = {"accettazione", "non-accettazione", "presa-in-carico", "avvenuta-consegna",
         "errore-consegna", "preavviso-errore-consegna", "rilevazione-virus",
         "mancata-consegna"}
FAILURE = {"non-accettazione", "errore-consegna", "mancata-consegna"}
PER_RECIPIENT = {"avvenuta-consegna", "errore-consegna", "preavviso-errore-consegna",
                 "mancata-consegna", "rilevazione-virus"}


@dataclass
class Receipt:
    source: str                 # file name, or "<mbox>#n", for messages to the clerk
    raw: bytes
    dati: daticert.Daticert | None = None
    signer: str | None = None
    trusted: bool | None = None
    problem: str | None = None  # why it is not usable evidence

    @property
    def tipo(self) -> str | None:
        return self.dati.tipo if self.dati else None

    @property
    def msgid(self) -> str | None:
        return _norm_id(self.dati.msgid) if self.dati else None

    @property
    def key(self) -> str:
        """Identity for idempotence: the provider's id of the receipt, else its bytes."""
        if self.dati and self.dati.identificativo:
            return f"id:{self.dati.identificativo}:{self.tipo}"
        return f"sha256:{sha256(self.raw)}"


@dataclass
class ImportReport:
    applied: list[tuple[str, str, str]] = field(default_factory=list)  # (rid, tipo, state)
    duplicates: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)     # (source, reason)
    read: int | None = None     # messages read from an IMAP folder (None: files)


def unvouched(signer: str | None) -> str:
    """Why a receipt matching a message is not applied without a trust bundle."""
    return (f"ricevuta non verificabile: nessun certificato di fiducia dei gestori PEC, chi l'ha firmata "
            f"({signer}) non è verificato; importarla di nuovo con --trust gestori.pem "
            f"(o la variabile CIRCOLARI_PEC_TRUST)")


def _norm_id(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    m = re.search(r"<[^<>]+>", value)
    if m:
        return m.group(0)
    return f"<{value.strip('<> ')}>" if value.strip("<> ") else None


def parse_receipt(raw: bytes, source: str, verifier: Verifier) -> Receipt:
    """Verify and read one receipt; ``problem`` says why it cannot be used."""
    rec = Receipt(source=source, raw=raw)
    try:
        signed = verifier.verify(raw)
    except Refused as exc:
        rec.problem = str(exc)
        return rec
    except Exception as exc:  # malformed mail: keep and report it, never crash
        rec.problem = f"messaggio illeggibile ({exc.__class__.__name__})"
        return rec
    rec.signer, rec.trusted = signed.signer, signed.trusted
    try:
        outer = signed.outer
        xml = mime.find_attachment(signed.content, "daticert.xml")
    except Exception as exc:
        rec.problem = f"contenuto firmato illeggibile ({exc.__class__.__name__})"
        return rec
    if not xml:
        rec.problem = "manca daticert.xml nella parte firmata: non è una ricevuta PEC"
        return rec
    try:
        rec.dati = daticert.parse(xml)
    except daticert.DaticertError as exc:
        rec.problem = str(exc)
        return rec
    header_tipo = " ".join((outer.get("X-Ricevuta") or "").split()).lower()
    header_ref = _norm_id(outer.get("X-Riferimento-Message-ID"))
    if rec.tipo == "posta-certificata":
        rec.problem = "è un messaggio PEC ricevuto, non una ricevuta"
    elif rec.tipo not in KNOWN:
        rec.problem = f"tipo di ricevuta sconosciuto «{rec.tipo}»"
    elif rec.msgid is None:
        rec.problem = "la ricevuta non indica il Message-ID del messaggio originale"
    elif rec.dati.data is None:
        rec.problem = "daticert.xml senza data e ora del gestore"
    elif header_tipo and header_tipo != rec.tipo:
        rec.problem = (f"intestazione X-Ricevuta «{header_tipo}» diversa dal tipo firmato "
                       f"«{rec.tipo}»")
    elif header_ref and header_ref != rec.msgid:
        rec.problem = "X-Riferimento-Message-ID diverso dal msgid firmato nel daticert"
    return rec


# -- sources -----------------------------------------------------------------------------
def _read_file(path: Path, name: str):
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), factory=None, create=False)
        try:
            for i, key in enumerate(box.keys()):
                yield f"{name}#{i + 1}", box.get_bytes(key)
        finally:
            box.close()
    else:
        yield name, path.read_bytes()


def _plain(entry: Path) -> bool:
    """Read only visible regular files: links could lead outside the folder given, a FIFO would hang."""
    return not entry.name.startswith(".") and not entry.is_symlink() and entry.is_file()


def _read_maildir(root: Path, folder: Path):
    """A Maildir's messages (new/ and cur/) by key, as ``mailbox.Maildir`` names them."""
    found = {entry.name.split(":")[0]: entry for sub in ("new", "cur")
             for entry in (folder / sub).iterdir() if _plain(entry)}
    prefix = folder.relative_to(root.parent).as_posix()
    for key in sorted(found):
        yield f"{prefix}/{key}", found[key].read_bytes()


def _read_dir(root: Path, folder: Path):
    if all((folder / sub).is_dir() for sub in ("cur", "new", "tmp")):
        yield from _read_maildir(root, folder)
        return
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue   # links could lead outside the folder given
        if entry.is_dir():
            yield from _read_dir(root, entry)
        elif entry.is_file():
            yield from _read_file(entry, entry.relative_to(root).as_posix())


def read_source(path: Path):
    """Yield ``(source name, raw bytes)`` from a folder (nested folders, .eml files, mbox
    files, Maildirs), an mbox file or one .eml file."""
    path = Path(path)
    if path.is_dir():
        found = False
        for item in _read_dir(path, path):
            found = True
            yield item
        if not found:
            raise fail("nessun messaggio nella cartella delle ricevute", file=path,
                       hint="indicare una cartella di file .eml, un file mbox o una Maildir")
        return
    if not path.is_file():   # stat only: a FIFO or device is never opened (it would hang)
        what = ("non è un file normale né una cartella (è una coda FIFO, un dispositivo o simile)"
                if path.exists() else "ricevute non trovate")
        raise fail(what, file=path,
                   hint="indicare una cartella di file .eml, un file mbox o una Maildir")
    yield from _read_file(path, path.name)


# -- matching ----------------------------------------------------------------------------
def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:60]


def _same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


class _Subjects:
    """Decoded Subject of each prepared .eml: the raw header is read from the file, and
    each distinct raw value decoded once (a batch's messages share one subject)."""

    def __init__(self, mail_dir: Path):
        self.mail_dir = mail_dir
        self.decoded: dict[bytes, str] = {}
        self.by_file: dict[str, str | None] = {}

    def __call__(self, row) -> str | None:
        if row.eml not in self.by_file:
            self.by_file[row.eml] = self._read(row)
        return self.by_file[row.eml]

    def _read(self, row) -> str | None:
        raw = b""
        try:
            with open(self.mail_dir / row.eml, "rb") as f:
                for line in f:
                    if line in (b"\r\n", b"\n"):
                        break
                    if raw and line[:1] in (b" ", b"\t"):
                        raw += line
                    elif raw:
                        break
                    elif line[:8].lower() == b"subject:":
                        raw = line
        except OSError:
            return None
        if not raw:
            return None
        if raw not in self.decoded:
            msg = email.message_from_bytes(raw + b"\r\n", policy=email_policy.default)
            self.decoded[raw] = str(msg["Subject"])
        return self.decoded[raw]


@dataclass
class _Facts:
    """What the matching needs from the journal, read once per import (under its lock)."""
    sender: str | None
    transmitted: set[str]         # recipients with a data-sent event
    subject_of: _Subjects


def _mismatch(facts: _Facts, row, rec: Receipt) -> str | None:
    """Why the signed daticert does not describe this journal's message, if it does not."""
    d = rec.dati
    if not d.mittente or not _same(d.mittente, facts.sender):
        return f"mittente «{d.mittente}» diverso dal mittente dell'invio"
    if rec.tipo in PER_RECIPIENT:
        if not _same(d.consegna, row.address):
            return (f"destinatario della ricevuta «{d.consegna}» diverso da quello del "
                    f"messaggio ({row.address})")
    elif not any(_same(x, row.address) for x in d.destinatari):
        return f"il messaggio a {row.address} non è tra i destinatari della ricevuta"
    subject = facts.subject_of(row)
    if d.oggetto is not None and subject is not None and not _same(d.oggetto, subject):
        return "oggetto della ricevuta diverso da quello del messaggio inviato"
    if row.recipient_id not in facts.transmitted:
        return ("ricevuta per un messaggio che questo giornale non ha mai trasmesso "
                "(es. un invio di prova precedente): non applicata")
    return None


BATCH = 200   # receipts made durable together: one disk flush and one commit per batch


def import_receipts(act_dir: Path, source, *, trust: Path | None = None,
                    verifier: Verifier | None = None, finish=None) -> ImportReport:
    """Import receipts from ``source``: a path (``read_source``) or an iterable of
    ``(source name, raw bytes)``. ``finish(journal, db)`` runs in the last transaction
    (the IMAP import records its high-water mark there)."""
    mail_dir = mail_dir_of(act_dir)
    report = ImportReport()
    verifier = verifier or Verifier(trust)
    journal = Journal.open_existing(mail_dir)
    messages = read_source(Path(source)) if isinstance(source, (str, Path)) else source
    store = mail_dir / "ricevute"
    with exclusive_lock(mail_dir), journal:
        facts = _Facts(sender=journal.meta("sender"), transmitted=journal.transmitted(),
                       subject_of=_Subjects(mail_dir))
        batch: list[tuple[object, Receipt, str]] = []
        keys: set[str] = set()
        for name, raw in messages:
            rec = parse_receipt(raw, name, verifier)
            row = None
            reason = rec.problem
            if reason is None:
                row = journal.by_message_id(rec.msgid)
                reason = (f"nessun messaggio con Message-ID {rec.msgid}" if row is None
                          else _mismatch(facts, row, rec))
            if reason is None and rec.trusted is not True:
                reason = unvouched(rec.signer)   # decided by state: no bundle, no proof
            if reason is not None:
                base = store / "non-abbinate" / sha256(raw)[:16]
                write_atomic(base.with_suffix(".eml"), raw)
                write_atomic(base.with_suffix(".motivo.txt"),
                             f"{name}: {reason}\n".encode("utf-8"))
                report.unmatched.append((name, reason))
                continue
            if rec.key in keys or journal.db.execute(
                    "SELECT 1 FROM receipts WHERE key = ?", (rec.key,)).fetchone():
                report.duplicates.append(name)
                continue
            keys.add(rec.key)
            evidence = store / (f"{row.recipient_id}.{_safe(rec.tipo)}."
                                f"{sha256(raw)[:12]}.eml")
            write_atomic(evidence, raw)
            batch.append((row, rec, evidence.relative_to(mail_dir).as_posix()))
            if len(batch) >= BATCH:
                _commit(journal, store, batch, report)
        _commit(journal, store, batch, report, finish)
    return report


def _flush(folder: Path) -> None:
    """Make the files just written under ``folder`` durable: syncfs(2) of its file
    system (one call for a whole batch), else sync(2)."""
    import ctypes
    import os

    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        os.sync()
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, "syncfs", None) is None or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _commit(journal: Journal, store: Path, batch: list, report: ImportReport,
            finish=None) -> None:
    """Evidence on disk first, then the batch's effects in one transaction."""
    if not batch and finish is None:
        return
    if batch:
        _flush(store)
    with journal.transaction() as db:
        for row, rec, evidence in batch:
            current = journal.row(row.recipient_id)   # earlier receipts of this batch
            state = _apply(journal, db, current, rec, evidence)
            report.applied.append((row.recipient_id, rec.tipo, state))
        if finish is not None:
            finish(journal, db)
    batch.clear()


def _apply(journal: Journal, db, row, rec: Receipt, evidence: str) -> str:
    """Record the receipt and move the message forward (never backwards)."""
    d = rec.dati
    detail = json.dumps({"tipo": rec.tipo, "ricevuta": d.ricevuta, "errore": d.errore,
                         "data": d.data, "consegna": d.consegna,
                         "errore_esteso": d.errore_esteso, "identificativo": d.identificativo,
                         "firmatario": rec.signer, "attendibile": rec.trusted,
                         "file": evidence, "fonte": rec.source}, ensure_ascii=False)
    fields: dict = {}
    state = row.state
    ahead = RANK.get(state, 0)
    if rec.tipo == "accettazione":
        if row.accepted_at is None:
            fields["accepted_at"] = d.data      # also when the consegna came first
        if state != "failed" and ahead < RANK["accepted"]:
            fields.update(state="accepted", transmitted=0)
    elif rec.tipo == "avvenuta-consegna":
        if state != "delivered":
            fields = {"state": "delivered", "delivered_at": d.data, "transmitted": 0,
                      "last_error": None}
    elif rec.tipo in FAILURE:
        if state != "delivered":
            text = d.errore_esteso or d.errore or rec.tipo
            fields = {"state": "failed", "failed_at": d.data, "transmitted": 0,
                      "last_error": f"{rec.tipo}: {text}"}
    elif rec.tipo in ("preavviso-errore-consegna", "rilevazione-virus"):
        if state not in ("failed", "delivered"):   # a warning never hides the outcome
            fields = {"last_error":
                      f"{rec.tipo}: {d.errore_esteso or d.errore or ''}".strip()}
    at = now()
    if fields:
        values = dict(fields, updated_at=at)
        db.execute(f"UPDATE messages SET {', '.join(f'{k} = ?' for k in values)} "
                   "WHERE recipient_id = ?", (*values.values(), row.recipient_id))
        state = fields.get("state", state)
    journal.record_event(db, row.recipient_id, f"receipt:{rec.tipo}", state, detail, at)
    db.execute("INSERT INTO receipts (key, recipient_id, tipo, file, imported_at) "
               "VALUES (?, ?, ?, ?, ?)", (rec.key, row.recipient_id, rec.tipo, evidence, at))
    return state
