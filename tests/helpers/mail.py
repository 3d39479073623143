"""Test helpers for the mail package: fixtures on disk, a TLS SMTP server with
fault injection, PEC receipts built per the technical rules. Not a conftest on purpose."""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import signal
import ssl
import tempfile
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's chatter
SRC = Path(__file__).resolve().parents[2] / "src"
USER, PASSWORD = "welfare@regione.pec.test", "s3greta-di-prova"
SENDER = {"denominazione": "Regione Lombardia - Direzione Generale Welfare",
          "pec": "welfare@regione.pec.test"}


# -- the render's manifest -------------------------------------------------------------
def recipients(n: int = 34) -> list[dict]:
    """n-1 addressees plus one 'per conoscenza' (AREU), fictitious .pec.test domains."""
    out = [{"id": f"asst-{i:02d}", "denominazione": f"ASST di prova {i:02d}",
            "ruolo": "Direttore Generale", "pec": f"protocollo@asst-{i:02d}.pec.test",
            "per_conoscenza": False} for i in range(1, n)]
    out.append({"id": "areu", "denominazione": "AREU - Agenzia Regionale Emergenza Urgenza",
                "ruolo": "Direttore Generale", "pec": "protocollo@areu.pec.test",
                "per_conoscenza": True})
    return out


def make_act(root: Path, n: int = 34, *, name: str = "nota-plasma-iperimmune-2020",
             oggetto: str = "Plasma iperimmune: indicazioni operative",
             protocollo: str | None = "G1.2020.0012345", sender: dict | None = None,
             recips: list[dict] | None = None, pad: int = 20000) -> Path:
    act_dir = Path(root) / "out" / name
    act_dir.mkdir(parents=True, exist_ok=True)
    pdf = act_dir / f"{name}.pdf"
    pdf.write_bytes(pdf_bytes(signed=False, pad=pad))  # the render; pdf_bytes(True, pad) is it signed
    manifest = {
        "format": 1,
        "act": {"kind": "circolare", "name": name, "oggetto": oggetto,
                "date": "2020-05-20", "protocollo": protocollo, "numero": None},
        "sender": sender or SENDER,
        "recipients": recips if recips is not None else recipients(n),
        "files": [{"name": pdf.name, "sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(),
                   "size": pdf.stat().st_size}],
        "inputs": [{"path": f"examples/{name}.yaml", "sha256": "0" * 64}],
    }
    (act_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False),
                                           encoding="utf-8")
    return act_dir


@functools.lru_cache(maxsize=None)
def pdf_bytes(signed: bool | None = True, pad: int = 20000) -> bytes:
    """A one-page PDF; signed=True: a filled /Sig field, False: empty field, None: none.

    The signed one is the unsigned one plus an incremental update, as PAdES signing makes it,
    so it passes prepare's check that the signed file is the rendered act."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, ByteStringObject, DictionaryObject, NameObject,
                               NumberObject, TextStringObject)

    if signed:
        unsigned = pdf_bytes(False, pad)
        w = PdfWriter(io.BytesIO(unsigned), incremental=True)
        field = w.root_object["/AcroForm"]["/Fields"][0].get_object()
        field[NameObject("/V")] = w._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
            NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
            NameObject("/Contents"): ByteStringObject(b"\x00" * 64)}))
        buf = io.BytesIO()
        w.write(buf)
        assert buf.getvalue().startswith(unsigned)
        return buf.getvalue()

    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_metadata({"/Title": "Atto di prova", "/Subject": "x" * pad})
    if signed is not None:
        field = DictionaryObject({
            NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Firma"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)})
        w.root_object[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): ArrayObject([w._add_object(field)]),
            NameObject("/SigFlags"): NumberObject(3)})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def signed_pdf(folder: Path, name: str = "atto-firmato.pdf", signed: bool | None = True) -> Path:
    p = Path(folder) / name
    p.write_bytes(pdf_bytes(signed))
    return p


def prepared_act(root: Path, n: int) -> Path:
    """An act (see ``make_act``) whose ``n`` messages are prepared for ``signed_pdf(root)``, as
    after ``mail prepare``: the act folder. A copy, into ``root``, of one made once per process
    and size: the journal's synced commits cost a tenth of a second of disk waits each time."""
    return _copy_of_act(root, n, sent=False)


