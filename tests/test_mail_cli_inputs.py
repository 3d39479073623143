"""`circolari mail` as the clerk runs it: the providers' certificates from CIRCOLARI_PEC_TRUST,
a receipts source that is a FIFO, an attachment whose name is not UTF-8."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from circolari.cli.mail import app
from circolari.mail.journal import Journal
from helpers.hang import no_hang
from helpers.mail import make_act, make_receipt, pec_signers, signed_pdf
from helpers.mail import sent_act as transmitted


@pytest.fixture(scope="module")
def trust():
    """The test PEC providers' CA file (made on first use in the process, not at collection)."""
    return pec_signers()["ca_pem"]


@pytest.fixture()
def sent_act(tmp_path):
    act, rows = transmitted(tmp_path, n=2)
    row = next(iter(rows.values()))
    receipt = tmp_path / "consegna.eml"
    receipt.write_bytes(make_receipt("avvenuta-consegna", row.message_id, row.address))
    return act, row.recipient_id, receipt


def _state(act, rid):
    with Journal.open_existing(act / "mail") as j:
        return j.row(rid).state


def test_pec_trust_environment_variable_is_used_without_trust_option(sent_act, monkeypatch, trust):
    act, rid, receipt = sent_act
    monkeypatch.setenv("CIRCOLARI_PEC_TRUST", str(trust))
    res = CliRunner().invoke(app, ["receipts", str(act), str(receipt)])
    assert res.exit_code == 0, res.output
    assert "Ricevute abbinate: 1, già importate: 0, non abbinate: 0." in res.output
    assert _state(act, rid) == "delivered"


def test_trust_option_wins_over_pec_trust_environment_variable(sent_act, monkeypatch, tmp_path, trust):
    act, rid, receipt = sent_act
    monkeypatch.setenv("CIRCOLARI_PEC_TRUST", str(tmp_path / "manca.pem"))
    res = CliRunner().invoke(app, ["receipts", str(act), str(receipt), "--trust", str(trust)])
    assert res.exit_code == 0 and "Ricevute abbinate: 1," in res.output, res.output
    assert _state(act, rid) == "delivered"
    monkeypatch.setenv("CIRCOLARI_PEC_TRUST", str(trust))   # a bad option is not rescued by it
    missing = tmp_path / "altro.pem"
    res = CliRunner().invoke(app, ["receipts", str(act), str(receipt), "--trust", str(missing)])
    assert res.exit_code == 1, res.output
    assert f"{missing}: errore: campo '--trust': file non trovato" in res.output
    assert "CIRCOLARI_PEC_TRUST" not in res.output


@pytest.mark.parametrize("bad", ["missing", "fifo", "folder", "junk"])
def test_bad_pec_trust_environment_path_names_file_and_variable(sent_act, monkeypatch, tmp_path, bad):
    act, rid, receipt = sent_act
    path = tmp_path / f"gestori-{bad}.pem"
    if bad == "fifo":
        os.mkfifo(path)
    elif bad == "folder":
        path.mkdir()
    elif bad == "junk":
        path.write_text("non è un certificato\n", encoding="utf-8")
    monkeypatch.setenv("CIRCOLARI_PEC_TRUST", str(path))
    with no_hang():
        res = CliRunner().invoke(app, ["receipts", str(act), str(receipt)])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    expected = {"missing": "file non trovato",
                "fifo": "non è un file normale (è un dispositivo, una coda FIFO o simile)",
                "folder": "è una cartella, non un file",
                "junk": "il file non contiene certificati X.509 (PEM o DER)"}[bad]
    assert f"{path}: errore: campo 'CIRCOLARI_PEC_TRUST': " in res.output and expected in res.output, res.output
    assert _state(act, rid) == "sent" and not (act / "mail" / "ricevute").exists()


def test_receipts_source_that_is_a_fifo_is_refused_unopened(sent_act, tmp_path, trust):
    act, rid, _ = sent_act
    fifo = tmp_path / "ricevute.mbox"
    os.mkfifo(fifo)
    link = tmp_path / "collegamento"
    link.symlink_to(fifo)
    for source in (fifo, link):
        with no_hang():   # opening the FIFO for reading would block with no writer
            res = CliRunner().invoke(app, ["receipts", str(act), str(source), "--trust", str(trust)])
        assert res.exit_code == 1 and "Traceback" not in res.output, res.output
        assert (f"{source}: errore: non è un file normale né una cartella (è una coda FIFO, un "
                "dispositivo o simile)") in res.output
        assert "ricevute non trovate" not in res.output
    res = CliRunner().invoke(app, ["receipts", str(act), str(tmp_path / "manca"), "--trust", str(trust)])
    assert res.exit_code == 1 and "manca: errore: ricevute non trovate" in res.output, res.output
    assert _state(act, rid) == "sent"


@pytest.mark.parametrize("which", ["--allegato", "--signed"])
def test_attachment_name_not_in_utf8_is_named_with_the_advice_to_rename(tmp_path, which):
    act = make_act(tmp_path, n=2)
    signed = signed_pdf(tmp_path)
    odd = tmp_path / os.fsdecode(b"allegato-\xe0.pdf")
    odd.write_bytes(signed.read_bytes())
    args = ["--signed", str(signed), "--allegato", str(odd)] if which == "--allegato" else ["--signed", str(odd)]
    res = CliRunner().invoke(app, ["prepare", str(act), *args])
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert (f"{tmp_path}/allegato-\\xe0.pdf: errore: il nome del file non è in codifica UTF-8: non può "
            "diventare il nome dell'allegato nel messaggio PEC (rinominare il file usando solo lettere, "
            "cifre, '-' e '_' e indicarlo con il nuovo nome)") in res.output
    assert not (act / "mail").exists()


def test_ca_file_replaces_the_system_cas_as_the_help_says():
    """``--cafile``/``--imap-ca``: the file's CAs only, not added to the system's (the help
    once said "aggiuntivi"); host name and certificate still checked."""
    import ssl

    from circolari.mail.tls import client_context
    from helpers.mail import tls_files

    context = client_context(tls_files()[0], field="--imap-ca")
    assert context.cert_store_stats()["x509_ca"] == 1
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    for command in ("send", "receipts"):
        assert "aggiuntiv" not in CliRunner().invoke(app, [command, "--help"], terminal_width=200).output
