"""mail send against a real SMTP server on 127.0.0.1 (aiosmtpd, TLS, AUTH), with faults."""

from __future__ import annotations

import email
import hashlib
import subprocess
import sys
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circolari.errors import CircolariError
from circolari.mail.journal import Journal
from circolari.mail.send import parse_rate, send_batch
from helpers.mail import (PASSWORD, SmtpServer, client_gives_up_on_silence, make_receipt, pec_signers,
                          prepared_act, refused_port)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _prepared(tmp_path, n=34):
    """(act, signed PDF): ``n`` messages prepared (a copy: see helpers.mail.prepared_act)."""
    return prepared_act(tmp_path, n), tmp_path / "atto-firmato.pdf"   # signed_pdf(tmp_path)


def _addresses(act):
    with Journal.open_existing(act / "mail") as j:
        return {r.recipient_id: r.address for r in j.rows()}


def _states(act):
    with Journal.open_existing(act / "mail") as j:
        return {r.recipient_id: r for r in j.rows()}


def test_batch_of_34_over_implicit_tls(tmp_path):
    act, pdf = _prepared(tmp_path)
    pdf_sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    with SmtpServer("ssl") as server:
        report = send_batch(act, server.settings(), backoff=0.01)
        got = list(server.handler.messages)
        assert server.handler.auth_ok == 1  # one connection, authenticated over TLS
    assert len(report.sent) == 34 and not report.failed
    addresses = _addresses(act)
    assert sorted(r[0] for r, _ in got) == sorted(addresses.values())
    for rcpts, data in got:
        msg = email.message_from_bytes(data, policy=policy.default)
        rid = msg["X-Circolari-Destinatario"]
        assert rcpts == [addresses[rid]]
        assert msg["To"].addresses[0].addr_spec == addresses[rid]
        assert msg["From"].addresses[0].addr_spec == "welfare@regione.pec.test"
        assert data.replace(b"\r\n", b"\n") == \
            (act / "mail" / f"{rid}.eml").read_bytes().replace(b"\r\n", b"\n")
        att = next(msg.iter_attachments())
        assert hashlib.sha256(att.get_content()).hexdigest() == pdf_sha
    states = _states(act)
    assert {r.state for r in states.values()} == {"sent"}
    assert all(r.smtp_reply.startswith("250") for r in states.values())
    with Journal.open_existing(act / "mail") as j:
        kinds = [e["kind"] for e in j.events("asst-01")]
    assert kinds == ["prepared", "send-attempt", "data-sent", "sent"]


def test_starttls_and_second_run_sends_nothing(tmp_path):
    act, _ = _prepared(tmp_path, n=3)
    with SmtpServer("starttls") as server:
        assert len(send_batch(act, server.settings()).sent) == 3
        again = send_batch(act, server.settings())
        assert again.sent == [] and again.already == 3
        assert len(server.handler.messages) == 3


# A silent server (no reply at RCPT, none after the end of data) is given up on by the client
# when the server is silent (helpers.mail.client_gives_up_on_silence: decided by the server's
# state, a real socket timeout), not at the end of the product's timeout, which the test checks
# was the one set on that connection. Distinct from the product's default, so that it is seen.
TIMEOUT = 45.0


def test_faults_drop_421_550(tmp_path):
    act, _ = _prepared(tmp_path)
    addresses = _addresses(act)
    with SmtpServer("ssl") as server:
        h = server.handler
        h.drop_at_mail = {6}                                      # dropped before the data
        h.tempfail_once = {addresses["asst-10"]}                  # 421, then fine
        h.reject = {addresses["asst-20"]: "550 5.1.1 Casella inesistente"}
        report = send_batch(act, server.settings(), backoff=0.01)
        counts = {rid: h.count(a) for rid, a in addresses.items()}
        again = send_batch(act, server.settings(), backoff=0.01)
        assert again.sent == [] and len(h.messages) == 33
    assert counts.pop("asst-20") == 0
    assert set(counts.values()) == {1}, counts
    assert report.failed == [("asst-20", "RCPT TO: 550 5.1.1 Casella inesistente")]
    assert not report.uncertain
    states = _states(act)
    assert states["asst-20"].state == "failed"
    assert "550 5.1.1 Casella inesistente" in states["asst-20"].last_error
    assert all(r.state == "sent" for rid, r in states.items() if rid != "asst-20")
    assert states["asst-06"].attempts == 2 and states["asst-10"].attempts == 2
    assert all(r.attempts == 1 for rid, r in states.items() if rid not in ("asst-06", "asst-10"))
    with Journal.open_existing(act / "mail") as j:
        kinds = [e["kind"] for e in j.events("asst-10")]
        assert kinds == ["prepared", "send-attempt", "data-sent", "temp-failure",
                         "send-attempt", "data-sent", "sent"]
        assert "421" in j.events("asst-10")[3]["detail"]
        assert [e["kind"] for e in j.events("asst-06")][:3] == \
            ["prepared", "send-attempt", "temp-failure"]