def sent_act(root: Path, n: int) -> tuple[Path, dict]:
    """An act prepared for ``n`` bodies (see ``make_act``) whose messages are all recorded as
    transmitted and sent, as after ``mail send``: (act folder, journal rows by recipient id).
    A copy, as ``prepared_act`` makes (three more synced commits per message)."""
    from circolari.mail.journal import Journal

    act = _copy_of_act(root, n, sent=True)
    with Journal.open_existing(act / "mail") as j:
        return act, {r.recipient_id: r for r in j.rows()}


def _copy_of_act(root: Path, n: int, *, sent: bool) -> Path:
    """The act folder of a copy, into ``root``, of ``_act_template(n, sent)``."""
    template, inside = _act_template(n, sent)
    shutil.copytree(template, root, dirs_exist_ok=True)
    return Path(root) / inside


@functools.lru_cache(maxsize=None)
def _act_template(n: int, sent: bool) -> tuple[Path, Path]:
    """(folder, act folder inside it) of the act ``prepared_act`` or ``sent_act`` copies."""
    from circolari.mail.journal import Journal
    from circolari.mail.prepare import prepare

    root = Path(tempfile.mkdtemp(prefix="circolari-act-"))
    atexit.register(shutil.rmtree, root, True)
    act = make_act(root, n=n)
    prepare(act, signed_pdf(root))
    if sent:
        with Journal.open_existing(act / "mail") as j:
            for r in j.rows():
                j.change(r.recipient_id, "send-attempt", state="sending", attempts=1)
                j.change(r.recipient_id, "data-sent", transmitted=1)
                j.change(r.recipient_id, "sent", "250 ok", state="sent",
                         sent_at="2020-05-20T10:00")
    return root, act.relative_to(root)


# -- TLS material ----------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def tls_files() -> tuple[str, str]:
    """(cert.pem, key.pem): a self-signed certificate for 127.0.0.1/localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "circolari test SMTP")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    d = Path(tempfile.mkdtemp(prefix="circolari-tls-"))
    atexit.register(shutil.rmtree, d, True)
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return str(d / "cert.pem"), str(d / "key.pem")


def p7m_of(content: bytes) -> bytes:
    """A CAdES-attached envelope (DER) of ``content``, signed with the test certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    cert_path, key_path = tls_files()
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), None)
    return (pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def server_context() -> ssl.SSLContext:
    cert, key = tls_files()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


# -- SMTP server with faults -----------------------------------------------------------
class Handler:
    """Records what arrives; injects the faults it is configured with."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], bytes]] = []
        self.reject: dict[str, str] = {}            # address -> 5xx reply at RCPT
        self.tempfail_once: set[str] = set()        # 421 at end of DATA, first time only
        self.tempfail_always: set[str] = set()      # 421 at end of DATA, every time
        self.hang_once: dict[str, float] = {}       # address -> at most seconds to hang at RCPT
        self.silent = threading.Event()             # set: a command got no reply and none follows
        self.drop_at_mail: set[int] = set()         # nth MAIL FROM: close, no reply
        self.after_data: dict[str, str] = {}        # address -> "reset"|"close"|"hang", once:
        #                                             the message is stored, no reply follows
        self.mail_count = 0
        self.gate: threading.Event | None = None    # set: stored messages wait for it
        self.kill: tuple[int, str] | None = None     # (nth, "rcpt"|"data"): SIGKILL the client
        self.victim: "queue.Queue[int]" = queue.Queue(maxsize=1)  # the client's pid, put once
        self.rcpt_count = 0
        self.auth_ok = 0

    def count(self, address: str) -> int:
        with self.lock:
            return sum(address in rcpts for rcpts, _ in self.messages)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_count += 1
        if self.mail_count in self.drop_at_mail:
            await _no_reply(server, "close")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        if address in self.hang_once:
            limit = time.monotonic() + self.hang_once.pop(address)
            self.silent.set()
            while not server.transport.is_closing() and time.monotonic() < limit:
                await asyncio.sleep(0.01)
        self.rcpt_count += 1
        if self.kill and self.kill[1] == "rcpt" and self.rcpt_count == self.kill[0]:
            await self._kill_client()        # dead before it can read this RCPT's reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def _kill_client(self) -> None:
        """SIGKILL the client (its pid from ``victim``, which the test may put after
        configuring ``kill``) and wait until it is gone, so that no reply reaches it."""
        self.kill = None
        pid = await asyncio.get_running_loop().run_in_executor(None, self.victim.get, True, 120)
        born = _proc_stat(pid)[19]
        os.kill(pid, signal.SIGKILL)
        while (stat := _proc_stat(pid)) and stat[19] == born and stat[0] not in (b"Z", b"X"):
            await asyncio.sleep(0.01)        # dying; then a zombie until the test reaps it

    async def handle_DATA(self, server, session, envelope):
        rcpt = list(envelope.rcpt_tos)
        if rcpt and (rcpt[0] in self.tempfail_once or rcpt[0] in self.tempfail_always):
            self.tempfail_once.discard(rcpt[0])
            return "421 4.3.2 Servizio temporaneamente non disponibile, riprovare"
        with self.lock:
            self.messages.append((rcpt, envelope.original_content or envelope.content))
            n = len(self.messages)
        if self.kill and self.kill[1] == "data" and n == self.kill[0]:
            # The server has the message; the client dies before reading the 250.
            await self._kill_client()
        while self.gate is not None and not self.gate.is_set():
            await asyncio.sleep(0.01)
        fault = self.after_data.pop(rcpt[0], None) if rcpt else None
        if fault:
            if fault == "hang":
                self.silent.set()
            await _no_reply(server, fault)
        return "250 2.0.0 Ok: queued"


def _proc_stat(pid: int) -> list[bytes]:
    """Fields of /proc/PID/stat after the command name (state first, start time at 19)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except FileNotFoundError:
        return []


async def _no_reply(server, how: str) -> None:
    """End the exchange without a reply: ``reset`` (TCP RST, no TLS close_notify), ``close``
    (TLS close_notify, then FIN) or ``hang`` (nothing, until the client gives up). The
    handler is cancelled when the connection is lost, so no reply is ever written."""
    import socket
    import struct

    if how == "reset":
        sock = server.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        server.transport.abort()
    elif how == "close":
        server.transport.close()
    while True:                  # cancelled by aiosmtpd's connection_lost
        await asyncio.sleep(1)


def _authenticator(handler: Handler):
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):
        tls = server.transport.get_extra_info("ssl_object") is not None
        ok = (tls and mechanism in ("LOGIN", "PLAIN")
              and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())
        if ok:
            handler.auth_ok += 1
        return AuthResult(success=ok, handled=False)

    return check


