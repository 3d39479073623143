"""``mail receipts``: read PEC receipts and settle the journal.

A PEC receipt (DPR 68/2005, DM 2/11/2005 technical rules, RFC 6109) carries the
header ``X-Ricevuta`` (accettazione, non-accettazione, presa-in-carico,
avvenuta-consegna, errore-consegna, preavviso-errore-consegna, rilevazione-virus),
``X-Riferimento-Message-ID`` (the original Message-ID) and an attachment
``daticert.xml``::

    <postacert tipo="avvenuta-consegna" errore="nessuno">
      <intestazione><mittente/><destinatari tipo="certificato"/><risposte/><oggetto/>
      </intestazione>
      <dati><gestore-emittente/><data zona="+0100"><giorno/><ora/></data>
        <identificativo/><msgid>&lt;original@id&gt;</msgid><ricevuta tipo="completa"/>
        <consegna/><errore-esteso/></dati>
    </postacert>

The message is matched by the daticert ``msgid`` first, the header as fallback. Every
receipt is copied into ``mail/ricevute/`` (``ricevute/non-abbinate/`` when it matches
nothing); importing the same receipt twice changes nothing.
"""

from __future__ import annotations

import email
import json
import mailbox
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email import policy as email_policy
from pathlib import Path

from circolari.errors import fail
from circolari.mail.files import exclusive_lock, sha256_bytes, write_atomic
from circolari.mail.journal import NOW, Journal, now
from circolari.mail.prepare import mail_dir_of

KNOWN = {"accettazione", "non-accettazione", "presa-in-carico", "avvenuta-consegna",
         "errore-consegna", "preavviso-errore-consegna", "rilevazione-virus",
         "mancata-consegna", "posta-certificata"}
FAILURE = {"non-accettazione", "errore-consegna", "mancata-consegna"}


@dataclass
class Receipt:
    source: str                 # file name, or "mbox:<key>", for messages to the clerk
    raw: bytes
    tipo: str | None = None
    errore: str | None = None
    msgid: str | None = None
    identificativo: str | None = None
    consegna: str | None = None
    errore_esteso: str | None = None
    data: str | None = None
    problem: str | None = None  # why it is not a usable receipt

    @property
    def key(self) -> str:
        """Identity for idempotence: the provider's id of the receipt, else its bytes."""
        if self.identificativo:
            return f"id:{self.identificativo}:{self.tipo}"
        return f"sha256:{sha256_bytes(self.raw)}"


@dataclass
class ImportReport:
    applied: list[tuple[str, str, str]] = field(default_factory=list)  # (rid, tipo, state)
    duplicates: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)     # (source, reason)


def _norm_id(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    m = re.search(r"<[^<>]+>", value)
    if m:
        return m.group(0)
    return f"<{value.strip('<> ')}>" if value.strip("<> ") else None


def _walk(part):
    """Parts of a message, without descending into attached messages (postacert.eml)."""
    yield part
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            yield from _walk(sub)


def _daticert(msg) -> bytes | None:
    for part in _walk(msg):
        name = (part.get_filename() or "").lower()
        if name == "daticert.xml" or (part.get_content_type() in ("application/xml",
                                                                   "text/xml")
                                      and not name.endswith(".eml")):
            payload = part.get_payload(decode=True)
            if payload and b"postacert" in payload:
                return payload
    return None


def _text(el, path: str) -> str | None:
    found = el.find(path)
    if found is None or found.text is None:
        return None
    return " ".join(found.text.split()) or None


def parse_receipt(raw: bytes, source: str) -> Receipt:
    rec = Receipt(source=source, raw=raw)
    try:
        msg = email.message_from_bytes(raw, policy=email_policy.default)
        header_tipo = (msg.get("X-Ricevuta") or "").strip().lower() or None
        header_ref = _norm_id(msg.get("X-Riferimento-Message-ID"))
        xml = _daticert(msg)
    except Exception as exc:  # malformed mail: keep and report it, never crash
        rec.problem = f"messaggio illeggibile ({exc.__class__.__name__})"
        return rec
    if xml is not None:
        if b"<!ENTITY" in xml.upper():
            rec.problem = "daticert.xml con entità XML: rifiutato"
            return rec
        try:
            root = ET.fromstring(xml)
        except ET.ParseError as exc:
            rec.problem = f"daticert.xml non valido ({exc})"
            root = None
        if root is not None and root.tag == "postacert":
            rec.tipo = (root.get("tipo") or "").strip().lower() or None
            rec.errore = root.get("errore")
            rec.msgid = _norm_id(_text(root, "dati/msgid"))
            rec.identificativo = _text(root, "dati/identificativo")
            rec.consegna = _text(root, "dati/consegna")
            rec.errore_esteso = _text(root, "dati/errore-esteso")
            giorno, ora = _text(root, "dati/data/giorno"), _text(root, "dati/data/ora")
            if giorno and ora:
                zona = root.find("dati/data")
                rec.data = f"{giorno} {ora} {zona.get('zona', '') if zona is not None else ''}"
            rec.problem = None
    rec.tipo = rec.tipo or header_tipo
    rec.msgid = rec.msgid or header_ref
    if rec.problem:
        return rec
    if rec.tipo is None:
        rec.problem = "non è una ricevuta PEC (manca X-Ricevuta e daticert.xml)"
    elif rec.tipo == "posta-certificata":
        rec.problem = "è un messaggio PEC ricevuto, non una ricevuta"
    elif rec.tipo not in KNOWN:
        rec.problem = f"tipo di ricevuta sconosciuto «{rec.tipo}»"
    elif rec.msgid is None:
        rec.problem = "la ricevuta non indica il Message-ID del messaggio originale"
    return rec


def read_source(path: Path):
    """Yield ``(source name, raw bytes)`` from a folder of .eml, a Maildir or an mbox."""
    path = Path(path)
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path.name}/{key}", box.get_bytes(key)
            return
        files = sorted(p for p in path.iterdir()
                       if p.is_file() and not p.name.startswith("."))
        if not files:
            raise fail("nessun file .eml nella cartella delle ricevute", file=path,
                       hint="indicare una cartella di file .eml, un file mbox o una Maildir")
        for p in files:
            yield p.name, p.read_bytes()
        return
    if not path.is_file():
        raise fail("ricevute non trovate", file=path,
                   hint="indicare una cartella di file .eml, un file mbox o una Maildir")
    with open(path, "rb") as f:
        head = f.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), factory=None, create=False)
        try:
            for i, key in enumerate(box.keys()):
                yield f"{path.name}#{i + 1}", box.get_bytes(key)
        finally:
            box.close()
    else:
        yield path.name, path.read_bytes()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:60]


