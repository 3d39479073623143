"""SMTP transport for PEC: TLS only (implicit on 465, or STARTTLS), authenticated.

``Connection.send`` runs one SMTP transaction and tells the caller, through
``before_end_of_data``, the last moment at which the server certainly does not have
the message: the whole body has been written except the end-of-data marker
(``CRLF.CRLF``); after that the outcome is only known from the server's reply.
Errors are classified: ``TransientError`` (4xx, or a dropped connection or timeout
before the end-of-data marker: retry), ``PermanentError`` (5xx: the message fails with
the server's text), ``SenderRejected`` (5xx to MAIL FROM: the whole batch stops) and
``Uncertain``: once the end-of-data marker may have left, anything but an explicit
2xx/4xx/5xx reply (a reset, an orderly close, a timeout, a garbled reply) means the
server may have the message; it is never re-sent automatically. The decision follows
the state of the exchange (was the marker's write attempted?), never an exception's text.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from circolari.errors import fail
from circolari.mail.tls import client_context

LOCAL_HOSTNAME = "circolari.local"


@dataclass
class SmtpSettings:
    host: str
    port: int
    security: str = "ssl"            # "ssl" (implicit TLS) or "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    timeout: float = 60.0

    def where(self) -> str:
        return f"{self.host}:{self.port}"


class TransientError(Exception):
    def __init__(self, text: str, *, reconnect: bool, code: int | None = None):
        super().__init__(text)
        self.text = text
        self.reconnect = reconnect
        self.code = code            # the server's reply code, None for a network failure


class PermanentError(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class SenderRejected(PermanentError):
    pass


class Uncertain(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


def _text(resp) -> str:
    if isinstance(resp, bytes):
        resp = resp.decode("utf-8", "replace")
    return " ".join(str(resp).split())


def _causes(exc: BaseException):
    """``exc`` and the exceptions it was raised from or while handling."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _describe(exc: BaseException) -> str:
    chain = list(_causes(exc))
    if any(isinstance(e, TimeoutError) for e in chain):
        return "tempo di attesa scaduto (il server non risponde)"
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return "connessione interrotta dal server (reset)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "il server ha chiuso la connessione"
    if isinstance(exc, ConnectionRefusedError):
        return "connessione rifiutata"
    if isinstance(exc, ssl.SSLError):
        return f"errore TLS ({exc.reason or exc})"
    return f"errore di rete ({exc.__class__.__name__}: {exc})"


def dot_stuff(data: bytes) -> bytes:
    """CRLF line ends, leading dots doubled, ending with CRLF (RFC 5321 §4.5.2). A
    prepared message is CRLF already and seldom has a line starting with a dot: two
    counts and a search tell, instead of rewriting it twice."""
    crlf = data.count(b"\r\n")
    if not (crlf == data.count(b"\r") == data.count(b"\n")):
        data = re.sub(rb"\r\n|\n|\r", b"\r\n", data)
    if data.startswith(b".") or b"\n." in data:
        data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