@contextlib.contextmanager
def client_gives_up_on_silence(handler: Handler):
    """The SMTP client of this process (smtplib) gives up on each reply ``handler`` withholds
    (``hang_once`` at RCPT, ``after_data`` "hang") once the server is silent (its ``silent``
    event: the command arrived and no reply will follow), not after its whole timeout: that one
    read runs on a socket whose timeout is cut to 10 ms, and times out as it would have at the
    end of the full wait (no reply can come). Yields the timeouts the client had set on those
    sockets (the product's setting, which the full wait would have lasted), one per reply."""
    import smtplib

    timeouts: list[float | None] = []
    real_rcpt, real_send, real_getreply = smtplib.SMTP.rcpt, smtplib.SMTP.send, smtplib.SMTP.getreply

    def rcpt(self, recip, options=()):
        self._recipient = recip
        self._withheld = recip in handler.hang_once       # taken by the server once it has it
        return real_rcpt(self, recip, options)

    def send(self, s):
        if s == b".\r\n" and handler.after_data.get(getattr(self, "_recipient", None)) == "hang":
            self._withheld = True
        return real_send(self, s)

    def getreply(self):
        if getattr(self, "_withheld", False):
            self._withheld = False
            assert handler.silent.wait(120), "the server never went silent"
            handler.silent.clear()
            timeouts.append(self.sock.gettimeout())
            self.sock.settimeout(0.01)
        return real_getreply(self)

    with contextlib.ExitStack() as undo:
        for name, patched in (("rcpt", rcpt), ("send", send), ("getreply", getreply)):
            undo.callback(setattr, smtplib.SMTP, name, getattr(smtplib.SMTP, name))
            setattr(smtplib.SMTP, name, patched)
        yield timeouts


