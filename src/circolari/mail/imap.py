"""``mail receipts --imap``: read PEC receipts from the sender's mailbox over IMAP.

Read-only: the folder is opened with EXAMINE and messages are read with BODY.PEEK[], so
the server changes no flag. Incremental: the journal's ``meta`` keeps, per mailbox, its
UIDVALIDITY and the highest UID read; the next import asks only for later UIDs. A new
UIDVALIDITY means the server renumbered the folder: everything is read again, and the
receipts already imported are recognised as duplicates. Everything new is downloaded to
an anonymous spool file in the mail folder before anything is applied, so a network
failure changes nothing. The receipts then go through the same checks as files
(``mail.receipts``); the new high-water mark is committed with the last of them.
Implicit TLS only (``imaps://``, port 993), certificate and host name always verified.
"""

from __future__ import annotations

import base64
import imaplib
import json
import re
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from circolari.errors import CircolariError, fail
from circolari.mail.journal import Journal
from circolari.mail.files import mail_dir_of
from circolari.mail.receipts import ImportReport, import_receipts
from circolari.mail.smime import Verifier
from circolari.mail.tls import client_context

DEFAULT_PORT = 993
CHUNK = 100           # messages per UID FETCH
URL_HINT = "scrivere imaps://utente@server[:porta]/CARTELLA (la cartella di solito è INBOX)"


@dataclass(frozen=True)
class Mailbox:
    user: str
    host: str
    port: int
    folder: str

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def key(self) -> str:
        """The journal's ``meta`` key of this mailbox's high-water mark."""
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_url(url: str) -> Mailbox:
    """``imaps://user@host[:port]/FOLDER``; the user may hold an ``@`` (a PEC address)."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    if scheme == "imap":
        raise fail("IMAP senza TLS non è ammesso: la password viaggerebbe in chiaro",
                   field="--imap", hint="usare imaps:// (TLS, di solito porta 993)")
    if scheme != "imaps":
        raise fail(f"indirizzo IMAP «{url}» non valido", field="--imap", hint=URL_HINT)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise fail(f"porta non valida nell'indirizzo IMAP «{url}»", field="--imap",
                   hint=URL_HINT) from None
    if parts.password is not None:
        raise fail("la password non va scritta nell'indirizzo IMAP", field="--imap",
                   hint="toglierla dall'indirizzo e impostare CIRCOLARI_IMAP_PASSWORD, o "
                        "inserirla quando viene chiesta")
    user = unquote(parts.username or "")
    if not parts.hostname or not user:
        raise fail(f"indirizzo IMAP «{url}» senza server o senza utente", field="--imap",
                   hint=URL_HINT)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if parts.query or parts.fragment or re.search(r"[\x00-\x1f\x7f]", user + folder):
        raise fail(f"indirizzo IMAP «{url}» non valido", field="--imap", hint=URL_HINT)
    return Mailbox(user=user, host=parts.hostname, port=port, folder=folder)


def folder_name(folder: str) -> str:
    """A folder name as an IMAP quoted string, in modified UTF-7 (RFC 3501 §5.1.3)."""
    out, run = [], []

    def flush():
        if run:
            b64 = base64.b64encode("".join(run).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + b64.replace(b"/", b",").decode("ascii") + "-")
            run.clear()

    for ch in folder:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    text = "".join(out)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- download ------------------------------------------------------------------------------
@dataclass
class Download:
    """What the server holds beyond the journal's mark, spooled: ``(uid, offset, size)``."""
    uidvalidity: int
    last_uid: int
    spool: object
    index: list[tuple[int, int, int]] = field(default_factory=list)

    def messages(self, folder: str):
        for uid, offset, size in self.index:
            self.spool.seek(offset)
            yield f"imap:{folder}#{uid}", self.spool.read(size)


class _Step:
    """Where the exchange is: the failure's meaning depends on it, not on its text."""
    def __init__(self):
        self.now = "connect"