def test_server_silent_at_rcpt_times_out_and_the_message_is_sent_on_retry(tmp_path):
    act, _ = _prepared(tmp_path, n=3)
    addresses = _addresses(act)
    with SmtpServer("ssl") as server, client_gives_up_on_silence(server.handler) as waited:
        server.handler.hang_once = {addresses["asst-01"]: 600}     # until the client gives up
        report = send_batch(act, server.settings(timeout=TIMEOUT), backoff=0.01)
        counts = {rid: server.handler.count(a) for rid, a in addresses.items()}
    assert waited == [TIMEOUT]                       # the hang was reached, under --timeout
    assert sorted(report.sent) == ["areu", "asst-01", "asst-02"] and not report.uncertain
    assert set(counts.values()) == {1}, counts
    states = _states(act)
    assert [states[rid].attempts for rid in ("asst-01", "asst-02", "areu")] == [2, 1, 1]
    with Journal.open_existing(act / "mail") as j:
        events = j.events("asst-01")
    assert [e["kind"] for e in events] == ["prepared", "send-attempt", "temp-failure",
                                           "send-attempt", "data-sent", "sent"]
    assert "tempo di attesa scaduto" in events[2]["detail"]


@pytest.mark.parametrize("fault", ["reset", "close", "hang"])
def test_no_reply_after_end_of_data_is_uncertain_never_resent(tmp_path, fault):
    """Stored by the server, then no reply (RST over TLS, orderly close, silence): the
    message is *incerto*, received once, never re-sent; the accettazione settles it."""
    from circolari.mail import status
    from circolari.mail.receipts import import_receipts

    act, _ = _prepared(tmp_path, n=4)
    addresses = _addresses(act)
    victim = "asst-02"
    with SmtpServer("ssl") as server, client_gives_up_on_silence(server.handler) as waited:
        server.handler.after_data = {addresses[victim]: fault}
        settings = server.settings(timeout=TIMEOUT)
        report = send_batch(act, settings, backoff=0.01)
        assert [rid for rid, _ in report.uncertain] == [victim]
        assert sorted(report.sent) == sorted({"areu", "asst-01", "asst-02", "asst-03"} - {victim})
        again = send_batch(act, settings, backoff=0.01)
        assert again.sent == [] and [rid for rid, _ in again.uncertain] == [victim]
        counts = {rid: server.handler.count(a) for rid, a in addresses.items()}
    assert waited == ([TIMEOUT] if fault == "hang" else [])
    assert set(counts.values()) == {1}, counts
    row = _states(act)[victim]
    assert row.state == "sending" and row.transmitted == 1 and row.attempts == 1
    line = {ln.row.recipient_id: ln for ln in status.collect(act)}[victim]
    assert line.as_dict()["stato"] == "esito incerto"
    with Journal.open_existing(act / "mail") as j:
        kinds = [e["kind"] for e in j.events(victim)]
    assert kinds == ["prepared", "send-attempt", "data-sent", "uncertain"]
    folder = tmp_path / "ricevute"
    folder.mkdir()
    (folder / "acc.eml").write_bytes(make_receipt("accettazione", row.message_id,
                                                  row.address))
    assert import_receipts(act, folder, trust=pec_signers()["ca_pem"]).applied == [
        (victim, "accettazione", "accepted")]
    assert _states(act)[victim].state == "accepted"


