"""The PEC batch's SQLite journal (mail/journal.py)."""

from __future__ import annotations

import sqlite3

from circolari.mail.journal import SCHEMA, Journal
from circolari.mail.status import collect


def test_journal_written_with_the_old_role_column_is_read_and_renamed(tmp_path):
    """Regression: the column with a message's To/Cc header was called ``role`` beside the
    registry's ``ruolo``; a journal written then still opens, reads and updates."""
    mail = tmp_path / "atto" / "mail"
    mail.mkdir(parents=True)
    old_schema = SCHEMA.replace("    header        TEXT NOT NULL CHECK (header IN ('to', 'cc')),",
                                "    role          TEXT NOT NULL CHECK (role IN ('to', 'cc')),")
    assert old_schema != SCHEMA
    db = sqlite3.connect(mail / "journal.sqlite")
    db.executescript(old_schema)
    db.execute("INSERT INTO messages (recipient_id, seq, address, role, denominazione, message_id, eml,"
               " eml_sha256, state, updated_at) VALUES ('areu', 1, 'protocollo@pec.areu.lombardia.it', 'cc',"
               " 'AREU', '<m1@circolari>', 'areu.eml', 'x', 'prepared', '2020-10-26T12:00:00+01:00')")
    db.commit()
    db.close()
    with Journal.open_existing(mail) as journal:
        assert journal.row("areu").header == "cc"
        assert journal.change("areu", "sent", state="sent", expect=("prepared",))
        assert journal.row("areu").state == "sent"
    columns = {row[1] for row in sqlite3.connect(mail / "journal.sqlite").execute("PRAGMA table_info(messages)")}
    assert "header" in columns and "role" not in columns
    line = collect(tmp_path / "atto")[0]
    assert line.as_dict()["per_conoscenza"] == "sì" and "ruolo" not in line.as_dict()
