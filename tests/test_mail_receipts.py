"""mail receipts and mail status: PEC receipts per the technical rules, evidence, exit codes."""

from __future__ import annotations

import csv
import json
import mailbox

import pytest
from typer.testing import CliRunner

from circolari.cli.mail import app
from circolari.mail.journal import Journal
from circolari.mail.prepare import prepare
from circolari.mail.receipts import import_receipts, parse_receipt
from circolari.mail.smime import Verifier
from helpers.mail import (USER, daticert_xml, make_act, make_receipt, pec_signers, prepared_act,
                          signed_pdf)
from helpers.mail import sent_act as transmitted


def _trust():
    """The test providers' CA file (without it no receipt is applied): made on first use in the
    process (helpers.mail.pec_signers), not at collection in every test worker."""
    return pec_signers()["ca_pem"]


@pytest.fixture()
def sent_act(tmp_path):
    return transmitted(tmp_path, n=4)  # asst-01..03 (to), areu (cc)


def test_parse_receipt_reads_only_the_signed_daticert():
    verifier = Verifier()
    raw = make_receipt("accettazione", "<xml@circolari.local>", "a@x.pec.test")
    rec = parse_receipt(raw, "r.eml", verifier)
    assert rec.problem is None and rec.tipo == "accettazione"
    assert rec.msgid == "<xml@circolari.local>" and rec.dati.data == "2020-05-20T10:15:32+02:00"
    only_header = parse_receipt(b"X-Ricevuta: accettazione\r\nX-Riferimento-Message-ID: "
                                b"<h@circolari.local>\r\nSubject: ACCETTAZIONE: x\r\n\r\nok\r\n",
                                "h.eml", verifier)
    assert only_header.problem and "non firmata" in only_header.problem
    assert parse_receipt(b"Subject: ciao\r\n\r\nnon una ricevuta\r\n", "x", verifier).problem