def test_status_says_in_invio_while_sending_and_incerto_after(tmp_path):
    import threading

    from circolari.mail import status
    from helpers.mail import wait_until

    act, _ = _prepared(tmp_path, n=2)
    addresses = _addresses(act)

    def label(rid):
        return {ln.row.recipient_id: ln.as_dict()["stato"] for ln in status.collect(act)}[rid]

    with SmtpServer("ssl") as server:
        server.handler.gate = threading.Event()
        server.handler.after_data = {addresses["asst-01"]: "close"}
        worker = threading.Thread(target=send_batch, args=(act, server.settings()),
                                  kwargs={"backoff": 0.01})
        worker.start()
        try:
            assert wait_until(lambda: len(server.handler.messages) == 1)
            assert _states(act)["asst-01"].transmitted == 1
            assert label("asst-01") == "in invio"          # not "esito incerto"
            assert label("areu") == "da inviare"
        finally:
            server.handler.gate.set()
            worker.join(120)
        assert not worker.is_alive()
    assert label("asst-01") == "esito incerto" and label("areu") == "inviato"


def test_garbled_reply_after_end_of_data_is_uncertain(tmp_path, monkeypatch):
    """A reply that is not 2xx/4xx/5xx after the end of data is not a refusal: incerto."""
    import smtplib

    act, _ = _prepared(tmp_path, n=2)
    real = smtplib.SMTP.getreply
    state = {"data": 0}

    def getreply(self):
        code, resp = real(self)
        if code == 250 and resp.startswith(b"2.0.0 Ok: queued"):
            state["data"] += 1
            if state["data"] == 1:
                return -1, b"garbage"
        return code, resp

    monkeypatch.setattr(smtplib.SMTP, "getreply", getreply)
    with SmtpServer("ssl") as server:
        report = send_batch(act, server.settings(), backoff=0.01)
        assert len(server.handler.messages) == 2
    assert [rid for rid, _ in report.uncertain] == ["asst-01"] and report.sent == ["areu"]
    assert "risposta non valida" in report.uncertain[0][1]


