"""A asst_series series signed in one go (resumable), verified as a folder, and prepared for PEC letter by letter."""

from __future__ import annotations

import email
import hashlib
import json
import signal
from pathlib import Path

import shutil

import pytest

from conftest import run_cli
from helpers.forked_cli import fork_cli, reap_all
from helpers.series import asst, make_p12

PASSWORD = "segreta"


@pytest.fixture
def series(asst_series, tmp_path, monkeypatch) -> Path:
    """A private copy of the rendered series (``keep``: only its first letters)."""
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", PASSWORD)
    folder = tmp_path / "out" / "riparto"
    shutil.copytree(asst_series[1], folder)
    return folder


@pytest.fixture(scope="module")
def signed_once(asst_series, tmp_path_factory) -> tuple[Path, str, Path, Path]:
    """The session's series signed once with two jobs: (folder, sign's output, p12, CA); read-only."""
    work = tmp_path_factory.mktemp("serie-firmata")
    folder = work / "out" / "riparto"
    shutil.copytree(asst_series[1], folder)
    p12, ca = make_p12(work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIRCOLARI_P12_PASSWORD", PASSWORD)
        result = run_cli("sign", folder, "--p12", p12, "--jobs", "2", cwd=asst_series[0])
    assert result.exit_code == 0, result.output
    return folder, result.output, p12, ca


@pytest.fixture
def signed(signed_once, tmp_path, monkeypatch) -> tuple[Path, str, Path, Path]:
    """A private copy of the signed series, with ``signed_once``'s output, p12 and CA."""
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", PASSWORD)
    folder, output, p12, ca = signed_once
    copy = tmp_path / "out" / "riparto"
    shutil.copytree(folder, copy)
    return copy, output, p12, ca


def _keep(folder: Path, n: int) -> None:
    """Cut the series folder to its first ``n`` letters (what serie.json lists)."""
    listing = json.loads((folder / "serie.json").read_text(encoding="utf-8"))
    listing["lettere"] = listing["lettere"][:n]
    (folder / "serie.json").write_text(json.dumps(listing), encoding="utf-8")


def test_series_is_signed_verified_and_each_body_gets_only_its_own_signed_letter(signed, asst_series):
    series, output, p12, ca = signed
    bodies = asst(asst_series[0])
    assert f"{len(bodies)} lettere ({len(bodies)} firmate ora, 0 già firmate)" in output
    verified = run_cli("verify", series, "--trust", ca, cwd=asst_series[0])
    assert verified.exit_code == 0, verified.output
    assert f"{len(bodies)} lettere: {len(bodies)} valide" in verified.output and "Esito: VALIDO" in verified.output
    again = run_cli("sign", series, "--p12", p12, cwd=asst_series[0])
    assert f"(0 firmate ora, {len(bodies)} già firmate)" in again.output

    prepared = run_cli("mail", "prepare", series, cwd=asst_series[0])
    reachable = [e for e in bodies if e.pec and e.verificato]
    for ente in bodies:
        if ente not in reachable:  # a letter without a verified PEC is refused, by row, the others prepared
            assert f"({ente.id}): messaggi non preparati" in prepared.output
            assert not (series / ente.id / "mail").exists()
    assert prepared.exit_code == (0 if len(reachable) == len(bodies) else 1), prepared.output
    assert f"preparati i messaggi di {len(reachable)} lettere su {len(bodies)}" in prepared.output
    for ente in reachable:
        folder = series / ente.id
        letter = (folder / f"riparto-{ente.id}.firmato.pdf").read_bytes()
        (eml,) = (folder / "mail").glob("*.eml")
        message = email.message_from_bytes(eml.read_bytes())
        assert ente.pec.lower() in message["To"].lower()
        pdfs = [part for part in message.walk() if part.get_filename("").endswith(".pdf")]
        assert [p.get_filename() for p in pdfs] == [f"riparto-{ente.id}.firmato.pdf"]
        assert hashlib.sha256(pdfs[0].get_payload(decode=True)).hexdigest() == hashlib.sha256(letter).hexdigest()
        manifest = json.loads((folder / "mail" / "manifest.json").read_text(encoding="utf-8"))
        assert [m["id"] for m in manifest["messages"]] == [ente.id]


def test_verify_of_a_series_with_an_unsigned_letter_is_not_valid(signed, asst_series):
    series, _, _, ca = signed
    _keep(series, 2)
    first = asst(asst_series[0])[0].id
    (series / first / f"riparto-{first}.firmato.pdf").unlink()
    result = run_cli("verify", series, "--trust", ca, cwd=asst_series[0])
    assert result.exit_code == 1
    assert f"({first}): NON FIRMATO" in result.output and "Esito: NON VALIDO" in result.output
    assert "2 lettere: 1 valide, 0 non verificabili, 0 non valide, 1 non firmate." in result.output


def test_series_sign_with_wrong_password_stops_before_signing_anything(series, asst_series, tmp_path, monkeypatch):
    p12, _ = make_p12(tmp_path)
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", "sbagliata")
    result = run_cli("sign", series, "--p12", p12, cwd=asst_series[0])
    assert result.exit_code == 1 and "password del certificato errata" in result.output
    assert not list(series.glob("*/*.firmato.pdf"))


def test_mail_prepare_of_a_series_refuses_signed_option(series, asst_series):
    result = run_cli("mail", "prepare", series, "--signed", "x.pdf", cwd=asst_series[0])
    assert result.exit_code == 1 and "per una serie di lettere non si indica --signed" in result.output


def test_sign_killed_midway_completes_on_rerun_without_signing_twice(series, asst_series, tmp_path, monkeypatch):
    from circolari.series.manifest import letters
    from circolari.series.sign import signed_over_current
    from circolari.signature import pades

    p12, _ = make_p12(tmp_path)
    # A real process (``series`` set the password): it stops itself once the 3rd letter is signed
    # (output.checkpoint), and is killed (-9) there.
    process = fork_cli("sign", series, "--p12", p12, "--jobs", "1", cwd=asst_series[0], log=tmp_path / "log",
                       stop="signed#3")
    try:
        process.stopped()
        assert process.kill() == -signal.SIGKILL
    finally:
        reap_all()  # a child left stopped by a failure
    entries = letters(series)
    done = {e.ente: e.signed.stat().st_ino for e in entries if e.signed.exists()}
    assert len(done) == 3
    assert all(signed_over_current(e) for e in entries if e.ente in done), "a half-written signed letter"
    reads, read = [], pades.load_p12
    monkeypatch.setattr(pades, "load_p12", lambda *args, **kw: reads.append(args) or read(*args, **kw))
    result = run_cli("sign", series, "--p12", p12, "--jobs", "1", cwd=asst_series[0])
    assert result.exit_code == 0, result.output
    assert len(reads) == 1, "the certificate is read once per command"
    assert f"({len(entries) - len(done)} firmate ora, {len(done)} già firmate)" in result.output
    assert all(e.signed.stat().st_ino == done[e.ente] for e in entries if e.ente in done)
    assert all(signed_over_current(e) for e in entries)
    assert not list(series.glob("*/.*.tmp"))


def test_mail_send_of_a_series_gives_each_body_only_its_own_letter_and_resumes(signed, asst_series):
    from helpers.mail import SmtpServer
    from typer.testing import CliRunner

    from circolari.cli.mail import app
    from circolari.mail.journal import Journal

    series = signed[0]
    reachable = [e for e in asst(asst_series[0]) if e.pec and e.verificato]
    assert len(reachable) >= 3, "one refused, the others sent"
    listing = json.loads((series / "serie.json").read_text(encoding="utf-8"))
    listing["lettere"] = [item for item in listing["lettere"] if item["ente"] in {e.id for e in reachable}]
    (series / "serie.json").write_text(json.dumps(listing), encoding="utf-8")
    assert run_cli("mail", "prepare", series, cwd=asst_series[0]).exit_code == 0
    refused = reachable[1]
    rows = {item["ente"]: item["riga"] for item in listing["lettere"]}
    with SmtpServer("ssl") as server:
        env = {k: v for k, v in server.env().items() if k.startswith("CIRCOLARI_")}
        trial = CliRunner(env=env).invoke(app, ["send", str(series), "--dry-run"])
        assert trial.exit_code == 0, trial.output
        n = len(reachable)
        assert f"Prova: {n} messaggi da inviare per {n} lettere" in trial.output and not server.handler.messages
        server.handler.reject[refused.pec] = "550 5.1.1 casella inesistente"
        sent = CliRunner(env=env).invoke(app, ["send", str(series)])
        assert sent.exit_code == 1, sent.output
        assert f"riga {rows[refused.id]} ({refused.id}): {refused.id}: RCPT TO: 550 5.1.1 casella inesistente" in sent.output, sent.output
        assert f"{n} lettere: inviati {n - 1}, falliti 1" in sent.output
        assert server.handler.auth_ok == 1, "one connection for the whole series"
        for ente in reachable:
            if ente is refused:
                assert server.handler.count(ente.pec) == 0
                continue
            ((recipients, data),) = [m for m in server.handler.messages if ente.pec in m[0]]
            assert recipients == [ente.pec]
            message = email.message_from_bytes(data)
            pdfs = [part for part in message.walk() if part.get_filename("").endswith(".pdf")]
            letter = series / ente.id / f"riparto-{ente.id}.firmato.pdf"
            assert [p.get_filename() for p in pdfs] == [letter.name]
            assert hashlib.sha256(pdfs[0].get_payload(decode=True)).digest() == hashlib.sha256(letter.read_bytes()).digest()
            with Journal.open_existing(series / ente.id / "mail") as journal:
                assert [r.state for r in journal.rows()] == ["sent"]
        again = CliRunner(env=env).invoke(app, ["send", str(series)])
        assert "inviati 0, falliti 0" in again.output and f"già inviati prima: {n - 1}" in again.output, again.output
        assert len(server.handler.messages) == n - 1, "a letter was sent twice"