def test_delivered_failed_unmatched_and_idempotent(tmp_path, sent_act):
    act, rows = sent_act
    folder = tmp_path / "RICEVUTE"
    folder.mkdir()
    original = (act / "mail" / "asst-01.eml").read_bytes()
    files = {
        "01-acc.eml": make_receipt("accettazione", rows["asst-01"].message_id,
                                   rows["asst-01"].address),
        "01-cons.eml": make_receipt("avvenuta-consegna", rows["asst-01"].message_id,
                                    rows["asst-01"].address, original=original),
        "02-acc.eml": make_receipt("accettazione", rows["asst-02"].message_id,
                                   rows["asst-02"].address),
        "02-err.eml": make_receipt("errore-consegna", rows["asst-02"].message_id,
                                   rows["asst-02"].address, errore="no-dest",
                                   errore_esteso="5.1.1 - Utente inesistente"),
        "03-acc.eml": make_receipt("accettazione", rows["asst-03"].message_id,
                                   rows["asst-03"].address),
        "zz-altro.eml": make_receipt("avvenuta-consegna", "<sconosciuto@altrove.test>",
                                     "x@y.pec.test"),
        "zz-spam.eml": b"From: a@b.test\r\nSubject: offerta\r\n\r\nciao\r\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = import_receipts(act, folder, trust=_trust())
    assert len(report.applied) == 5
    assert sorted(s for s, _ in report.unmatched) == ["zz-altro.eml", "zz-spam.eml"]
    with Journal.open_existing(act / "mail") as j:
        st = {r.recipient_id: r for r in j.rows()}
        n_events = len(j.events())
    assert st["asst-01"].state == "delivered" and st["asst-01"].delivered_at
    assert st["asst-02"].state == "failed"
    assert "Utente inesistente" in st["asst-02"].last_error
    assert st["asst-03"].state == "accepted"
    assert st["areu"].state == "sent"
    evidence = sorted(p.name for p in (act / "mail" / "ricevute").glob("*.eml"))
    assert len(evidence) == 5 and evidence[0].startswith("asst-01.")
    kept = list((act / "mail" / "ricevute" / "non-abbinate").glob("*.eml"))
    assert sorted(p.read_bytes() for p in kept) == sorted([files["zz-altro.eml"],
                                                           files["zz-spam.eml"]])
    # The same receipts again (and from an mbox): nothing changes.
    again = import_receipts(act, folder, trust=_trust())
    assert again.applied == [] and len(again.duplicates) == 5
    box = mailbox.mbox(str(tmp_path / "ricevute.mbox"))
    for name in ("01-cons.eml", "02-err.eml"):
        box.add(files[name])
    box.close()
    from_mbox = import_receipts(act, tmp_path / "ricevute.mbox", trust=_trust())
    assert from_mbox.applied == [] and len(from_mbox.duplicates) == 2
    with Journal.open_existing(act / "mail") as j:
        assert len(j.events()) == n_events


def test_out_of_order_and_maildir(tmp_path, sent_act):
    act, rows = sent_act
    md = mailbox.Maildir(str(tmp_path / "Maildir"))
    md.add(make_receipt("avvenuta-consegna", rows["asst-01"].message_id,
                        rows["asst-01"].address))
    md.add(make_receipt("accettazione", rows["asst-01"].message_id, rows["asst-01"].address))
    md.add(make_receipt("non-accettazione", rows["areu"].message_id, rows["areu"].address,
                        errore="altro", errore_esteso="Virus rilevato nel messaggio"))
    report = import_receipts(act, tmp_path / "Maildir", trust=_trust())
    assert len(report.applied) == 3
    with Journal.open_existing(act / "mail") as j:
        st = {r.recipient_id: r for r in j.rows()}
    assert st["asst-01"].state == "delivered"     # a late accettazione does not go back
    assert st["areu"].state == "failed" and "Virus" in st["areu"].last_error


def test_maildir_links_and_fifos_are_skipped_never_read(tmp_path, sent_act):
    """As in a plain folder: a link in a Maildir could lead outside the folder given (here to a
    valid receipt elsewhere) and a FIFO would hang the import."""
    import os

    from helpers.hang import no_hang

    act, rows = sent_act
    md = mailbox.Maildir(str(tmp_path / "Maildir"))
    md.add(make_receipt("accettazione", rows["asst-01"].message_id, rows["asst-01"].address))
    elsewhere = tmp_path / "altrove.eml"
    elsewhere.write_bytes(make_receipt("accettazione", rows["asst-02"].message_id, rows["asst-02"].address))
    (tmp_path / "Maildir" / "new" / "1700000000.link.host").symlink_to(elsewhere)
    os.mkfifo(tmp_path / "Maildir" / "cur" / "1700000001.fifo.host:2,S")
    with no_hang():
        report = import_receipts(act, tmp_path / "Maildir", trust=_trust())
    assert report.applied == [("asst-01", "accettazione", "accepted")] and report.unmatched == []


def test_receipt_resolves_uncertain_message(tmp_path):
    act = prepared_act(tmp_path, n=2)
    with Journal.open_existing(act / "mail") as j:
        j.change("asst-01", "send-attempt", state="sending", attempts=1)
        j.change("asst-01", "data-sent", transmitted=1)
        row = j.row("asst-01")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.eml").write_bytes(make_receipt("accettazione", row.message_id,
                                                        row.address))
    import_receipts(act, tmp_path / "r", trust=_trust())
    with Journal.open_existing(act / "mail") as j:
        assert j.row("asst-01").state == "accepted"