class Connection:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        ctx = client_context(s.cafile, field="CIRCOLARI_SMTP_CAFILE")
        try:
            if s.security == "ssl":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, local_hostname=LOCAL_HOSTNAME,
                                             timeout=s.timeout, context=ctx)
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, local_hostname=LOCAL_HOSTNAME,
                                         timeout=s.timeout)
                self.smtp.ehlo()
                if not self.smtp.has_extn("starttls"):
                    self.close()
                    raise fail(f"il server {s.where()} non offre STARTTLS: la PEC richiede "
                               "una connessione cifrata", field="CIRCOLARI_SMTP_SECURITY",
                               hint="usare CIRCOLARI_SMTP_SECURITY=ssl e la porta 465")
                self.smtp.starttls(context=ctx)
                self.smtp.ehlo()
            # Commands and the end-of-data marker are small writes that must not wait
            # for the peer's delayed ACK (Nagle): one round trip per command, no more.
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.user:
                self.smtp.login(s.user, s.password or "")
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise fail(f"il certificato del server {s.where()} non è verificabile "
                       f"({exc.verify_message})", field="CIRCOLARI_SMTP_HOST",
                       hint="controllare il nome del server; per un server di prova indicare "
                            "il certificato con CIRCOLARI_SMTP_CAFILE") from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise fail(f"autenticazione rifiutata dal server {s.where()} "
                       f"({exc.smtp_code} {_text(exc.smtp_error)})", field="CIRCOLARI_SMTP_USER",
                       hint="controllare utente e password della casella PEC") from None
        except smtplib.SMTPNotSupportedError:
            self.close()
            raise fail(f"il server {s.where()} non accetta l'autenticazione",
                       field="CIRCOLARI_SMTP_USER", hint="controllare host e porta") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise TransientError(f"connessione a {s.where()}: {text}",
                                     reconnect=True, code=exc.smtp_code) from None
            raise fail(f"il server {s.where()} ha rifiutato la connessione ({text})",
                       hint="controllare le impostazioni CIRCOLARI_SMTP_*") from None
        except smtplib.SMTPServerDisconnected as exc:
            self.close()
            raise TransientError(f"connessione a {s.where()}: {_describe(exc)}",
                                 reconnect=True) from None
        except smtplib.SMTPException as exc:  # e.g. no authentication method in common: retrying won't help
            self.close()
            raise fail(f"il server {s.where()} non permette l'accesso: {exc}", field="CIRCOLARI_SMTP_USER",
                       hint="controllare host, porta e sicurezza (CIRCOLARI_SMTP_*)") from None
        except OSError as exc:
            self.close()
            raise TransientError(f"connessione a {s.where()}: {_describe(exc)}",
                                 reconnect=True) from None

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            if smtp.sock is not None:
                smtp.sock.settimeout(min(self.settings.timeout, 5))
                smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        finally:
            smtp.close()

    def _refused(self, stage: str, code: int, resp) -> Exception:
        text = f"{code} {_text(resp)}"
        if code == 421 or not (400 <= code < 600):
            return TransientError(f"{stage}: {text}", reconnect=True, code=code)
        if code < 500:
            try:
                self.smtp.rset()
            except OSError:
                return TransientError(f"{stage}: {text}", reconnect=True, code=code)
            return TransientError(f"{stage}: {text}", reconnect=False, code=code)
        if stage == "MAIL FROM":
            return SenderRejected(f"{stage}: {text}")
        if stage != "fine DATA":
            try:
                self.smtp.rset()
            except OSError:
                pass
        return PermanentError(f"{stage}: {text}")

    def send(self, from_addr: str, to_addr: str, data: bytes, before_end_of_data) -> str:
        """Send ``data``; return the server's acceptance reply text."""
        smtp = self.smtp
        payload = dot_stuff(data)
        try:
            code, resp = smtp.mail(from_addr)
            if code != 250:
                raise self._refused("MAIL FROM", code, resp)
            code, resp = smtp.rcpt(to_addr)
            if code not in (250, 251):
                raise self._refused("RCPT TO", code, resp)
            code, resp = smtp.docmd("DATA")
            if code != 354:
                raise self._refused("DATA", code, resp)
            smtp.send(payload)
        except OSError as exc:
            raise TransientError(_describe(exc), reconnect=True) from None
        before_end_of_data()
        # From here on the marker may reach the server (even a failed write may have
        # sent part of it): without an explicit reply the outcome is unknown.
        try:
            smtp.send(b".\r\n")
            code, resp = smtp.getreply()
        except OSError as exc:   # reset, orderly close, timeout, TLS error alike
            raise Uncertain(f"nessuna risposta dopo la fine dei dati: {_describe(exc)}") \
                from None
        if 200 <= code < 300:
            return f"{code} {_text(resp)}"
        if 400 <= code < 600:
            raise self._refused("fine DATA", code, resp)
        raise Uncertain(f"risposta non valida dopo la fine dei dati: {code} {_text(resp)}")