def _run_killed(act, server, kill_at):
    """``mail send`` in a new process, SIGKILLed by the server at the 10th RCPT or message."""
    server.handler.kill = (10, kill_at)       # armed before the client can get there
    proc = subprocess.Popen(
        [sys.executable, "-m", "circolari.mail", "send", str(act), "--timeout", "60"],
        env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server.handler.victim.put(proc.pid)
    out, err = proc.communicate()
    assert proc.returncode == -9, err
    return proc


@pytest.mark.parametrize("kill_at", ["data", "rcpt"])
def test_killed_mid_batch_then_resumed(tmp_path, kill_at):
    act, _ = _prepared(tmp_path)
    addresses = _addresses(act)
    with SmtpServer("ssl") as server:
        _run_killed(act, server, kill_at)
        assert len(server.handler.messages) == {"rcpt": 9, "data": 10}[kill_at]
        report = send_batch(act, server.settings(), backoff=0.01)
        counts = {rid: server.handler.count(a) for rid, a in addresses.items()}
    assert set(counts.values()) == {1}, counts          # nothing lost, nothing repeated
    states = _states(act)
    tenth = "asst-10"
    if kill_at == "data":
        # The server had the 10th message, the client died before its 250: uncertain,
        # held back (not re-sent blindly) until a receipt or the operator decides.
        assert report.uncertain and report.uncertain[0][0] == tenth
        assert states[tenth].state == "sending" and states[tenth].uncertain
        assert len(report.sent) == 24
    else:
        # Killed before the end of data: the server cannot have it; re-sent safely.
        assert report.requeued == [tenth] and not report.uncertain
        assert len(report.sent) == 25
    assert sum(r.state == "sent" for r in states.values()) == 33 + (kill_at == "rcpt")


def test_resumption_rule_unit(tmp_path):
    act, _ = _prepared(tmp_path, n=3)
    with Journal.open_existing(act / "mail") as j:
        j.change("asst-01", "send-attempt", state="sending", transmitted=0, attempts=1)
        j.change("asst-02", "send-attempt", state="sending", transmitted=1, attempts=1)
    dry = send_batch(act, None, dry_run=True)
    assert [r.recipient_id for r in dry.planned] == ["asst-01", "areu"]
    assert dry.uncertain[0][0] == "asst-02"
    with SmtpServer("ssl") as server:
        report = send_batch(act, server.settings())
        assert sorted(report.sent) == ["areu", "asst-01"]
        assert [r for r, _ in report.uncertain] == ["asst-02"]
        assert len(server.handler.messages) == 2
        forced = send_batch(act, server.settings(), resend_uncertain=True)
        assert forced.sent == ["asst-02"] and len(server.handler.messages) == 3


def test_wrong_password_is_a_clear_error(tmp_path):
    act, _ = _prepared(tmp_path, n=2)
    with SmtpServer("ssl") as server:
        settings = server.settings()
        settings.password = "sbagliata"
        with pytest.raises(CircolariError) as err:
            send_batch(act, settings)
        assert "autenticazione rifiutata" in str(err.value)
        assert "sbagliata" not in str(err.value) and PASSWORD not in repr(server.settings())
    assert {r.state for r in _states(act).values()} == {"prepared"}


def test_no_common_authentication_method_is_a_clear_error(tmp_path, monkeypatch):
    import smtplib

    def no_method(self, user, password, **kwargs):
        raise smtplib.SMTPException("No suitable authentication method found.")

    monkeypatch.setattr(smtplib.SMTP, "login", no_method)
    act, _ = _prepared(tmp_path, n=2)
    with SmtpServer("ssl") as server:
        with pytest.raises(CircolariError, match="non permette l'accesso: No suitable authentication"):
            send_batch(act, server.settings())
    assert {r.state for r in _states(act).values()} == {"prepared"}


def test_untrusted_certificate_and_server_down(tmp_path):
    act, _ = _prepared(tmp_path, n=2)
    with SmtpServer("ssl") as server:
        settings = server.settings()
        settings.cafile = None
        with pytest.raises(CircolariError, match="CIRCOLARI_SMTP_CAFILE"):
            send_batch(act, settings)
        down = server.settings()
    with refused_port() as down.port, pytest.raises(CircolariError, match="impossibile inviare"):
        send_batch(act, down, max_attempts=2, backoff=0.01)
    assert {r.state for r in _states(act).values()} == {"prepared"}


def test_rate_limit_spaces_the_messages_by_the_interval(tmp_path, monkeypatch):
    """On a clock of the test's own (it moves only when the batch sleeps): each message starts
    one interval after the one before, the first at once (sending itself takes no time on it)."""
    import types

    from circolari.mail import send

    assert parse_rate("30/min") == 30 and parse_rate(None) is None
    with pytest.raises(CircolariError, match="--rate"):
        parse_rate("tanti")
    act, _ = _prepared(tmp_path, n=4)
    clock = types.SimpleNamespace(now=1000.0, sent_at=[], sleeps=[])

    def sleep(seconds):
        clock.sleeps.append(seconds)
        clock.now += seconds

    monkeypatch.setattr(send, "time", types.SimpleNamespace(monotonic=lambda: clock.now))
    with SmtpServer("ssl") as server:
        report = send_batch(act, server.settings(), rate_per_min=600, sleep=sleep,  # one each 0.1 s
                            progress=lambda rid, outcome: clock.sent_at.append(clock.now))
        assert len(server.handler.messages) == 4
    assert len(report.sent) == 4
    assert clock.sleeps == pytest.approx([0.1] * 3)
    assert clock.sent_at == pytest.approx([1000.0, 1000.1, 1000.2, 1000.3])


def test_cli_send(tmp_path):
    from typer.testing import CliRunner

    from circolari.cli.mail import app

    act, _ = _prepared(tmp_path, n=3)
    with SmtpServer("starttls") as server:
        env = {k: v for k, v in server.env().items() if k.startswith("CIRCOLARI_")}
        no_pw = dict(env, CIRCOLARI_SMTP_PASSWORD=None)
        res = CliRunner(env=no_pw).invoke(app, ["send", str(act)])
        assert res.exit_code == 1 and "CIRCOLARI_SMTP_PASSWORD" in res.output
        res = CliRunner(env=env).invoke(app, ["send", str(act), "--rate", "6000/min"])
        assert res.exit_code == 0, res.output
        assert "Inviati 3, falliti 0" in res.output and PASSWORD not in res.output
        assert len(server.handler.messages) == 3


def test_batch_stops_after_consecutive_421(tmp_path):
    act, _ = _prepared(tmp_path, n=6)
    addresses = _addresses(act)
    waits = []
    with SmtpServer("ssl") as server:
        server.handler.tempfail_always = set(addresses.values())  # 421 to every message
        with pytest.raises(CircolariError, match="421.*invio sospeso") as err:
            send_batch(act, server.settings(), backoff=0.01, stop_after_421=3,
                       on_wait=lambda rid, s, why: waits.append((rid, why)))
        assert "rilanciare" in str(err.value)
        assert len(server.handler.messages) == 0
    assert len(waits) == 2 and all("421" in why for _, why in waits)   # announced
    assert {r.state for r in _states(act).values()} == {"prepared"}


def test_cli_send_prints_one_progress_line_per_message_off_a_terminal(tmp_path):
    from typer.testing import CliRunner

    from circolari.cli.mail import app

    act, _ = _prepared(tmp_path, n=3)
    with SmtpServer("ssl") as server:
        env = {k: v for k, v in server.env().items() if k.startswith("CIRCOLARI_")}
        res = CliRunner(env=env).invoke(app, ["send", str(act), "--timeout", "10"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("[")]
    assert lines == ["[1/3] asst-01: inviato", "[2/3] asst-02: inviato",
                     "[3/3] areu: inviato"]


def test_data_sent_is_synced_before_the_end_of_data(tmp_path, monkeypatch):
    """Only the data-sent commit needs to be on disk before the end-of-data marker (never
    twice); send-attempt and sent are not synced one by one."""
    act, _ = _prepared(tmp_path, n=3)
    seen = []
    original = Journal.record_event

    def spy(self, db, recipient_id, kind, state, detail, at):
        seen.append((kind, db.execute("PRAGMA synchronous").fetchone()[0]))
        return original(self, db, recipient_id, kind, state, detail, at)

    monkeypatch.setattr(Journal, "record_event", spy)
    with SmtpServer("ssl") as server:
        report = send_batch(act, server.settings())
    assert len(report.sent) == 3
    full, normal = 2, 1
    assert seen == [("send-attempt", normal), ("data-sent", full), ("sent", normal)] * 3
    with Journal.open_existing(act / "mail") as j:      # the setting is restored
        assert j.db.execute("PRAGMA synchronous").fetchone()[0] == full


def test_message_changed_during_the_batch_is_not_sent(tmp_path):
    """Messages are read again at their turn (memory stays bounded): one altered after the
    batch started is refused then, not sent."""
    act, _ = _prepared(tmp_path, n=3)
    order = [r.recipient_id for r in _states(act).values()]

    def tamper(rid, outcome):
        if rid == order[0]:
            path = act / "mail" / f"{order[1]}.eml"
            path.write_bytes(path.read_bytes().replace(b"Cordiali saluti", b"Saluti"))

    with SmtpServer("ssl") as server:
        with pytest.raises(CircolariError, match="modificato dopo la preparazione"):
            send_batch(act, server.settings(), progress=tamper)
        assert len(server.handler.messages) == 1
    states = _states(act)
    assert states[order[0]].state == "sent" and states[order[1]].state == "prepared"


_PIECES = [b"a", b".", b"..", b"\r", b"\n", b"\r\n", b" ", b"x.y", b"\r\n.\r\n"]


@settings(max_examples=300, deadline=None)
# Up to 30 pieces in any order, drawn as one string of piece numbers (one choice for Hypothesis, not two per piece).
@given(st.text("012345678", max_size=30).map(lambda numbers: b"".join(_PIECES[int(n)] for n in numbers)))
def test_dot_stuffing_shortcut_equals_the_full_rewrite(data):
    """dot_stuff skips its rewrites when the message needs none; the result is always
    the full rewrite's (CRLF everywhere, leading dots doubled, final CRLF)."""
    import re

    from circolari.mail.smtp import dot_stuff

    full = re.sub(rb"(?m)^\.", b"..", re.sub(rb"\r\n|\n|\r", b"\r\n", data))
    assert dot_stuff(data) == (full if full.endswith(b"\r\n") else full + b"\r\n")