@functools.lru_cache(maxsize=None)
def _probe_context() -> ssl.SSLContext:
    """The TLS client context of the server's start-up probe: it verifies nothing (it only makes
    the server build its protocol), so it loads no CA certificates either; aiosmtpd's own
    probe loaded the system's whole CA bundle at each server start (30 ms of CPU)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SmtpServer:
    """aiosmtpd on 127.0.0.1, ephemeral port, TLS ('ssl' implicit or 'starttls') + AUTH."""

    def __init__(self, security: str = "ssl", handler: Handler | None = None):
        from aiosmtpd.controller import Controller

        self.handler = handler or Handler()
        self.security = security
        kwargs = dict(hostname="127.0.0.1", port=0, authenticator=_authenticator(self.handler),
                      auth_required=True, enable_SMTPUTF8=False, decode_data=False)
        if security == "ssl":
            # aiosmtpd only knows STARTTLS as "TLS": the authenticator checks TLS itself.
            kwargs.update(ssl_context=server_context(), auth_require_tls=False)
        else:
            kwargs.update(tls_context=server_context(), require_starttls=True,
                          auth_require_tls=True)

        class _Controller(Controller):
            def _trigger_server(inner):
                """aiosmtpd's probe (connect, handshake, read the greeting), with a context
                made once per process."""
                import socket

                inner.port = inner.server.sockets[0].getsockname()[1]
                with socket.create_connection((inner.hostname, inner.port), 1.0) as raw:
                    with (_probe_context().wrap_socket(raw) if inner.ssl_context
                          else contextlib.nullcontext(raw)) as sock:
                        sock.recv(1024)

        self.controller = _Controller(self.handler, **kwargs)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    def settings(self, timeout: float = 60.0):   # the product's default
        from circolari.mail.smtp import SmtpSettings

        return SmtpSettings(host="127.0.0.1", port=self.port, security=self.security,
                            user=USER, password=PASSWORD, cafile=tls_files()[0],
                            timeout=timeout)

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(PYTHONPATH=str(SRC), CIRCOLARI_SMTP_HOST="127.0.0.1",
                   CIRCOLARI_SMTP_PORT=str(self.port), CIRCOLARI_SMTP_SECURITY=self.security,
                   CIRCOLARI_SMTP_USER=USER, CIRCOLARI_SMTP_PASSWORD=PASSWORD,
                   CIRCOLARI_SMTP_CAFILE=tls_files()[0], CIRCOLARI_SMTP_BACKOFF="0.05")
        return env


@contextlib.contextmanager
def refused_port():
    """A loopback port that refuses connections: bound by the OS and held, never listening, so
    that no other process can take it meanwhile (a freed port could be reused at once)."""
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


# -- PEC receipts ------------------------------------------------------------------------
SUBJECTS = {"accettazione": "ACCETTAZIONE", "avvenuta-consegna": "CONSEGNA",
            "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
            "non-accettazione": "AVVISO DI NON ACCETTAZIONE",
            "preavviso-errore-consegna": "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO"}
OGGETTO = "Prot. G1.2020.0012345 - Plasma iperimmune: indicazioni operative"


def _certificate(name: str, key, issuer_name: str, issuer_key, ca: bool,
                 valid: tuple[int, int] = (2019, 2040)):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    def n(cn):
        return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gestore PEC di prova"),
                          x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    b = (x509.CertificateBuilder().subject_name(n(name)).issuer_name(n(issuer_name))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(dt.datetime(valid[0], 1, 1, tzinfo=dt.timezone.utc))
         .not_valid_after(dt.datetime(valid[1], 1, 1, tzinfo=dt.timezone.utc))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                      encipher_only=False, decipher_only=False), critical=True))
    return b.sign(issuer_key, hashes.SHA256())


@functools.lru_cache(maxsize=None)
def pec_signers() -> dict:
    """A test CA with a provider certificate ("gestore"; "gestore-scaduto": valid in 2020 only),
    and a self-signed stranger."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from cryptography.hazmat.primitives.asymmetric import rsa

    ca_key, key, rogue_key, old_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(4))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _certificate("CA PEC di prova", ca_key, "CA PEC di prova", ca_key, True)
    gestore = _certificate("posta-certificata@pec.test", key, "CA PEC di prova", ca_key, False)
    gestore_rsa = _certificate("posta-certificata@rsa.pec.test", rsa_key, "CA PEC di prova",
                               ca_key, False)
    rogue = _certificate("posta-certificata@pec.test", rogue_key, "posta-certificata@pec.test",
                         rogue_key, False)
    expired = _certificate("posta-certificata@pec.test", old_key, "CA PEC di prova", ca_key, False,
                           valid=(2020, 2021))
    d = Path(tempfile.mkdtemp(prefix="circolari-pec-ca-"))
    atexit.register(shutil.rmtree, d, True)
    (d / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return {"gestore": (gestore, key, [ca]), "gestore-rsa": (gestore_rsa, rsa_key, [ca]),
            "gestore-scaduto": (expired, old_key, [ca]),
            "estraneo": (rogue, rogue_key, []), "ca_pem": d / "ca.pem"}


def daticert_xml(tipo: str, msgid: str, address: str, *, errore: str = "nessuno",
                 errore_esteso: str | None = None, ident: str, oggetto: str = OGGETTO,
                 ricevuta: str = "completa", encoding: str = "UTF-8",
                 mittente: str = USER, zona: str = "+0200",
                 giorno: str = "20/05/2020", ora: str = "10:15:32") -> bytes:
    from xml.sax.saxutils import escape

    dati = ["<gestore-emittente>Gestore PEC di prova</gestore-emittente>",
            f'<data zona="{zona}"><giorno>{giorno}</giorno><ora>{ora}</ora></data>',
            f"<identificativo>{escape(ident)}</identificativo>",
            f"<msgid>{escape(msgid)}</msgid>"]
    if tipo == "avvenuta-consegna":
        dati += [f'<ricevuta tipo="{ricevuta}"/>', f"<consegna>{escape(address)}</consegna>"]
    if tipo in ("errore-consegna", "preavviso-errore-consegna"):
        dati += [f"<consegna>{escape(address)}</consegna>"]
    if errore_esteso:
        dati.append(f"<errore-esteso>{escape(errore_esteso)}</errore-esteso>")
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            '<!DOCTYPE postacert SYSTEM "daticert.dtd">\n'
            f'<postacert tipo="{tipo}" errore="{errore}">'
            f"<intestazione><mittente>{mittente}</mittente>"
            f'<destinatari tipo="certificato">{escape(address)}</destinatari>'
            f"<risposte>{mittente}</risposte><oggetto>{escape(oggetto)}</oggetto></intestazione>"
            f"<dati>{''.join(dati)}</dati></postacert>\n").encode(encoding)


