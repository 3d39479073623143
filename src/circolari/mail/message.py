"""Build one RFC 5322 message per recipient (stdlib ``email``, policy SMTP).

Header values coming from data (denominazione, oggetto, protocollo) are cleaned of
CR/LF and other control characters, then encoded by ``mail.headers`` so that they
decode back to exactly that text: data can never add a header or an address. The body comes from a sandboxed Jinja template; data is passed as values
and is never itself rendered as a template.
"""

from __future__ import annotations

import hashlib
import os
import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from email import policy as email_policy
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from pathlib import Path

from circolari.errors import CircolariError, fail
from circolari.input.files import regular_file
from circolari.kinds import label as kind_label
from circolari.mail.headers import address_value, set_address, set_text, text_value
from circolari.mail.manifest import Act, Recipient, Sender
from circolari.model.pec import pec_problem

# CRLF line ends; headers carrying data are pre-folded by mail.headers and emitted verbatim.
POLICY = email_policy.SMTP.clone(refold_source="none")
MESSAGE_ID_DOMAIN = "circolari.local"
TEMPLATE_NAME = "mail/messaggio.txt.j2"

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")


def clean_header_text(value: str) -> str:
    """One line of text safe for a header: control characters (CR, LF, TAB...) become spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def message_id(act: Act, recipient_id: str, address: str) -> str:
    """Deterministic Message-ID: the same act to the same body always has the same id."""
    key = "\x1f".join([act.kind, act.name, act.protocollo or "", act.numero or "",
                       recipient_id, address.lower()])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def subject_for(act: Act) -> str:
    oggetto = clean_header_text(act.oggetto)
    if act.protocollo and clean_header_text(act.protocollo):
        return f"Prot. {clean_header_text(act.protocollo)} - {oggetto}"
    return oggetto


def attachment_name(path: Path) -> str:
    """The file name ``path`` gives its attachment; an Italian error naming the file (its
    undecodable bytes shown as ``\\xNN``) when the name is not UTF-8."""
    name = Path(path).name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes kept by surrogateescape
        raise fail("il nome del file non è in codifica UTF-8: non può diventare il nome "
                   "dell'allegato nel messaggio PEC",
                   file=os.fsencode(path).decode("utf-8", "backslashreplace"),
                   hint="rinominare il file usando solo lettere, cifre, '-' e '_' "
                        "e indicarlo con il nuovo nome") from None
    return name


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    maintype: str
    subtype: str
    role: str  # "atto" (the signed act) or "allegato"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def from_file(cls, path: Path, role: str) -> "Attachment":
        path = Path(path)
        regular_file(path, "allegato")
        name = clean_header_text(attachment_name(path))
        lower = name.lower()
        if lower.endswith(".p7m"):
            maintype, subtype = "application", "pkcs7-mime"
        elif lower.endswith(".pdf"):
            maintype, subtype = "application", "pdf"
        else:
            guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
            maintype, subtype = guessed.split("/", 1)
            if maintype in ("text", "multipart", "message"):
                # Sent as opaque bytes: no charset guessing, no re-encoding of the file.
                maintype, subtype = "application", "octet-stream"
        return cls(name=name, data=path.read_bytes(), maintype=maintype, subtype=subtype,
                   role=role)


@lru_cache(maxsize=8)
def _environment(directory: Path):
    """The sandbox of one message-template folder, kept for the process: Jinja compiles the
    template once and again only when its file changes (a series builds one message set per letter)."""
    from jinja2 import StrictUndefined

    from circolari.compose.jinja import confined_loader
    from circolari.compose.sandbox import Sandbox

    return Sandbox(loader=confined_loader(directory), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=True)


def _load_template(directory: Path):
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    env = _environment(Path(directory).resolve())
    try:
        return env.get_template(TEMPLATE_NAME)
    except TemplateNotFound:
        raise fail("modello del messaggio non trovato", file=directory / TEMPLATE_NAME,
                   hint="il file fa parte di circolari (cartella templates/); "
                        "oppure indicare la cartella con CIRCOLARI_TEMPLATES") from None
    except TemplateSyntaxError as exc:
        raise fail(f"errore di sintassi nel modello del messaggio: {exc.message}",
                   file=directory / TEMPLATE_NAME, line=exc.lineno) from None


def _render_body(template, context: dict) -> str:
    """The message text, with the same bounds and Italian errors as the acts' templates."""
    from circolari.compose.sandbox import TemplateLimit, bounded_render, runtime_message

    try:
        return bounded_render(template, context)
    except CircolariError:  # already Italian and located (an included template linked outside)
        raise
    except Exception as exc:  # any runtime error or limit of the clerk-editable template
        message = str(exc) if isinstance(exc, TemplateLimit) else runtime_message(exc)
        raise fail(message, file=Path(template.filename or TEMPLATE_NAME),
                   hint="correggere il modello del messaggio PEC") from None


def _italian_date(iso: str | None) -> str | None:
    if not iso:
        return None
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


_TEXT_HEAD = ('Content-Type: text/plain; charset="utf-8"\r\n'
              "Content-Transfer-Encoding: quoted-printable\r\n\r\n")


def _field(name: str, value: str) -> str:
    """A pre-folded header line as the generator writes it (``refold_source='none'``)."""
    return f"{name}: " + "\r\n".join(value.splitlines()) + "\r\n"


def _quoted_printable(text: str) -> bytes:
    """The text part's body as ``set_content(..., cte='quoted-printable')`` encodes it
    and the generator writes it (CRLF line ends)."""
    lines = text.encode("utf-8").splitlines()
    data = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"),
                                  POLICY.max_line_length)
    return re.sub(r"\r\n|\r|\n", "\r\n", data).encode("ascii")


