"""mail receipts --imap: against a real IMAP server (dovecot) on loopback, read-only,
incremental by UIDVALIDITY/UID, same evidence rules as files, Italian errors, nothing
half-applied."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from typer.testing import CliRunner

from circolari.cli.mail import app
from circolari.mail.imap import Mailbox, folder_name, parse_url
from circolari.mail.journal import Journal
from helpers.dovecot import PASSWORD, USER, Dovecot, dovecot_binary
from helpers.mail import make_receipt, pec_signers, refused_port, sent_act, tls_files

needs_dovecot = pytest.mark.skipif(
    dovecot_binary() is None,
    reason="dovecot non installato (pacchetto Debian dovecot-imapd, installato da .ci/run)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if dovecot_binary() is None:
        pytest.skip("dovecot non installato (pacchetto Debian dovecot-imapd)")
    with Dovecot(tmp_path_factory.mktemp("dovecot")) as s:
        yield s


def _append(server, folder: str, messages: list[bytes], create: bool = False) -> None:
    conn = server.client()
    try:
        if create:
            assert conn.create(folder_name(folder))[0] == "OK"
        for raw in messages:
            assert conn.append(folder_name(folder), None, None, raw)[0] == "OK"
    finally:
        conn.logout()


def _flags(server, folder: str) -> list[bytes]:
    conn = server.client()
    try:
        conn.select(folder_name(folder), readonly=True)
        typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
        return [d for d in data if d]
    finally:
        conn.logout()


def _receipts(args, env=None, trust=True):
    env = {"CIRCOLARI_IMAP_PASSWORD": PASSWORD, **(env or {})}
    vouch = ["--trust", pec_signers()["ca_pem"]] if trust else []
    return CliRunner(env=env).invoke(app, ["receipts", *map(str, [*args, *vouch])])


def _state(act):
    with Journal.open_existing(act / "mail") as j:
        return ({r.recipient_id: r.state for r in j.rows()}, len(j.events()),
                {k: v for k, v in j.db.execute("SELECT key, value FROM meta")})


def test_parse_url_and_folder_names():
    box = parse_url("imaps://welfare@regione.pec.test@imap.pec.test/Ricevute%20PEC")
    assert box == Mailbox("welfare@regione.pec.test", "imap.pec.test", 993, "Ricevute PEC")
    assert parse_url("imaps://u%40x.test@127.0.0.1:10993").folder == "INBOX"
    assert folder_name("Ricevute città & co") == '"Ricevute citt&AOA- &- co"'
    assert folder_name('a"b\\c') == '"a\\"b\\\\c"'


@needs_dovecot
def test_imap_import_is_read_only_incremental_and_checks_evidence(tmp_path, server):
    act, rows = sent_act(tmp_path, n=4)  # asst-01..03 (to), areu (cc)
    a1, a2 = rows["asst-01"], rows["asst-02"]
    forged = (f"From: finto@gmail.test\r\nX-Ricevuta: avvenuta-consegna\r\n"
              f"X-Riferimento-Message-ID: {a2.message_id}\r\nSubject: CONSEGNA\r\n\r\n"
              "ok\r\n").encode()
    _append(server, "INBOX", [
        make_receipt("accettazione", a1.message_id, a1.address),
        make_receipt("avvenuta-consegna", a1.message_id, a1.address),
        make_receipt("accettazione", a2.message_id, a2.address, form="opaque"),
        forged,
        make_receipt("avvenuta-consegna", a2.message_id, a2.address,
                     tamper=b"<consegna>|<consegna>x"),
    ])
    res = _receipts([act, "--imap", server.url(), "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0, res.output
    assert "Messaggi nuovi letti da INBOX su 127.0.0.1: 5." in res.output
    assert "abbinate: 3, già importate: 0, non abbinate: 2" in res.output
    assert PASSWORD not in res.output
    states, _, meta = _state(act)
    assert states == {"asst-01": "delivered", "asst-02": "accepted", "asst-03": "sent",
                      "areu": "sent"}
    mark = json.loads(meta[f"imap:{USER}@127.0.0.1:{server.port}/INBOX"])
    assert mark["uid"] == 5 and mark["uidvalidity"] > 0
    reasons = sorted(p.read_text(encoding="utf-8") for p in
                     (act / "mail" / "ricevute" / "non-abbinate").glob("*.motivo.txt"))
    assert len(reasons) == 2
    assert any("imap:INBOX#4: ricevuta non firmata" in r for r in reasons)
    assert any("imap:INBOX#5: firma S/MIME non valida" in r for r in reasons)
    evidence = sorted(p.name for p in (act / "mail" / "ricevute").glob("*.eml"))
    assert [e.split(".")[:2] for e in evidence] == [["asst-01", "accettazione"],
                                                    ["asst-01", "avvenuta-consegna"],
                                                    ["asst-02", "accettazione"]]
    # Read-only: EXAMINE and BODY.PEEK leave every message unread.
    flags = _flags(server, "INBOX")
    assert len(flags) == 5 and not any(b"\\Seen" in f for f in flags)

    # Incremental: only the new message is read; then nothing.
    _append(server, "INBOX", [make_receipt("avvenuta-consegna", a2.message_id, a2.address)])
    res = _receipts([act, "--imap", server.url(), "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0, res.output
    assert "letti da INBOX su 127.0.0.1: 1." in res.output and "abbinate: 1," in res.output
    assert _state(act)[0]["asst-02"] == "delivered"
    res = _receipts([act, "--imap", server.url(), "--imap-ca", tls_files()[0]])
    assert "letti da INBOX su 127.0.0.1: 0." in res.output and "abbinate: 0," in res.output


@needs_dovecot
def test_imap_import_without_trust_applies_nothing_and_keeps_the_mark(tmp_path, server):
    """No --trust: nothing proves who signed, so no state moves and the mark stays; the same
    messages are read again, and applied, by the next import with --trust."""
    act, rows = sent_act(tmp_path, n=4)
    a1 = rows["asst-01"]
    _append(server, "SenzaFiducia", [make_receipt("avvenuta-consegna", a1.message_id, a1.address)],
            create=True)
    res = _receipts([act, "--imap", server.url("SenzaFiducia"), "--imap-ca", tls_files()[0]], trust=False)
    assert res.exit_code == 0, res.output
    assert "abbinate: 0, già importate: 0, non abbinate: 1" in res.output
    assert "ricevuta non verificabile: nessun certificato di fiducia dei gestori PEC" in res.output
    states, _, meta = _state(act)
    assert states["asst-01"] == "sent" and not any(k.startswith("imap:") for k in meta)
    res = _receipts([act, "--imap", server.url("SenzaFiducia"), "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0 and "letti da SenzaFiducia su 127.0.0.1: 1." in res.output, res.output
    assert "abbinate: 1," in res.output and _state(act)[0]["asst-01"] == "delivered"


@needs_dovecot
def test_imap_uidvalidity_change_reads_everything_again_idempotently(tmp_path, server):
    act, rows = sent_act(tmp_path, n=4)
    folder = "Ricevute PEC città"
    url = server.url("Ricevute%20PEC%20citt%C3%A0")
    first = [make_receipt("accettazione", rows[r].message_id, rows[r].address)
             for r in ("asst-01", "asst-03")]
    _append(server, folder, [], create=True)
    res = _receipts([act, "--imap", url, "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0 and "città su 127.0.0.1: 0." in res.output, res.output
    _append(server, folder, first)
    res = _receipts([act, "--imap", url, "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0 and "abbinate: 2," in res.output, res.output
    _, n_events, meta = _state(act)
    (key, before), = ((k, json.loads(v)) for k, v in meta.items() if k.startswith("imap:"))
    assert key.endswith("/Ricevute PEC città") and before["uid"] == 2

    conn = server.client()                  # the folder is recreated: a new UIDVALIDITY
    assert conn.delete(folder_name(folder))[0] == "OK"
    conn.logout()
    late = make_receipt("accettazione", rows["areu"].message_id, rows["areu"].address)
    _append(server, folder, [*first, late], create=True)
    res = _receipts([act, "--imap", url, "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0, res.output
    assert "letti da Ricevute PEC città su 127.0.0.1: 3." in res.output
    assert "abbinate: 1, già importate: 2, non abbinate: 0" in res.output
    states, n_after, meta = _state(act)
    after = json.loads(meta[key])
    assert after["uidvalidity"] != before["uidvalidity"] and after["uid"] == 3
    assert states["areu"] == "accepted" and n_after == n_events + 1


def _unchanged(act, before):
    assert _state(act) == before
    assert not (act / "mail" / "ricevute").exists()


def _given_up_at_once(monkeypatch, port: int) -> list:
    """The IMAP client (imaplib) connecting to ``port``, a listener that never accepts (so never
    answers), gives up after 10 ms instead of its whole timeout: its handshake times out as it
    would at the end of the full wait. Returns the list of the timeouts the client had asked for
    (what the full wait would have lasted)."""
    import imaplib

    asked = []
    real = imaplib.IMAP4_SSL._create_socket

    def create_socket(self, timeout):
        if self.port == port:
            asked.append(timeout)
            timeout = 0.01
        return real(self, timeout)

    monkeypatch.setattr(imaplib.IMAP4_SSL, "_create_socket", create_socket)
    return asked


@needs_dovecot
def test_imap_failures_are_italian_and_apply_nothing(tmp_path, server, monkeypatch):
    act, rows = sent_act(tmp_path, n=4)
    _append(server, "Errori", [make_receipt("accettazione", rows["asst-01"].message_id,
                                            rows["asst-01"].address)], create=True)
    before = _state(act)
    ca = ["--imap-ca", tls_files()[0]]
    with refused_port() as refused, socket.create_server(("127.0.0.1", 0)) as silent:  # silent: never answers
        waited = _given_up_at_once(monkeypatch, silent.getsockname()[1])
        cases = [
            ([server.url("Errori"), *ca], {"CIRCOLARI_IMAP_PASSWORD": "sbagliata"},
             "accesso rifiutato dal server IMAP"),
            ([server.url("Nessuna"), *ca], {}, "la cartella «Nessuna» non esiste"),
            ([server.url("Errori")], {}, "il certificato TLS del server IMAP"),
            ([server.url("Errori", port=refused), *ca], {}, "connessione rifiutata"),
            ([server.url("Errori", port=silent.getsockname()[1]), *ca, "--imap-timeout", "7"],
             {}, "non ha risposto entro 7 s"),
            ([server.url("Errori").replace("imaps:", "imap:"), *ca], {}, "IMAP senza TLS"),
            ([server.url("Errori").replace("welfare@", f"welfare:{PASSWORD}@"), *ca], {},
             "la password non va scritta nell'indirizzo"),
        ]
        for args, env, message in cases:
            res = _receipts([act, "--imap", *args], env)
            assert res.exit_code == 1, (args, res.output)
            assert message in res.output and "Traceback" not in res.output, res.output
            _unchanged(act, before)
    assert waited == [7.0]                   # the silent server, under --imap-timeout
    res = CliRunner().invoke(app, ["receipts", str(act), "--imap", server.url("Errori")])
    assert res.exit_code == 1 and "CIRCOLARI_IMAP_PASSWORD" in res.output
    res = _receipts([act, tmp_path, "--imap", server.url("Errori")])
    assert res.exit_code == 1 and "non entrambi" in res.output
    _unchanged(act, before)


class _CuttingProxy:
    """Forwards 127.0.0.1:port to the server and drops both sides once ``limit`` bytes
    came from the server: the connection dies in the middle of the download."""

    def __init__(self, target: int, limit: int):
        self.target, self.limit = target, limit
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        upstream = socket.create_connection(("127.0.0.1", self.target))
        threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
        self._pipe(upstream, client, self.limit)

    def _pipe(self, src, dst, limit):
        sent = 0
        try:
            while True:
                data = src.recv(16384)
                if not data or (limit is not None and sent + len(data) > limit):
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


@needs_dovecot
def test_imap_connection_lost_during_download_applies_nothing(tmp_path, server):
    act, rows = sent_act(tmp_path, n=4)
    original = (act / "mail" / "asst-01.eml").read_bytes()       # about 30 KB each
    big = [make_receipt("avvenuta-consegna", r.message_id, r.address, original=original)
           for r in rows.values()]
    _append(server, "Interrotta", big, create=True)
    before = _state(act)
    proxy = _CuttingProxy(server.port, limit=len(original) * 2)
    try:
        res = _receipts([act, "--imap", server.url("Interrotta", port=proxy.port),
                         "--imap-ca", tls_files()[0]])
    finally:
        proxy.close()
    assert res.exit_code == 1, res.output
    assert "ha interrotto la connessione" in res.output and "Traceback" not in res.output
    _unchanged(act, before)
    res = _receipts([act, "--imap", server.url("Interrotta"), "--imap-ca", tls_files()[0]])
    assert res.exit_code == 0 and "abbinate: 4," in res.output, res.output
