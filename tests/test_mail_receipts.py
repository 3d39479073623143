"""mail receipts and mail status: PEC receipts per the technical rules, evidence, exit codes."""

from __future__ import annotations

import csv
import mailbox

import pytest
from typer.testing import CliRunner

from circolari.mail.cli import app
from circolari.mail.journal import Journal
from circolari.mail.prepare import prepare
from circolari.mail.receipts import import_receipts, parse_receipt
from mail_helpers import make_act, make_receipt, signed_pdf


@pytest.fixture()
def sent_act(tmp_path):
    act = make_act(tmp_path, n=4)  # asst-01..03 (to), areu (cc)
    prepare(act, signed_pdf(tmp_path))
    with Journal.open_existing(act / "mail") as j:
        for r in j.rows():
            j.change(r.recipient_id, "sent", "250 ok", state="sent", sent_at="2020-05-20T10:00")
        rows = {r.recipient_id: r for r in j.rows()}
    return act, rows


def test_parse_receipt_prefers_daticert_msgid():
    raw = make_receipt("accettazione", "<header@circolari.local>", "a@x.pec.test",
                       xml_msgid="<xml@circolari.local>")
    rec = parse_receipt(raw, "r.eml")
    assert rec.tipo == "accettazione" and rec.msgid == "<xml@circolari.local>"
    only_header = parse_receipt(b"X-Ricevuta: accettazione\r\nX-Riferimento-Message-ID: "
                                b"<h@circolari.local>\r\nSubject: ACCETTAZIONE: x\r\n\r\nok\r\n",
                                "h.eml")
    assert only_header.msgid == "<h@circolari.local>" and only_header.problem is None
    assert parse_receipt(b"Subject: ciao\r\n\r\nnon una ricevuta\r\n", "x").problem


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
    report = import_receipts(act, folder)
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
    again = import_receipts(act, folder)
    assert again.applied == [] and len(again.duplicates) == 5
    box = mailbox.mbox(str(tmp_path / "ricevute.mbox"))
    for name in ("01-cons.eml", "02-err.eml"):
        box.add(files[name])
    box.close()
    from_mbox = import_receipts(act, tmp_path / "ricevute.mbox")
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
    report = import_receipts(act, tmp_path / "Maildir")
    assert len(report.applied) == 3
    with Journal.open_existing(act / "mail") as j:
        st = {r.recipient_id: r for r in j.rows()}
    assert st["asst-01"].state == "delivered"     # a late accettazione does not go back
    assert st["areu"].state == "failed" and "Virus" in st["areu"].last_error


def test_receipt_resolves_uncertain_message(tmp_path):
    act = make_act(tmp_path, n=2)
    prepare(act, signed_pdf(tmp_path))
    with Journal.open_existing(act / "mail") as j:
        j.change("asst-01", "send-attempt", state="sending", transmitted=1, attempts=1)
        row = j.row("asst-01")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.eml").write_bytes(make_receipt("accettazione", row.message_id,
                                                        row.address))
    import_receipts(act, tmp_path / "r")
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
    assert len(data) == 4 and data[-1]["ruolo"] == "per conoscenza"
    assert {d["stato"] for d in data} == {"inviato"}

    folder = tmp_path / "R"
    folder.mkdir()
    for rid, r in rows.items():
        (folder / f"{rid}.eml").write_bytes(make_receipt("avvenuta-consegna", r.message_id,
                                                         r.address))
    res = runner.invoke(app, ["receipts", str(act), str(folder)])
    assert res.exit_code == 0 and "abbinate: 4" in res.output
    assert runner.invoke(app, ["status", str(act)]).exit_code == 0

    (folder / "x.eml").write_bytes(make_receipt("errore-consegna", rows["areu"].message_id,
                                                rows["areu"].address, errore="no-dest"))
    act2 = make_act(tmp_path / "b", n=2)
    prepare(act2, signed_pdf(tmp_path))
    with Journal.open_existing(act2 / "mail") as j:
        j.change("asst-01", "failed", "550", state="failed", last_error="550 no")
    res = runner.invoke(app, ["status", str(act2)])
    assert res.exit_code == 1 and "fallito" in res.output
    res = runner.invoke(app, ["status", str(tmp_path / "nessuno")])
    assert res.exit_code == 1 and "mail prepare" in res.output and "Traceback" not in res.output


def test_status_shows_server_words_literally(tmp_path):
    act = make_act(tmp_path / "c", n=2)
    prepare(act, signed_pdf(tmp_path))
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
               "pec": f"protocollo@asst-{i:02d}.pec.test", "role": "to"}
              for i, n in enumerate(names)]
    act = make_act(tmp_path, recips=recips)
    prepare(act, signed_pdf(tmp_path))
    out = tmp_path / "stato.csv"
    status.write_csv(status.collect(act), out)
    with open(out, encoding="utf-8-sig", newline="") as f:
        got = [row["denominazione"] for row in csv.DictReader(f)]
    assert got == ["'" + n for n in names[:-1]] + ["Azienda normale"]