class MessageBuilder:
    """Builds the per-recipient messages of one act; shared parts are encoded once."""

    def __init__(self, act: Act, sender: Sender, attachments: list[Attachment],
                 date: datetime, template_directory: Path):
        self.act = act
        self.sender = sender
        self.attachments = attachments
        self.date_header = format_datetime(date)
        self.subject = subject_for(act)
        self.from_address = Address(display_name=clean_header_text(sender.denominazione),
                                    addr_spec=sender.pec)
        self.template = _load_template(template_directory)
        self._parts = []
        for att in attachments:
            part = MIMEPart(policy=POLICY)
            part.set_content(att.data, maintype=att.maintype, subtype=att.subtype,
                             disposition="attachment", filename=att.name)
            self._parts.append(part)
        self._encoded_parts = [p.as_bytes(policy=POLICY) for p in self._parts]
        self._fixed_head = [_field("From", address_value("From", self.from_address)),
                            _field("Reply-To", address_value("Reply-To", self.from_address)),
                            _field("Subject", text_value("Subject", self.subject)),
                            _field("Date", self.date_header)]

    def body_text(self, recipient: Recipient) -> str:
        act = self.act
        context = {
            "act": {
                "kind": act.kind,
                "descrizione": kind_label(act.kind),
                "name": act.name,
                "oggetto": clean_header_text(act.oggetto),
                "date": _italian_date(act.date),
                "protocollo": act.protocollo,
                "numero": act.numero,
            },
            "sender": {"denominazione": clean_header_text(self.sender.denominazione),
                       "pec": self.sender.pec},
            "recipient": {
                "id": recipient.id,
                "denominazione": clean_header_text(recipient.denominazione),
                "ruolo": clean_header_text(recipient.ruolo) if recipient.ruolo else None,
                "pec": recipient.pec,
                "per_conoscenza": recipient.per_conoscenza,
            },
            "attachments": [{"name": a.name, "role": a.role} for a in self.attachments],
        }
        return _render_body(self.template, context)

    def build(self, recipient: Recipient) -> tuple[str, bytes]:
        """Return ``(message_id, raw bytes)`` of the message to ``recipient``."""
        mid, parts = self.build_parts(recipient)
        return mid, b"".join(parts)

    def build_parts(self, recipient: Recipient) -> tuple[str, list[bytes]]:
        """``(message_id, pieces)``: the message is ``b"".join(pieces)``; the large
        attachment parts are shared, encoded once per batch, never copied.

        The bytes are those the stdlib generator makes of ``build_plain``'s message
        (a property test checks it for any data), assembled directly: the per-message
        cost is the template and a few headers, not a MIME tree and its header parser."""
        mid = message_id(self.act, recipient.id, recipient.pec)
        head = [self._fixed_head[0], self._fixed_head[1],
                _field("To", address_value("To", self._to(recipient))),
                self._fixed_head[2], self._fixed_head[3],
                _field("Message-ID", mid),
                _field("X-Circolari-Destinatario",
                       text_value("X-Circolari-Destinatario", recipient.id)),
                _field("X-Circolari-Ruolo", self._role(recipient))]
        text = _quoted_printable(self.body_text(recipient))
        if not self._parts:
            head.append(_TEXT_HEAD.replace("\r\n\r\n", "\r\nMIME-Version: 1.0\r\n\r\n"))
            return mid, ["".join(head).encode("ascii"), text]
        # Deterministic boundary: the same inputs give byte-identical .eml files.
        boundary = "=_circolari_" + mid[1:25]
        head.append(f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; '
                    f'boundary="{boundary}"\r\n\r\n--{boundary}\r\n{_TEXT_HEAD}')
        out = ["".join(head).encode("ascii"), text]
        delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
        for part in self._encoded_parts:
            out += [delimiter, part]
        out.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
        return mid, out

    @staticmethod
    def _to(recipient: Recipient) -> Address:
        name = clean_header_text(recipient.denominazione)
        if pec_problem(recipient.pec) is None:
            # Already a plain dot-atom address (the manifest's check): the same Address
            # as from addr_spec, without running the header parser once per message.
            local, _, domain = recipient.pec.rpartition("@")
            return Address(display_name=name, username=local, domain=domain)
        return Address(display_name=name, addr_spec=recipient.pec)   # parsed, or refused

    @staticmethod
    def _role(recipient: Recipient) -> str:
        return "per conoscenza" if recipient.per_conoscenza else "destinatario"

    def _headers_and_text(self, recipient: Recipient, mid: str) -> EmailMessage:
        msg = EmailMessage(policy=POLICY)
        set_address(msg, "From", self.from_address)
        set_address(msg, "Reply-To", self.from_address)
        set_address(msg, "To", self._to(recipient))
        set_text(msg, "Subject", self.subject)
        # Plain ASCII values (a formatted date, our Message-ID, a recipient id checked by
        # the manifest): stored as they are, without the header parser's cost.
        msg.set_raw("Date", self.date_header)
        msg.set_raw("Message-ID", mid)
        set_text(msg, "X-Circolari-Destinatario", recipient.id)
        msg.set_raw("X-Circolari-Ruolo", self._role(recipient))
        msg.set_content(self.body_text(recipient), subtype="plain", charset="utf-8",
                        cte="quoted-printable")
        return msg

    def build_plain(self, recipient: Recipient) -> bytes:
        """Reference build through the generator alone (used by the tests)."""
        mid = message_id(self.act, recipient.id, recipient.pec)
        msg = self._headers_and_text(recipient, mid)
        if self._parts:
            msg.make_mixed()
            for part in self._parts:
                msg.attach(part)
            msg.set_boundary("=_circolari_" + mid[1:25])
        return msg.as_bytes(policy=POLICY)