def make_receipt(tipo: str, msgid: str, address: str, *, errore: str = "nessuno",
                 errore_esteso: str | None = None, ident: str | None = None,
                 oggetto: str = OGGETTO, original: bytes | None = None, header: bool = True,
                 ricevuta: str = "completa", encoding: str = "UTF-8", form: str = "signed",
                 signer: str = "gestore", tamper: bytes | None = None,
                 mittente: str = USER, xml: bytes | None = None, lf: bool = False,
                 header_tipo: str | None = None, signed_at: dt.datetime | None = None) -> bytes:
    """A PEC receipt as providers send it (DM 2/11/2005): X-Ricevuta and
    X-Riferimento-Message-ID outside; inside the S/MIME signature ("signed":
    multipart/signed + smime.p7s, "opaque": application/pkcs7-mime, "unsigned": none)
    a multipart/mixed with the text, [postacert.eml for a completa consegna] and
    daticert.xml. ``tamper``: ``old|new`` replaced in the daticert after signing;
    ``lf``: stored with LF line ends (as in mbox); ``signed_at``: the signing time the
    signature claims (else now)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    ident = ident or f"opec-{hashlib.sha1((tipo + msgid + address).encode()).hexdigest()[:16]}@pec.test"
    if xml is None:
        xml = daticert_xml(tipo, msgid, address, errore=errore, errore_esteso=errore_esteso,
                           ident=ident, oggetto=oggetto, ricevuta=ricevuta,
                           encoding=encoding, mittente=mittente)
    def signed_part(xml: bytes) -> bytes:
        inner = EmailMessage(policy=policy.SMTP)
        inner.set_content(f"Ricevuta di {tipo}\r\n\r\nIl giorno 20/05/2020 alle ore 10:15:32 "
                          f"(+0200) il messaggio\r\n\"{oggetto}\" proveniente da "
                          f"\"{mittente}\"\r\ned indirizzato a \"{address}\" ...\r\n"
                          f"Identificativo messaggio: {ident}\r\n", charset="utf-8")
        if original is not None and ricevuta == "completa":
            from email import message_from_bytes
            inner.add_attachment(message_from_bytes(original, policy=policy.SMTP),
                                 filename="postacert.eml")
        inner.add_attachment(xml, maintype="application", subtype="xml",
                             filename="daticert.xml")
        inner.set_boundary("=_ricevuta_" + hashlib.sha1(xml).hexdigest()[:12])
        return inner.as_bytes(policy=policy.SMTP)

    content = signed_part(xml)
    boundary = "----=_firma_pec_" + hashlib.sha1(content).hexdigest()[:12]
    subject = f"{SUBJECTS.get(tipo, tipo.upper())}: {oggetto}"
    head = []
    if header:
        head += [f"X-Ricevuta: {header_tipo or tipo}", f"X-Riferimento-Message-ID: {msgid}"]
    head += ["From: \"Per conto di: " + mittente + "\"\r\n <posta-certificata@pec.test>",
             f"To: {mittente}",
             # folded, as providers do with long subjects
             "Subject: " + re.sub(r"(.{60}\S*) ", "\\1\r\n ", subject, count=1),
             "Date: Wed, 20 May 2020 10:15:32 +0200",
             f"Message-ID: <{ident}>",
             "X-Trasporto: " + ("errore" if tipo == "errore-consegna" else "posta-certificata"),
             "MIME-Version: 1.0"]
    if form == "unsigned":
        raw = ("\r\n".join(head) + "\r\n").encode() + content
        return raw.replace(b"\r\n", b"\n") if lf else raw
    cert, key, chain = pec_signers()[signer]
    if signed_at is not None:
        der = _cms_signed_at(content, cert, key, chain, signed_at, detached=form == "signed")
    else:
        builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key,
                                                                              hashes.SHA256())
        for c in chain:
            builder = builder.add_certificate(c)
        options = [pkcs7.PKCS7Options.Binary]
        if form == "signed":
            options.append(pkcs7.PKCS7Options.DetachedSignature)
        der = builder.sign(serialization.Encoding.DER, options)
    if tamper:
        old, new = tamper.split(b"|", 1)       # the daticert changed after signing
        assert old in xml
        forged = signed_part(xml.replace(old, new, 1).ljust(len(xml)) if form == "opaque"
                             else xml.replace(old, new, 1))
        if form == "opaque":
            assert content in der and len(forged) == len(content)
            der = der.replace(content, forged)
        content = forged
    b64 = base64.encodebytes(der).replace(b"\n", b"\r\n")
    if form == "signed":
        head.append('Content-Type: multipart/signed; protocol="application/pkcs7-signature";'
                    f'\r\n micalg=sha-256; boundary="{boundary}"')
        raw = (("\r\n".join(head) + "\r\n\r\nQuesto è un messaggio firmato S/MIME.\r\n")
               .encode() + b"--" + boundary.encode() + b"\r\n" + content + b"\r\n--"
               + boundary.encode() + b"\r\nContent-Type: application/pkcs7-signature; "
               b"name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n"
               b"Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n" + b64
               + b"\r\n--" + boundary.encode() + b"--\r\n")
    else:
        head += ['Content-Type: application/pkcs7-mime; smime-type=signed-data; '
                 'name="smime.p7m"', "Content-Transfer-Encoding: base64",
                 'Content-Disposition: attachment; filename="smime.p7m"']
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + b64
    return raw.replace(b"\r\n", b"\n") if lf else raw


def _cms_signed_at(content: bytes, cert, key, chain, signed_at: dt.datetime, *, detached: bool) -> bytes:
    """A CMS signature of ``content`` whose signing-time attribute says ``signed_at``
    (cryptography always writes the present time), made with pyHanko's signer."""
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes, SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = serialization.Encoding.DER
    signer = SimpleSigner(
        signing_cert=x509.Certificate.load(cert.public_bytes(der)),
        signing_key=keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(
            [x509.Certificate.load(c.public_bytes(der)) for c in chain]))
    signed = asyncio.run(signer.async_sign_general_data(
        content, "sha256", detached=detached,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=signed_at)))
    return signed.dump()


def wait_until(pred, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()
