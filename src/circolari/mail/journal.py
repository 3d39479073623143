"""The mailing journal: ``out/<act>/mail/journal.sqlite`` (SQLite, WAL).

``messages`` holds the current state of each recipient's message; ``events`` is an
append-only log of facts (triggers refuse UPDATE and DELETE). Every state change is
written in the same transaction as the event that caused it.

States: prepared -> sending -> sent -> accepted -> delivered, or failed. A message in
``sending`` carries ``transmitted``: 0 while the message body has not been completely
handed to the server (the server cannot have it: re-sending is safe), 1 from just before
the end-of-data marker is written (the server may have it: *uncertain*, never re-sent
blindly). See docs/mail.md.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from circolari.errors import fail

STATES = ("prepared", "sending", "sent", "accepted", "delivered", "failed")
# Progress order; receipts never move a message backwards.
RANK = {"prepared": 0, "sending": 1, "sent": 2, "accepted": 3, "delivered": 4}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    recipient_id  TEXT PRIMARY KEY,
    seq           INTEGER NOT NULL,
    address       TEXT NOT NULL,
    header        TEXT NOT NULL CHECK (header IN ('to', 'cc')),  -- the address's header, as Recipient.header
    denominazione TEXT NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    eml           TEXT NOT NULL,
    eml_sha256    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN
                  ('prepared', 'sending', 'sent', 'accepted', 'delivered', 'failed')),
    transmitted   INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    prepared_at   TEXT,
    sending_at    TEXT,
    sent_at       TEXT,
    accepted_at   TEXT,
    delivered_at  TEXT,
    failed_at     TEXT,
    updated_at    TEXT NOT NULL,
    last_error    TEXT,
    smtp_reply    TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    recipient_id TEXT,
    kind         TEXT NOT NULL,
    state        TEXT,
    detail       TEXT
);
CREATE INDEX IF NOT EXISTS events_recipient ON events (recipient_id);
CREATE TABLE IF NOT EXISTS receipts (
    key          TEXT PRIMARY KEY,
    recipient_id TEXT,
    tipo         TEXT,
    file         TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
"""


WAL_PAGES = 100


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="milliseconds")


@dataclass
class Row:
    recipient_id: str
    seq: int
    address: str
    header: str  # "to", or "cc" for a body per conoscenza
    denominazione: str
    message_id: str
    eml: str
    eml_sha256: str
    state: str
    transmitted: int
    attempts: int
    prepared_at: str | None
    sending_at: str | None
    sent_at: str | None
    accepted_at: str | None
    delivered_at: str | None
    failed_at: str | None
    updated_at: str
    last_error: str | None
    smtp_reply: str | None

    @property
    def uncertain(self) -> bool:
        return self.state == "sending" and bool(self.transmitted)


_SQLITE = {"FULL": 13, "IOERR": 10, "CANTOPEN": 14, "READONLY": 8, "PERM": 3, "BUSY": 5, "LOCKED": 6}


def journal_failure(exc: sqlite3.Error, path: Path):
    """The clerk's message for a SQLite error on the journal, decided by SQLite's error code and,
    where it does not say why (an I/O error), by the state of the disk: full, read-only or damaged."""
    import errno

    from circolari.os_errors import disk_state, os_failure

    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (_SQLITE["FULL"], _SQLITE["IOERR"], _SQLITE["CANTOPEN"], _SQLITE["READONLY"]):
        state = errno.ENOSPC if code == _SQLITE["FULL"] else disk_state(Path(path).parent)
        if state is None:
            state = {_SQLITE["READONLY"]: errno.EROFS, _SQLITE["CANTOPEN"]: errno.EACCES}.get(code, errno.EIO)
        return os_failure(OSError(state, "", str(path)))
    if code == _SQLITE["PERM"]:
        return os_failure(OSError(errno.EACCES, "", str(path)))
    if code in (_SQLITE["BUSY"], _SQLITE["LOCKED"]):
        return fail("il giornale degli invii è in uso da un altro comando", file=path,
                    hint="attendere che finisca, poi ripetere il comando")
    return fail("il giornale degli invii è danneggiato o non è un giornale di circolari", file=path,
                hint="non modificarlo a mano; ripristinarlo da una copia")


