"""``mail prepare``: one .eml per recipient, the mail manifest and the journal rows.

Streaming: each message is written to a temporary file as soon as it is built, so memory
does not grow with the number of recipients. Idempotent: the Message-ID and the Date (first prepare time, kept in the journal)
are fixed, so preparing again gives byte-identical files and no duplicate rows.
Messages already handed to the server are never rewritten; if the new content
would differ from what was sent, prepare refuses.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from circolari.errors import CircolariError, Problem, fail
from circolari.mail.files import exclusive_lock, mail_dir_of
from circolari.output import temporary_file, write_atomic
from circolari.mail.journal import Journal, now
from circolari.mail.manifest import load_render_manifest
from circolari.mail.message import Attachment, MessageBuilder, attachment_name
from circolari.input.project import Project
from circolari.mail.signature import check_same_act, check_signed_file

MAX_MESSAGE_BYTES = 30 * 1024 * 1024  # PEC limit (size x recipients, one recipient here)


@dataclass
class PrepareReport:
    mail_dir: Path
    written: list[str] = field(default_factory=list)      # new or rewritten messages
    unchanged: list[str] = field(default_factory=list)    # already prepared, identical
    kept: list[str] = field(default_factory=list)         # already sent: left as they are
    withdrawn: list[str] = field(default_factory=list)    # no longer in the act
    warnings: list[str] = field(default_factory=list)


def _sha256_of(pieces: list[bytes]) -> str:
    h = hashlib.sha256()
    for piece in pieces:
        h.update(piece)
    return h.hexdigest()


def prepare(act_dir: Path, signed: Path, *, allow_unsigned: bool = False,
            allegati: list[Path] = (), template_dir: Path | None = None) -> PrepareReport:
    act_dir = Path(act_dir)
    manifest = load_render_manifest(act_dir)         # every PEC checked, nothing written
    for path in (signed, *allegati):
        attachment_name(path)                        # a name not in UTF-8: before any reading
    signed_kind = check_signed_file(Path(signed), allow_unsigned=allow_unsigned)
    check_same_act(Path(signed), signed_kind, manifest.act.name, manifest.files)
    attachments = [Attachment.from_file(Path(signed), "atto")]
    attachments += [Attachment.from_file(Path(a), "allegato") for a in allegati]
    names: dict[str, Path] = {}
    for att, src in zip(attachments, [signed, *allegati]):
        if att.name.lower() in names:
            raise fail(f"due allegati con lo stesso nome «{att.name}»", file=src,
                       hint="rinominare uno dei due file")
        names[att.name.lower()] = Path(src)
    if sum(len(a.data) for a in attachments) * 4 // 3 > MAX_MESSAGE_BYTES:
        raise fail("gli allegati superano il limite di 30 MB di un messaggio PEC",
                   file=signed, hint="ridurre o togliere gli allegati facoltativi")

    mail_dir = mail_dir_of(act_dir)
    report = PrepareReport(mail_dir=mail_dir)
    with exclusive_lock(mail_dir), Journal(mail_dir / "journal.sqlite") as journal:
        first = journal.meta("prepared_at")
        date = datetime.fromisoformat(first) if first else datetime.now().astimezone()
        builder = MessageBuilder(manifest.act, manifest.sender, attachments, date,
                                 template_dir or Project.locate(act_dir).templates)
        existing = {r.recipient_id: r for r in journal.rows()}
        wanted = {r.id for r in manifest.recipients}

        # Pass 1: each new message goes to a temporary file beside its target as it is
        # built (memory stays bounded whatever the number of recipients); nothing
        # replaces a file before every message is checked: a sent message that would
        # change refuses the whole run, and the temporary files are removed.
        plan = []
        conflicts: list[Problem] = []
        try:
            for seq, rcp in enumerate(manifest.recipients):
                mid, raw = builder.build_parts(rcp)     # pieces: nothing large copied
                if sum(map(len, raw)) > MAX_MESSAGE_BYTES:
                    raise fail("il messaggio supera il limite di 30 MB di un messaggio PEC",
                               file=signed, hint="ridurre gli allegati")
                digest = _sha256_of(raw)
                old = existing.get(rcp.id)
                if old is None or old.state == "prepared":
                    action = "unchanged" if old and old.eml_sha256 == digest and \
                        (mail_dir / old.eml).is_file() else "write"
                elif old.state == "failed" and old.address.lower() != rcp.pec.lower():
                    action = "write"                        # corrected address: new message
                elif old.eml_sha256 == digest or old.state == "failed":
                    action = "kept"
                else:
                    action = "conflict"
                    conflicts.append(Problem(
                        f"il messaggio per «{rcp.id}» è già stato inviato (stato {old.state}) "
                        "con un contenuto diverso", file=mail_dir / old.eml,
                        hint="per un atto modificato generare un nuovo atto (nuovo nome o "
                             "protocollo) invece di reinviare questo"))
                tmp = temporary_file(mail_dir / f"{rcp.id}.eml", raw) \
                    if action == "write" and not conflicts else None
                plan.append((seq, rcp, mid, tmp, digest, action))
                del raw
            if conflicts:
                raise CircolariError(conflicts)
        except BaseException:
            for *_, tmp, _digest, _action in plan:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
            raise

        # Pass 2: files into place (rename), then all journal rows in one transaction.
        for seq, rcp, mid, tmp, digest, action in plan:
            if tmp is not None:
                os.replace(tmp, mail_dir / f"{rcp.id}.eml")
        at = now()
        with journal.transaction() as db:
            if not first:
                journal.set_meta(db, "prepared_at", date.isoformat())
            journal.set_meta(db, "act", manifest.act.name)
            journal.set_meta(db, "sender", manifest.sender.pec)
            for seq, rcp, mid, _tmp, digest, action in plan:
                if action == "kept":
                    report.kept.append(rcp.id)
                    db.execute("UPDATE messages SET seq = ? WHERE recipient_id = ?",
                               (seq, rcp.id))
                    continue
                if action == "unchanged":
                    report.unchanged.append(rcp.id)
                    db.execute("UPDATE messages SET seq = ?, header = ?, denominazione = ? "
                               "WHERE recipient_id = ?",
                               (seq, rcp.header, rcp.denominazione, rcp.id))
                    continue
                report.written.append(rcp.id)
                db.execute(
                    "INSERT INTO messages (recipient_id, seq, address, header, denominazione,"
                    " message_id, eml, eml_sha256, state, transmitted, attempts,"
                    " prepared_at, updated_at) VALUES (?,?,?,?,?,?,?,?,'prepared',0,0,?,?)"
                    " ON CONFLICT(recipient_id) DO UPDATE SET seq=excluded.seq,"
                    " address=excluded.address, header=excluded.header,"
                    " denominazione=excluded.denominazione, message_id=excluded.message_id,"
                    " eml=excluded.eml, eml_sha256=excluded.eml_sha256, state='prepared',"
                    " transmitted=0, attempts=0, prepared_at=excluded.prepared_at,"
                    " sending_at=NULL, sent_at=NULL, accepted_at=NULL, delivered_at=NULL,"
                    " failed_at=NULL, last_error=NULL, smtp_reply=NULL,"
                    " updated_at=excluded.updated_at",
                    (rcp.id, seq, rcp.pec, rcp.header, rcp.denominazione, mid,
                     f"{rcp.id}.eml", digest, at, at))
                journal.record_event(db, rcp.id, "prepared", "prepared",
                               json.dumps({"message_id": mid, "address": rcp.pec,
                                           "eml_sha256": digest}), at)
            for rid, old in existing.items():
                if rid in wanted:
                    continue
                if old.state == "prepared":
                    db.execute("DELETE FROM messages WHERE recipient_id = ?", (rid,))
                    journal.record_event(db, rid, "withdrawn", None,
                                   "destinatario tolto dall'atto prima dell'invio", at)
                    report.withdrawn.append(rid)
                else:
                    report.warnings.append(
                        f"«{rid}» non è più tra i destinatari dell'atto ma il messaggio "
                        f"è già stato inviato (stato {old.state}): resta nel giornale")
        for rid in report.withdrawn:
            (mail_dir / f"{rid}.eml").unlink(missing_ok=True)

        rows = {r.recipient_id: r for r in journal.rows()}
        hashes = [{"name": a.name, "sha256": a.sha256} for a in attachments]   # once
        mail_manifest = {
            "format": 1,
            "act": manifest.act.__dict__,
            "sender": manifest.sender.__dict__,
            "prepared_at": date.isoformat(),
            "signed": {"name": attachments[0].name, "kind": signed_kind,
                       "unsigned_allowed": bool(allow_unsigned and signed_kind == "pdf")},
            "attachments": [{"name": a.name, "role": a.role, "sha256": a.sha256,
                             "size": len(a.data)} for a in attachments],
            "messages": [
                {"id": r.recipient_id, "address": r.address, "role": r.header,
                 "denominazione": r.denominazione, "file": r.eml,
                 "message_id": r.message_id, "sha256": r.eml_sha256,
                 "attachments": hashes}
                for r in sorted(rows.values(), key=lambda r: r.seq)],
        }
        write_atomic(mail_dir / "manifest.json",
                     json.dumps(mail_manifest, ensure_ascii=False, indent=1).encode("utf-8"),
                     fsync=True)
    return report