def test_status_table_csv_and_exit_codes(tmp_path, sent_act):
    act, rows = sent_act
    runner = CliRunner(env={"COLUMNS": "200"})
    res = runner.invoke(app, ["status", str(act), "--csv", str(tmp_path / "stato.csv")])
    assert res.exit_code == 3, res.output          # sent, not yet delivered
    assert "per conoscenza" in res.output and "inviato" in res.output
    with open(tmp_path / "stato.csv", encoding="utf-8-sig", newline="") as f:
        data = list(csv.DictReader(f))
    assert len(data) == 4 and data[-1]["per_conoscenza"] == "sì"
    assert {d["stato"] for d in data} == {"inviato"}

    folder = tmp_path / "R"
    folder.mkdir()
    for rid, r in rows.items():
        (folder / f"{rid}.eml").write_bytes(make_receipt("avvenuta-consegna", r.message_id,
                                                         r.address))
    res = runner.invoke(app, ["receipts", str(act), str(folder), "--trust", str(_trust())])
    assert res.exit_code == 0 and "abbinate: 4" in res.output
    assert runner.invoke(app, ["status", str(act)]).exit_code == 0

    (folder / "x.eml").write_bytes(make_receipt("errore-consegna", rows["areu"].message_id,
                                                rows["areu"].address, errore="no-dest"))
    act2 = prepared_act(tmp_path / "b", n=2)
    with Journal.open_existing(act2 / "mail") as j:
        j.change("asst-01", "failed", "550", state="failed", last_error="550 no")
    res = runner.invoke(app, ["status", str(act2)])
    assert res.exit_code == 1 and "fallito" in res.output
    res = runner.invoke(app, ["status", str(tmp_path / "nessuno")])
    assert res.exit_code == 1 and "mail prepare" in res.output and "Traceback" not in res.output


def test_status_shows_server_words_literally(tmp_path):
    act = prepared_act(tmp_path / "c", n=2)
    with Journal.open_existing(act / "mail") as j:
        j.change("asst-01", "failed", "550", state="failed", last_error="550 [/mailbox] [bold]sconosciuta[/bold]")
    res = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["status", str(act)])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert "550 [/mailbox] [bold]sconosciuta[/bold]" in res.output


def test_status_csv_defuses_formulas(tmp_path):
    from circolari.mail import status

    names = ["=HYPERLINK(\"http://x.test\",\"clic\")", "+1+1", "-2+3", "@SUM(A1)",
             "\tTab", "\rCR", "Azienda normale"]
    recips = [{"id": f"r{i}", "denominazione": n, "ruolo": None,
               "pec": f"protocollo@asst-{i:02d}.pec.test", "per_conoscenza": False}
              for i, n in enumerate(names)]
    act = make_act(tmp_path, recips=recips)
    prepare(act, signed_pdf(tmp_path))
    out = tmp_path / "stato.csv"
    status.write_csv(status.collect(act), out)
    with open(out, encoding="utf-8-sig", newline="") as f:
        got = [row["denominazione"] for row in csv.DictReader(f)]
    assert got == ["'" + n for n in names[:-1]] + ["Azienda normale"]


# -- evidence: signature, daticert, transmission ------------------------------------------
def _import(act, tmp_path, files: dict, trust=None, **kw):
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return import_receipts(act, folder, trust=trust or _trust(), **kw)


def _refused_reasons(act):
    kept = act / "mail" / "ricevute" / "non-abbinate"
    return sorted(p.read_text(encoding="utf-8") for p in kept.glob("*.motivo.txt"))