class Journal:
    """One open journal; use as a context manager or call ``close()``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed state survives a power cut too, not only a killed process.
            self.db.execute("PRAGMA synchronous=FULL")
            # A small WAL is reset often, so its commits overwrite pages already on
            # disk: syncing them costs a fraction of syncing a growing file.
            self.db.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
            columns = {c["name"] for c in self.db.execute("PRAGMA table_info(messages)")}
            if "role" in columns:  # written before the column was named like Recipient.header
                self.db.execute("ALTER TABLE messages RENAME COLUMN role TO header")
        except sqlite3.Error as exc:
            raise journal_failure(exc, self.path) from None

    @classmethod
    def open_existing(cls, mail_dir: Path) -> "Journal":
        path = Path(mail_dir) / "journal.sqlite"
        if not path.is_file():
            raise fail("nessun invio preparato per questo atto", file=path,
                       hint="eseguire prima 'circolari mail prepare'")
        return cls(path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        self.close()
        if isinstance(exc, sqlite3.Error):
            raise journal_failure(exc, self.path) from None

    # -- transactions -------------------------------------------------------------
    @contextmanager
    def transaction(self, *, durable: bool = True):
        """One transaction. ``durable``: on disk when it returns (fsync of the WAL);
        otherwise it survives a killed process but a power cut may lose it, until the
        next durable commit, which makes every earlier one durable too (the WAL is
        written and synced in order)."""
        if not durable:
            self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
        finally:
            if not durable:
                self.db.execute("PRAGMA synchronous=FULL")

    def record_event(self, db, recipient_id: str | None, kind: str, state: str | None,
                     detail: str | None, at: str) -> None:
        db.execute("INSERT INTO events (at, recipient_id, kind, state, detail) "
                   "VALUES (?, ?, ?, ?, ?)", (at, recipient_id, kind, state, detail))

    def change(self, recipient_id: str, kind: str, detail: str | None = None, *,
               expect: tuple[str, ...] | None = None, durable: bool = True,
               **fields) -> bool:
        """Record event ``kind`` and apply ``fields`` to the message, atomically.

        ``expect``: apply only when the current state is one of these (the event is
        recorded anyway, with the state left as it was). ``durable``: see
        ``transaction``. Returns whether it applied.
        """
        at = now()
        with self.transaction(durable=durable) as db:
            cur = db.execute("SELECT state FROM messages WHERE recipient_id = ?",
                             (recipient_id,)).fetchone()
            if cur is None:
                raise KeyError(recipient_id)
            applies = expect is None or cur["state"] in expect
            if applies and fields:
                fields = {k: (at if v is NOW else v) for k, v in fields.items()}
                fields["updated_at"] = at
                cols = ", ".join(f"{k} = ?" for k in fields)
                db.execute(f"UPDATE messages SET {cols} WHERE recipient_id = ?",
                           (*fields.values(), recipient_id))
            new_state = fields.get("state", cur["state"]) if applies else cur["state"]
            self.record_event(db, recipient_id, kind, new_state, detail, at)
        return applies

    # -- reads --------------------------------------------------------------------
    def rows(self) -> list[Row]:
        return [Row(**dict(r)) for r in
                self.db.execute("SELECT * FROM messages ORDER BY seq, recipient_id")]

    def row(self, recipient_id: str) -> Row | None:
        r = self.db.execute("SELECT * FROM messages WHERE recipient_id = ?",
                            (recipient_id,)).fetchone()
        return Row(**dict(r)) if r else None

    def by_message_id(self, message_id: str) -> Row | None:
        r = self.db.execute("SELECT * FROM messages WHERE message_id = ?",
                            (message_id,)).fetchone()
        return Row(**dict(r)) if r else None

    def events(self, recipient_id: str | None = None) -> list[dict]:
        if recipient_id is None:
            cur = self.db.execute("SELECT * FROM events ORDER BY id")
        else:
            cur = self.db.execute("SELECT * FROM events WHERE recipient_id = ? ORDER BY id",
                                  (recipient_id,))
        return [dict(r) for r in cur]

    def transmitted(self) -> set[str]:
        """Recipients whose end of data was ever (about to be) written."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT recipient_id FROM events WHERE kind = 'data-sent'")}

    def declared_uncertain(self) -> set[str]:
        """Recipients whose last send attempt was recorded as uncertain."""
        cur = self.db.execute(
            "SELECT recipient_id FROM events GROUP BY recipient_id HAVING "
            "MAX(CASE WHEN kind = 'uncertain' THEN id END) > "
            "MAX(CASE WHEN kind = 'send-attempt' THEN id END)")
        return {r[0] for r in cur}

    def meta(self, key: str) -> str | None:
        r = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return r["value"] if r else None

    def set_meta(self, db, key: str, value: str) -> None:
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


class _Now:
    """Marker: 'the transaction's timestamp' as a field value."""

    def __repr__(self) -> str:
        return "NOW"


NOW = _Now()