def _fetched(data) -> list[tuple[int, bytes]]:
    """``(uid, message)`` pairs of a UID FETCH response (UID before or after the body)."""
    out: list[list] = []
    for item in data:
        if isinstance(item, tuple):
            m = re.search(rb"\bUID (\d+)", item[0])
            out.append([int(m.group(1)) if m else None, item[1]])
        elif isinstance(item, bytes) and out and out[-1][0] is None:
            m = re.search(rb"\bUID (\d+)", item)
            if m:
                out[-1][0] = int(m.group(1))
    if any(uid is None or body is None for uid, body in out):
        raise imaplib.IMAP4.abort("FETCH response without UID")
    return [(uid, body) for uid, body in out]


def _login(conn, box: Mailbox, password: str) -> None:
    if "AUTH=PLAIN" in conn.capabilities:   # UTF-8 user names and passwords too
        data = b"\0" + box.user.encode("utf-8") + b"\0" + password.encode("utf-8")
        conn.authenticate("PLAIN", lambda _challenge: data)
    else:
        try:
            conn.login(box.user, password)
        except UnicodeEncodeError:
            raise fail(f"il server {box.where} accetta solo utente e password in ASCII",
                       field="CIRCOLARI_IMAP_PASSWORD",
                       hint="controllare utente e password della casella") from None


def _check(typ: str, data, what: str) -> None:
    if typ != "OK":
        text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise imaplib.IMAP4.error(f"{what}: {typ} {text}")


def _exchange(conn, box: Mailbox, password: str, mark: tuple[int, int] | None,
              spool, step: _Step) -> Download:
    step.now = "login"
    _login(conn, box, password)
    step.now = "select"
    typ, data = conn.select(folder_name(box.folder), readonly=True)   # EXAMINE
    _check(typ, data, "EXAMINE")
    exists = data[-1]
    step.now = "read"
    _, values = conn.response("UIDVALIDITY")
    try:
        uidvalidity = int(values[-1])
    except (TypeError, ValueError, IndexError):
        raise fail(f"il server {box.where} non indica UIDVALIDITY per la cartella "
                   f"«{box.folder}»", field="--imap",
                   hint="il server non è conforme a IMAP4rev1: importare le ricevute "
                        "salvate in una cartella o in un file mbox") from None
    last = mark[1] if mark and mark[0] == uidvalidity else 0
    # One short line per message (a SEARCH answer is one line, which imaplib caps at 1 MB);
    # "n:*" also names the last message when n is beyond it.
    uids = []
    if exists not in (b"0", "0", None):
        typ, data = conn.uid("FETCH", f"{last + 1}:*", "(UID)")
        _check(typ, data, "UID FETCH")
        uids = sorted({int(m.group(1)) for d in data if isinstance(d, bytes)
                       for m in [re.search(rb"\bUID (\d+)", d)] if m})
        uids = [u for u in uids if u > last]
    got = Download(uidvalidity=uidvalidity, last_uid=last, spool=spool)
    for i in range(0, len(uids), CHUNK):
        wanted = uids[i:i + CHUNK]
        typ, data = conn.uid("FETCH", ",".join(map(str, wanted)), "(UID BODY.PEEK[])")
        _check(typ, data, "UID FETCH")
        for uid, body in _fetched(data):
            if uid in wanted:
                got.index.append((uid, spool.tell(), len(body)))
                spool.write(body)
                got.last_uid = max(got.last_uid, uid)
    spool.flush()
    step.now = "logout"
    return got


def download(box: Mailbox, password: str, mark: tuple[int, int] | None, spool, *,
             cafile: str | None = None, timeout: float = 60.0) -> Download:
    """Every message of ``box`` after ``mark`` (uidvalidity, uid), written to ``spool``.

    Any failure is an Italian error raised before anything is applied."""
    context = client_context(cafile, field="--imap-ca")
    step = _Step()
    conn = None
    try:
        conn = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=timeout)
        got = _exchange(conn, box, password, mark, spool, step)
    except BaseException as exc:
        if conn is not None:
            try:
                conn.shutdown()
            except OSError:
                pass
        if isinstance(exc, Exception) and not isinstance(exc, CircolariError):
            raise _failure(exc, box, step.now, timeout) from None
        raise
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        pass                # everything is read; a failed goodbye changes nothing
    return got