def import_receipts(act_dir: Path, source: Path) -> ImportReport:
    mail_dir = mail_dir_of(act_dir)
    report = ImportReport()
    journal = Journal.open_existing(mail_dir)
    store = mail_dir / "ricevute"
    with exclusive_lock(mail_dir), journal:
        for name, raw in read_source(Path(source)):
            rec = parse_receipt(raw, name)
            row = journal.by_message_id(rec.msgid) if rec.msgid and not rec.problem else None
            if row is None:
                reason = rec.problem or f"nessun messaggio con Message-ID {rec.msgid}"
                write_atomic(store / "non-abbinate" / f"{sha256_bytes(raw)[:16]}.eml", raw,
                             fsync=True)
                report.unmatched.append((name, reason))
                continue
            if journal.db.execute("SELECT 1 FROM receipts WHERE key = ?",
                                  (rec.key,)).fetchone():
                report.duplicates.append(name)
                continue
            evidence = store / (f"{row.recipient_id}.{_safe(rec.tipo)}."
                                f"{sha256_bytes(raw)[:12]}.eml")
            write_atomic(evidence, raw, fsync=True)
            state = _apply(journal, row, rec, evidence.relative_to(mail_dir).as_posix())
            report.applied.append((row.recipient_id, rec.tipo, state))
    return report


def _apply(journal: Journal, row, rec: Receipt, evidence: str) -> str:
    """Record the receipt and move the message forward (never backwards)."""
    detail = json.dumps({"tipo": rec.tipo, "errore": rec.errore, "data": rec.data,
                         "consegna": rec.consegna, "errore_esteso": rec.errore_esteso,
                         "identificativo": rec.identificativo, "file": evidence,
                         "fonte": rec.source}, ensure_ascii=False)
    fields: dict = {}
    state = row.state
    if rec.tipo == "accettazione":
        if state in ("prepared", "sending", "sent"):
            fields = {"state": "accepted", "accepted_at": NOW, "transmitted": 0}
    elif rec.tipo == "avvenuta-consegna":
        if state != "delivered":
            fields = {"state": "delivered", "delivered_at": NOW, "transmitted": 0,
                      "last_error": None}
    elif rec.tipo in FAILURE:
        if state != "delivered":
            text = rec.errore_esteso or rec.errore or rec.tipo
            fields = {"state": "failed", "failed_at": NOW, "transmitted": 0,
                      "last_error": f"{rec.tipo}: {text}"}
    elif rec.tipo in ("preavviso-errore-consegna", "rilevazione-virus"):
        fields = {"last_error": f"{rec.tipo}: {rec.errore_esteso or rec.errore or ''}".strip()}
    with journal.transaction() as db:
        at = now()
        if fields:
            values = {k: (at if v is NOW else v) for k, v in fields.items()}
            values["updated_at"] = at
            db.execute(f"UPDATE messages SET {', '.join(f'{k} = ?' for k in values)} "
                       "WHERE recipient_id = ?", (*values.values(), row.recipient_id))
            state = fields.get("state", state)
        journal._event(db, row.recipient_id, f"receipt:{rec.tipo}", state, detail, at)
        db.execute("INSERT INTO receipts (key, recipient_id, tipo, file, imported_at) "
                   "VALUES (?, ?, ?, ?, ?)", (rec.key, row.recipient_id, rec.tipo, evidence, at))
    return state