def test_forged_unsigned_receipt_is_refused(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["asst-01"]
    forged = (f"From: qualcuno@gmail.com\r\nTo: {USER}\r\nSubject: CONSEGNA: x\r\n"
              f"X-Ricevuta: avvenuta-consegna\r\nX-Riferimento-Message-ID: {r.message_id}\r\n"
              f"X-Ricevuta: avvenuta-consegna\r\nX-Riferimento-Message-ID: {r.message_id}\r\n"
              "\r\nConsegnato.\r\n").encode()
    report = _import(act, tmp_path, {"falsa.eml": forged,
                                     "non-firmata.eml": make_receipt(
                                         "avvenuta-consegna", r.message_id, r.address,
                                         form="unsigned")})
    assert report.applied == []
    assert {s: "non firmata" in why for s, why in report.unmatched} == \
        {"falsa.eml": True, "non-firmata.eml": True}
    assert all("non firmata" in t for t in _refused_reasons(act))
    with Journal.open_existing(act / "mail") as j:
        assert j.row("asst-01").state == "sent"


def test_tampered_receipts_are_refused(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["asst-01"]
    files = {
        "daticert.eml": make_receipt("avvenuta-consegna", r.message_id, r.address,
                                     tamper=b'errore="nessuno"|errore="nessuno" '),
        "opaca.eml": make_receipt("avvenuta-consegna", r.message_id, r.address, form="opaque",
                                  tamper=b"10:15:32</ora>|10:15:33</ora>"),
        "x-ricevuta.eml": make_receipt("accettazione", r.message_id, r.address,
                                       header_tipo="avvenuta-consegna"),
        "destinatario.eml": make_receipt("avvenuta-consegna", r.message_id,
                                         "altro@asst-99.pec.test"),
        "mittente.eml": make_receipt("accettazione", r.message_id, r.address,
                                     mittente="altro@regione.pec.test"),
        "oggetto.eml": make_receipt("accettazione", r.message_id, r.address,
                                    oggetto="Un altro oggetto"),
    }
    report = _import(act, tmp_path, files)
    assert report.applied == []
    why = dict(report.unmatched)
    assert "alterato" in why["daticert.eml"] and "alterato" in why["opaca.eml"]
    assert "X-Ricevuta" in why["x-ricevuta.eml"]
    assert "destinatario" in why["destinatario.eml"]
    assert "mittente" in why["mittente.eml"] and "oggetto" in why["oggetto.eml"]
    assert len(_refused_reasons(act)) == 6


def test_daticert_with_entities_is_refused(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["asst-01"]
    xml = daticert_xml("accettazione", r.message_id, r.address, ident="opec-1@pec.test")
    bomb = xml.replace(b'<!DOCTYPE postacert SYSTEM "daticert.dtd">',
                       b'<!DOCTYPE postacert [<!ENTITY a "aaaaaaaaaa">'
                       b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>')
    report = _import(act, tmp_path, {"bomba.eml": make_receipt(
        "accettazione", r.message_id, r.address, xml=bomb)})
    assert report.applied == [] and "entità" in report.unmatched[0][1]


def test_trust_bundle(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["asst-01"]
    stranger = make_receipt("accettazione", r.message_id, r.address, signer="estraneo")
    report = _import(act, tmp_path, {"s.eml": stranger}, trust=_trust())
    assert report.applied == [] and "non attendibile" in report.unmatched[0][1]
    ok = make_receipt("avvenuta-consegna", r.message_id, r.address)
    report = _import(act, tmp_path, {"ok.eml": ok}, trust=_trust())
    assert report.applied == [("asst-01", "avvenuta-consegna", "delivered")]
    with Journal.open_existing(act / "mail") as j:
        detail = json.loads(j.events("asst-01")[-1]["detail"])
    assert detail["attendibile"] is True and "posta-certificata@pec.test" in detail["firmatario"]


def test_receipt_signed_with_a_now_expired_certificate_is_never_consegnato(tmp_path, sent_act):
    """The signing time in a receipt is the signer's own claim: a certificate valid only in
    2020, with a signature that says 2020, is judged now (as openssl smime -verify does), so
    the receipt is refused as signed by an expired certificate and the state does not change."""
    import datetime as dt

    act, rows = sent_act
    r = rows["asst-01"]
    back_then = dt.datetime(2020, 5, 20, 8, 15, 32, tzinfo=dt.timezone.utc)
    for form in ("signed", "opaque"):
        old = make_receipt("avvenuta-consegna", r.message_id, r.address, signer="gestore-scaduto",
                           signed_at=back_then, form=form)
        report = _import(act, tmp_path, {f"scaduta-{form}.eml": old}, trust=_trust())
        assert report.applied == []
        assert "firmatario non attendibile" in report.unmatched[0][1]
        assert "il certificato del gestore è scaduto" in report.unmatched[0][1]
    with Journal.open_existing(act / "mail") as j:
        assert j.row("asst-01").state == "sent" and j.row("asst-01").delivered_at is None
    # the same claim of 2020 with a certificate valid today is applied: only validity is judged
    good = make_receipt("avvenuta-consegna", r.message_id, r.address, signed_at=back_then)
    report = _import(act, tmp_path, {"buona.eml": good}, trust=_trust())
    assert report.applied == [("asst-01", "avvenuta-consegna", "delivered")]


def test_receipt_without_trust_bundle_is_never_consegnato(tmp_path, sent_act):
    """Without --trust anyone's self-signed certificate would do: a receipt that matches in
    every other way changes no state ("consegnato" only on a receipt proven to be one), is kept
    aside with the reason, and is applied by a later import with --trust."""
    act, rows = sent_act
    r = rows["asst-01"]
    files = {"forgiata.eml": make_receipt("avvenuta-consegna", r.message_id, r.address, signer="estraneo"),
             "vera.eml": make_receipt("avvenuta-consegna", r.message_id, r.address)}
    runner = CliRunner()
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        res = runner.invoke(app, ["receipts", str(act), str(tmp_path / name)])
        assert res.exit_code == 0, res.output
        assert "abbinate: 0, già importate: 0, non abbinate: 1" in res.output
        assert (f"non abbinata: {name}: ricevuta non verificabile: nessun certificato di fiducia dei gestori "
                "PEC, chi l'ha firmata (Common Name: posta-certificata@pec.test, Organization: Gestore PEC di prova, "
                "Country: IT) non è verificato; importarla di nuovo con --trust gestori.pem") in res.output
        status = runner.invoke(app, ["status", str(act)])
        assert status.exit_code == 3 and "consegnato" not in status.output.replace("consegnato ", ""), status.output
    with Journal.open_existing(act / "mail") as j:
        assert j.row("asst-01").state == "sent" and j.row("asst-01").delivered_at is None
    res = runner.invoke(app, ["receipts", str(act), str(tmp_path / "forgiata.eml"), "--trust", str(_trust())])
    assert "non abbinate: 1" in res.output and "firmatario non attendibile" in res.output
    res = runner.invoke(app, ["receipts", str(act), str(tmp_path / "vera.eml"), "--trust", str(_trust())])
    assert "abbinate: 1, già importate: 0, non abbinate: 0" in res.output
    with Journal.open_existing(act / "mail") as j:
        assert j.row("asst-01").state == "delivered"


def test_receipts_for_never_transmitted_messages_are_set_aside(tmp_path):
    act = prepared_act(tmp_path, n=2)        # e.g. a trial run's receipts, same Message-IDs
    with Journal.open_existing(act / "mail") as j:
        rows = {r.recipient_id: r for r in j.rows()}
    r = rows["asst-01"]
    report = _import(act, tmp_path, {
        "acc.eml": make_receipt("accettazione", r.message_id, r.address),
        "cons.eml": make_receipt("avvenuta-consegna", r.message_id, r.address)})
    assert report.applied == [] and len(report.unmatched) == 2
    assert all("mai trasmesso" in why for _, why in report.unmatched)
    with Journal.open_existing(act / "mail") as j:
        assert {x.state for x in j.rows()} == {"prepared"}


def test_real_formats_are_matched(tmp_path, sent_act):
    act, rows = sent_act
    a1, a2, a3, cc = (rows[k] for k in ("asst-01", "asst-02", "asst-03", "areu"))
    original = (act / "mail" / "asst-01.eml").read_bytes()
    files = {
        "a1-acc-opaca.eml": make_receipt("accettazione", a1.message_id, a1.address,
                                         form="opaque"),
        "a1-completa.eml": make_receipt("avvenuta-consegna", a1.message_id, a1.address,
                                        original=original),
        "a2-acc-latin1.eml": make_receipt("accettazione", a2.message_id, a2.address,
                                          encoding="ISO-8859-1"),
        "a2-breve-lf.eml": make_receipt("avvenuta-consegna", a2.message_id, a2.address,
                                        ricevuta="breve", lf=True),
        "a3-preavviso.eml": make_receipt("preavviso-errore-consegna", a3.message_id,
                                         a3.address, errore="no-dest",
                                         errore_esteso="Tempo massimo superato"),
        "a3-errore.eml": make_receipt("errore-consegna", a3.message_id, a3.address,
                                      errore="no-dest", errore_esteso="5.1.1 Utente inesistente"),
        "cc-sintetica.eml": make_receipt("avvenuta-consegna", cc.message_id, cc.address,
                                         ricevuta="sintetica"),
    }
    report = _import(act, tmp_path, files)
    assert report.unmatched == [] and len(report.applied) == 7
    with Journal.open_existing(act / "mail") as j:
        st = {r.recipient_id: r for r in j.rows()}
    assert st["asst-01"].state == st["asst-02"].state == st["areu"].state == "delivered"
    assert st["asst-03"].state == "failed" and "Utente inesistente" in st["asst-03"].last_error
    # provider's times, with their zone, not import times
    assert st["asst-01"].accepted_at == "2020-05-20T10:15:32+02:00"
    assert st["asst-01"].delivered_at == "2020-05-20T10:15:32+02:00"


def test_non_accettazione(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["areu"]
    report = _import(act, tmp_path, {"na.eml": make_receipt(
        "non-accettazione", r.message_id, r.address, errore="altro",
        errore_esteso="Virus rilevato nel messaggio")})
    assert report.applied == [("areu", "non-accettazione", "failed")]


def test_consegna_before_accettazione_keeps_both_times(tmp_path, sent_act):
    act, rows = sent_act
    r = rows["asst-02"]
    _import(act, tmp_path, {"1.eml": make_receipt("avvenuta-consegna", r.message_id,
                                                  r.address)})
    (tmp_path / "in" / "1.eml").unlink()
    _import(act, tmp_path, {"2.eml": make_receipt("accettazione", r.message_id, r.address)})
    with Journal.open_existing(act / "mail") as j:
        row = j.row("asst-02")
    assert row.state == "delivered" and row.accepted_at == "2020-05-20T10:15:32+02:00"


def test_mbox_and_maildir_inside_nested_folders(tmp_path, sent_act):
    act, rows = sent_act
    root = tmp_path / "Posta"
    (root / "2020" / "maggio").mkdir(parents=True)
    box = mailbox.mbox(str(root / "2020" / "maggio" / "INBOX"))
    for rid in ("asst-01", "asst-02", "asst-03"):
        box.add(make_receipt("avvenuta-consegna", rows[rid].message_id, rows[rid].address))
    box.close()
    md = mailbox.Maildir(str(root / "2020" / "Maildir"))
    md.add(make_receipt("avvenuta-consegna", rows["areu"].message_id, rows["areu"].address))
    report = import_receipts(act, root, trust=_trust())
    assert report.unmatched == [] and len(report.applied) == 4
    with Journal.open_existing(act / "mail") as j:
        assert {x.state for x in j.rows()} == {"delivered"}


# -- reading receipts without the full MIME tree ------------------------------------------
def test_mime_parts_follow_rfc2046_delimiters():
    from circolari.mail.mime import find_attachment, parts

    body = (b"preambolo\r\n--b\r\n\r\nuno\r\n--b-lungo\r\nancora uno\r\n--b \t\r\n"
            b"Content-Type: text/plain\r\n\r\ndue\r\n--b--\r\nepilogo\r\n")
    assert parts(body, "b") == [b"\r\nuno\r\n--b-lungo\r\nancora uno",
                                b"Content-Type: text/plain\r\n\r\ndue"]
    assert parts(b"--b\r\n\r\nsenza chiusura\r\n", "b") == [b"\r\nsenza chiusura\r\n"]
    nested = (b'Content-Type: multipart/mixed; boundary="e"\r\n\r\n--e\r\n'
              b"Content-Type: message/rfc822\r\n\r\n"
              b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n'
              b'Content-Disposition: attachment; filename="daticert.xml"\r\n\r\n'
              b"<dentro-postacert/>\r\n--x--\r\n"
              b'\r\n--e\r\nContent-Type: multipart/alternative; boundary="i"\r\n\r\n--i\r\n'
              b'Content-Type: application/xml; name="DatiCert.xml"\r\n'
              b"Content-Transfer-Encoding: base64\r\n\r\nPHBvc3RhY2VydC8+\r\n--i--\r\n--e--\r\n")
    # the attached message (postacert.eml) is never entered; names are case-insensitive
    assert find_attachment(nested, "daticert.xml") == b"<postacert/>"


def test_common_signature_check_agrees_with_pyhanko():
    """The signature fast path decides exactly as pyHanko's validate_sig_integrity: valid,
    altered content, altered signature; EC and RSA providers."""
    import email
    import hashlib

    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    from circolari.mail import smime

    verifier = smime.Verifier()
    for signer in ("gestore", "gestore-rsa"):
        raw = make_receipt("accettazione", "<m@circolari.local>", "a@x.pec.test", signer=signer)
        data = smime._crlf(raw)
        content, sig_entity = smime._detached_parts(
            data, smime.mime.headers(data).get_boundary())
        der = email.message_from_bytes(sig_entity).get_payload(decode=True)
        sd = smime._signed_data(der)
        info = sd["signer_infos"][0]
        who = verifier._signer(sd)
        good = hashlib.sha256(content).digest()
        bad = hashlib.sha256(content + b" ").digest()
        broken = smime._signed_data(der)
        sig = bytearray(broken["signer_infos"][0]["signature"].native)
        sig[len(sig) // 2] ^= 1
        broken["signer_infos"][0]["signature"] = bytes(sig)
        cases = [(info, good), (info, bad), (broken["signer_infos"][0], good)]
        verdicts = [smime._common_integrity(i, who, d) for i, d in cases]
        assert verdicts == [validate_sig_integrity(i, who.cert, "data", d) for i, d in cases]
        assert verdicts == [(True, True), (False, True), (True, False)]
    ok = parse_receipt(make_receipt("accettazione", "<m@circolari.local>", "a@x.pec.test",
                                    signer="gestore-rsa"), "r.eml", verifier)
    assert ok.problem is None and "rsa.pec.test" in ok.signer


def test_reading_receipts_keeps_the_time_stamp_content_type_known(tmp_path):
    """asn1crypto freezes its content-type names on first use: reading a receipt must not
    make 'tst_info' unknown to later code in the same process (a time-stamp request)."""
    import subprocess
    import sys

    receipt = tmp_path / "r.eml"
    receipt.write_bytes(make_receipt("accettazione", "<m@circolari.local>", "a@x.pec.test"))
    code = ("import sys; from pathlib import Path\n"
            "from circolari.mail.receipts import parse_receipt\n"
            "from circolari.mail.smime import Verifier\n"
            "rec = parse_receipt(Path(sys.argv[1]).read_bytes(), 'r', Verifier())\n"
            "assert rec.problem is None, rec.problem\n"
            "from asn1crypto import cms; print(cms.ContentType('tst_info').dotted)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(receipt)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.strip() == "1.2.840.113549.1.9.16.1.4"