def _failure(exc: Exception, box: Mailbox, step: str, timeout: float):
    where = box.where
    if isinstance(exc, ssl.SSLCertVerificationError):
        return fail(f"il certificato TLS del server IMAP {where} non è verificabile "
                    f"({exc.verify_message})", field="--imap",
                    hint="controllare il nome del server; per un server di prova o interno "
                         "indicare il suo certificato (o la sua CA) con --imap-ca")
    if isinstance(exc, TimeoutError):
        return fail(f"il server IMAP {where} non ha risposto entro {timeout:g} s",
                    field="--imap", hint="controllare la rete e il server, poi riprovare "
                                         "(--imap-timeout per attendere di più)")
    if isinstance(exc, ssl.SSLError):
        return fail(f"connessione TLS con il server IMAP {where} non riuscita "
                    f"({exc.reason or exc.__class__.__name__})", field="--imap",
                    hint="controllare porta e server: serve IMAP su TLS (imaps, di solito "
                         "porta 993)")
    if isinstance(exc, ConnectionRefusedError):
        return fail(f"connessione rifiutata dal server IMAP {where}", field="--imap",
                    hint="controllare il nome del server e la porta (di solito 993)")
    if isinstance(exc, socket.gaierror):
        return fail(f"server IMAP «{box.host}» non trovato", field="--imap",
                    hint="controllare il nome del server e la connessione di rete")
    if isinstance(exc, imaplib.IMAP4.abort) or (isinstance(exc, OSError)
                                                and step != "connect"):
        return fail(f"il server IMAP {where} ha interrotto la connessione",
                    field="--imap", hint="riprovare; nulla è stato importato")
    if isinstance(exc, imaplib.IMAP4.error) and step == "login":
        return fail(f"accesso rifiutato dal server IMAP {where} per l'utente {box.user}",
                    field="CIRCOLARI_IMAP_PASSWORD",
                    hint="controllare utente (nell'indirizzo) e password della casella")
    if isinstance(exc, imaplib.IMAP4.error) and step == "select":
        return fail(f"la cartella «{box.folder}» non esiste sul server IMAP {where} o non "
                    "è leggibile", field="--imap",
                    hint="indicare la cartella dopo il nome del server, es. .../INBOX")
    if isinstance(exc, imaplib.IMAP4.error):
        return fail(f"il server IMAP {where} ha rifiutato la lettura delle ricevute",
                    field="--imap", hint="riprovare; nulla è stato importato")
    if isinstance(exc, OSError):
        from circolari.os_errors import os_problem

        reason = os_problem(exc).message
        return fail(f"connessione al server IMAP {where} non riuscita ({reason})",
                    field="--imap", hint="controllare il nome del server, la porta e la rete")
    return exc


# -- import --------------------------------------------------------------------------------
def _mark(value: str | None) -> tuple[int, int] | None:
    try:
        data = json.loads(value) if value else None
        return (int(data["uidvalidity"]), int(data["uid"])) if data else None
    except (ValueError, KeyError, TypeError):
        return None            # unreadable: read everything again (imports are idempotent)


def import_imap(act_dir: Path, url: str, password: str, *, trust: Path | None = None,
                cafile: str | None = None, timeout: float = 60.0,
                verifier: Verifier | None = None) -> ImportReport:
    """Download the receipts that arrived since the last import, then import them."""
    box = parse_url(url)
    mail_dir = mail_dir_of(act_dir)
    verifier = verifier or Verifier(trust)  # a bad --trust file is reported before connecting
    with Journal.open_existing(mail_dir) as journal:
        mark = _mark(journal.meta(box.key))
    with tempfile.TemporaryFile(dir=mail_dir, prefix=".imap-") as spool:
        got = download(box, password, mark, spool, cafile=cafile, timeout=timeout)

        def record(journal: Journal, db) -> None:
            now = _mark(journal.meta(box.key))
            uid = got.last_uid
            if now and now[0] == got.uidvalidity:
                uid = max(uid, now[1])      # a concurrent import may have read further
            journal.set_meta(db, box.key, json.dumps({"uidvalidity": got.uidvalidity,
                                                      "uid": uid}))

        # Without a trust bundle nothing is applied: the mark stays, so that an import with
        # --trust reads these messages again.
        report = import_receipts(act_dir, got.messages(box.folder), verifier=verifier,
                                 finish=record if verifier.roots is not None else None)
    report.read = len(got.index)
    return report
