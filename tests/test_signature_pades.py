"""PAdES signing, PDF and .p7m verification, and the sign/verify commands."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
import typer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from helpers.pdfa import META, SPOT, assert_pdfa, finished, make_pdf, pikepdf_findings
from helpers.pki import NOW, PASSWORD, Pki, make_tsa, serve_tsa
from typer.testing import CliRunner

from circolari.errors import CircolariError
from circolari.pdf.pdfa import SignatureSpot, finish_pdf
from circolari.pdf.pdfa_check import check_pdfa
from circolari.signature.pades import sign_pdf
from circolari.cli.signature import sign, verify
from circolari.signature.verdict import load_trust
from circolari.signature.verify import verify_file


@pytest.fixture
def act(tmp_path) -> Path:
    path = tmp_path / "circolare.pdf"
    path.write_bytes(finished(pages=3))
    return path


@pytest.fixture(scope="module")
def signed_once(pki, tmp_path_factory) -> Path:
    """``act`` (the same bytes: the PDF is deterministic) signed once for the module."""
    folder = tmp_path_factory.mktemp("firmato")
    (folder / "circolare.pdf").write_bytes(finished(pages=3))
    sign_pdf(folder / "circolare.pdf", folder / "circolare.firmato.pdf", pki.p12, PASSWORD)
    return folder / "circolare.firmato.pdf"


@pytest.fixture
def signed(act, signed_once, tmp_path) -> Path:
    """The signed ``act``: each test's own copy, to read or to change."""
    dst = tmp_path / "circolare.firmato.pdf"
    dst.write_bytes(signed_once.read_bytes())
    return dst


def test_signed_pdf_verifies_and_stays_pdfa(act, signed, pki, tmp_path):
    report = verify_file(signed, pki.trust)
    assert report.ok, report.lines()
    (sig,) = report.signatures
    assert sig.signed and sig.intact and sig.valid and sig.whole_file
    assert sig.signer == "Mario Rossi" and sig.issuer == "CA di prova" and sig.serial == "1092"
    assert sig.valid_from < NOW < sig.valid_to
    assert str(report.claim) == "PDF/A-2b" and report.pdfa_failures == []
    assert all(embedded for _, embedded in report.fonts)
    assert_pdfa(signed.read_bytes(), tmp_path)
    text = "\n".join(report.lines())
    assert "firmatario: Mario Rossi" in text and "Esito: VALIDO" in text


def test_source_is_unchanged(act, pki, tmp_path):
    before = hashlib.sha256(act.read_bytes()).digest()
    sign_pdf(act, tmp_path / "out.pdf", pki.p12, PASSWORD)
    assert hashlib.sha256(act.read_bytes()).digest() == before


def test_byte_changed_after_signing_is_detected(signed):
    raw = bytearray(signed.read_bytes())
    index = raw.index(b"<pdf:Keywords>vaccinazioni") + len(b"<pdf:Keywords>")
    raw[index] = ord("V")
    signed.write_bytes(bytes(raw))
    report = verify_file(signed)
    assert not report.ok
    assert not report.signatures[0].intact
    assert "COMPROMESSA" in "\n".join(report.lines())


def test_content_changed_in_a_later_revision_is_detected(signed):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"0 0 m 9 9 l S"))
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    signed.write_bytes(out.getvalue())
    report = verify_file(signed)
    sig = report.signatures[0]
    assert sig.intact and not sig.acceptable and not report.ok
    assert "MODIFICATO dopo la firma" in "\n".join(report.lines())


def test_signing_twice_is_refused(signed, pki, tmp_path):
    with pytest.raises(CircolariError, match="già firmato"):
        sign_pdf(signed, tmp_path / "due.pdf", pki.p12, PASSWORD)
    with pytest.raises(CircolariError, match="già firmato"):
        sign_pdf(signed, tmp_path / "due.pdf", pki.p12, PASSWORD, field=SPOT.name)


def test_second_signer_in_second_field(pki, tmp_path):
    segretario = SignatureSpot("Firma_Segretario", 1, (60, 60, 260, 120))
    (tmp_path / "dgr.pdf").write_bytes(finish_pdf(make_pdf(3), META, [SPOT, segretario]))
    with pytest.raises(CircolariError, match="più campi firma vuoti"):
        sign_pdf(tmp_path / "dgr.pdf", tmp_path / "x.pdf", pki.p12, PASSWORD)
    sign_pdf(tmp_path / "dgr.pdf", tmp_path / "uno.pdf", pki.p12, PASSWORD, field="Firma_Segretario")
    sign_pdf(tmp_path / "uno.pdf", tmp_path / "due.pdf", pki.p12, PASSWORD)
    report = verify_file(tmp_path / "due.pdf", pki.trust)
    assert report.ok, report.lines()
    first, second = report.signatures
    assert (first.field, second.field) == (SPOT.name, "Firma_Segretario")
    assert first.signed and second.signed
    assert second.modification is not None and second.acceptable  # later signature only
    assert check_pdfa(tmp_path / "due.pdf") == []


def test_each_p12_signs_with_its_own_key_and_chain_in_one_process(act, pki, tmp_path):
    """The signer is kept per process by key, certificate and chain: another .p12 read later in
    the same process signs with its own (its own CA's chain verifies it, the first CA's does not)."""
    from helpers.pki import make_pki

    (tmp_path / "altra").mkdir()
    other = make_pki(tmp_path / "altra")
    sign_pdf(act, tmp_path / "prima.pdf", pki.p12, PASSWORD)
    sign_pdf(act, tmp_path / "seconda.pdf", other.p12, PASSWORD)
    sign_pdf(act, tmp_path / "terza.pdf", pki.p12, PASSWORD)
    for name, own, foreign in (("prima", pki, other), ("seconda", other, pki), ("terza", pki, other)):
        assert verify_file(tmp_path / f"{name}.pdf", own.trust).ok, name
        report = verify_file(tmp_path / f"{name}.pdf", foreign.trust)
        assert not report.ok and report.verdict != "VALIDO", name


def test_signed_attributes_are_those_pyhanko_builds_with_the_certificate_attribute_kept(pki):
    """The kept signer gives its parsed copy of the signing-certificate-v2 attribute (pades.py):
    the signed attributes are byte for byte those pyHanko builds anew, for PAdES and CMS."""
    import asyncio
    import hashlib

    from asn1crypto import cms
    from pyhanko.sign import signers

    from circolari.signature import pades

    signer, _ = pades._signer(pades.load_p12(pki.p12, PASSWORD))
    digest = hashlib.sha256(b"atto").digest()
    for pades_mode in (True, False):
        ours, pyhanko = (asyncio.run(build(signer, digest, "sha256", use_pades=pades_mode))
                         for build in (type(signer).signed_attrs, signers.SimpleSigner.signed_attrs))
        assert isinstance(ours, cms.CMSAttributes)
        assert "signing_certificate_v2" in [a["type"].native for a in ours]
        assert ours.dump() == pyhanko.dump()


def test_rsa_certificate_signs_and_verifies_with_its_key_parsed_once(act, pki, tmp_path):
    """Most qualified certificates hold RSA keys: signed with RSA (PKCS#1 v1.5), VALIDO, and
    pdfsig agrees; the key is parsed once per signer (pyHanko's SimpleSigner parses it, and
    cryptography checks an RSA key, at every signature), each signature still its own."""
    import subprocess

    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography import x509
    from helpers.pki import cert_name, make_cert, p12_encryption, rsa_key
    from pyhanko.pdf_utils.reader import PdfFileReader

    from circolari.signature import pades

    ca = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    cert = make_cert(cert_name("Mario Rossi"), ca.subject, rsa_key(), pki.ca_key, NOW - timedelta(days=1),
                     NOW + timedelta(days=30), 4343)
    p12 = tmp_path / "rsa.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"rsa", rsa_key(), cert, [ca], p12_encryption(PASSWORD)))
    creds = pades.load_p12(p12, PASSWORD)
    signer, _ = pades._signer(creds)
    assert signer._parsed is creds.parsed  # the key load_p12 parsed, not parsed again
    import pickle

    assert pickle.loads(pickle.dumps(creds)).der() == creds.der()  # to workers started, not forked
    for name in ("uno.pdf", "due.pdf"):
        sign_pdf(act, tmp_path / name, p12, PASSWORD)
        report = verify_file(tmp_path / name, pki.trust)
        assert report.verdict == "VALIDO", report.lines()
        assert "Mario Rossi" in "\n".join(report.lines())
        with (tmp_path / name).open("rb") as handle:
            (embedded,) = PdfFileReader(handle).embedded_signatures
            assert embedded.signer_info["signature_algorithm"].signature_algo == "rsassa_pkcs1v15"
        proc = subprocess.run(["pdfsig", "-no-ocsp", str(tmp_path / name)], capture_output=True, text=True)
        assert "Signature is Valid." in proc.stdout, proc.stdout
    assert (tmp_path / "uno.pdf").read_bytes() != (tmp_path / "due.pdf").read_bytes()


@pytest.mark.parametrize("which, password, message", [
    ("p12", b"sbagliata", "password del certificato errata"),
    ("expired", PASSWORD, "scaduto"),
    ("future", PASSWORD, "non è ancora valido"),
])
def test_certificate_problems(act, pki, tmp_path, which, password, message):
    with pytest.raises(CircolariError, match=message) as info:
        sign_pdf(act, tmp_path / "out.pdf", getattr(pki, which), password)
    assert not (tmp_path / "out.pdf").exists()
    assert str(getattr(pki, which)) in str(info.value)


def test_not_a_pkcs12(act, tmp_path):
    bogus = tmp_path / "certificato.p12"
    bogus.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    with pytest.raises(CircolariError, match="non è un certificato PKCS#12"):
        sign_pdf(act, tmp_path / "out.pdf", bogus, PASSWORD)


@pytest.mark.parametrize("content, message", [
    (lambda raw: raw[: len(raw) // 2], "troncato"),
    (lambda raw: b"Gentile utente, " + raw, "non è un PDF"),
])
def test_bad_input_pdf(act, pki, tmp_path, content, message):
    bad = tmp_path / "rotto.pdf"
    bad.write_bytes(content(act.read_bytes()))
    with pytest.raises(CircolariError, match=message):
        sign_pdf(bad, tmp_path / "out.pdf", pki.p12, PASSWORD)


def test_no_signature_field(pki, tmp_path):
    plain = tmp_path / "senza.pdf"
    plain.write_bytes(finished(pages=1, signature=None))
    with pytest.raises(CircolariError, match="non ha campi firma vuoti"):
        sign_pdf(plain, tmp_path / "out.pdf", pki.p12, PASSWORD)


def test_existing_output_is_not_overwritten(act, pki, tmp_path):
    dst = tmp_path / "esiste.pdf"
    dst.write_bytes(b"vecchio")
    with pytest.raises(CircolariError, match="esiste già"):
        sign_pdf(act, dst, pki.p12, PASSWORD)
    assert dst.read_bytes() == b"vecchio"
    sign_pdf(act, dst, pki.p12, PASSWORD, overwrite=True)
    assert verify_file(dst, pki.trust).ok
    with pytest.raises(CircolariError, match="sostituire l'originale"):
        sign_pdf(act, act, pki.p12, PASSWORD, overwrite=True)


# --- .p7m ------------------------------------------------------------------------

def _p7m(pki: Pki, content: bytes) -> bytes:
    return (pkcs7.PKCS7SignatureBuilder().set_data(content)
            .add_signer(pki.cert, pki.key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def test_p7m_verifies_and_extracts_without_overwriting(act, pki, tmp_path):
    content = act.read_bytes()
    envelope = tmp_path / "Delibera.pdf.p7m"
    envelope.write_bytes(_p7m(pki, content))
    report = verify_file(envelope, pki.trust)
    assert report.ok, report.lines()
    assert report.signatures[0].signer == "Mario Rossi" and report.signatures[0].intact
    assert report.extracted == tmp_path / "Delibera.pdf"
    assert report.extracted.read_bytes() == content
    assert report.inner is not None and str(report.inner.claim) == "PDF/A-2b"
    # a different file already there is kept; the content goes beside it
    report.extracted.write_bytes(b"altro")
    again = verify_file(envelope, pki.trust)
    assert again.extracted == tmp_path / "Delibera (1).pdf"
    assert (tmp_path / "Delibera.pdf").read_bytes() == b"altro"


def test_corrupted_p7m_is_rejected(act, pki, tmp_path):
    raw = bytearray(_p7m(pki, act.read_bytes()))
    index = raw.index(b"vaccinazioni")
    raw[index] = ord("V")
    envelope = tmp_path / "Delibera.pdf.p7m"
    envelope.write_bytes(bytes(raw))
    report = verify_file(envelope)
    assert not report.ok and not report.signatures[0].intact
    assert report.extracted is None and not (tmp_path / "Delibera.pdf").exists()
    garbage = tmp_path / "rotto.pdf.p7m"
    garbage.write_bytes(b"\x30\x82\x01\x00non asn1")
    assert "non è una busta firmata" in "\n".join(verify_file(garbage).lines())


# --- CLI -------------------------------------------------------------------------

@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("sign")(sign)
    app.command("verify")(verify)
    return app


def test_cli_sign_and_verify(app, act, pki, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("CIRCOLARI_P12_PASSWORD", PASSWORD.decode())
    result = runner.invoke(app, ["sign", str(act), "--p12", str(pki.p12)])
    assert result.exit_code == 0, result.output
    out = act.with_name("circolare.firmato.pdf")
    assert out.exists()
    result = runner.invoke(app, ["verify", str(out), "--trust", str(pki.ca)])
    assert result.exit_code == 0 and "Esito: VALIDO" in result.output


def test_cli_password_prompt_and_errors(app, act, pki, monkeypatch, tmp_path):
    runner = CliRunner()
    monkeypatch.delenv("CIRCOLARI_P12_PASSWORD", raising=False)
    dst = tmp_path / "firmato.pdf"
    result = runner.invoke(app, ["sign", str(act), "--p12", str(pki.p12), "-o", str(dst)],
                           input="sbagliata\n")
    assert isinstance(result.exception, CircolariError)
    assert "password del certificato errata" in str(result.exception)
    assert "sbagliata" not in result.output  # hidden prompt
    result = runner.invoke(app, ["sign", str(act), "--p12", str(pki.p12), "-o", str(dst)],
                           input="segreta\n")
    assert result.exit_code == 0 and dst.exists()
    broken = tmp_path / "rotto.pdf"
    broken.write_bytes(dst.read_bytes().replace(b"vaccinazioni", b"Vaccinazioni", 1))
    result = runner.invoke(app, ["verify", str(broken)])
    assert result.exit_code == 1 and "NON VALIDO" in result.output


def test_cli_help_in_italian(app):
    result = CliRunner().invoke(app, ["sign", "--help"])
    assert "Firma digitalmente" in result.output and "--p12" in result.output


# --- B-T with a local time-stamping authority -------------------------------------

@pytest.fixture
def tsa_url(tmp_path):
    """A local RFC 3161 TSA (pyHanko's DummyTimeStamper behind http.server)."""
    stamper, pem = make_tsa(NOW - timedelta(days=1), NOW + timedelta(days=30), 99)
    (tmp_path / "tsa.pem").write_bytes(pem)
    server = serve_tsa(stamper)
    yield server.url
    server.shutdown()
    server.server_close()


def test_pades_b_t_with_timestamp(act, pki, tsa_url, tmp_path):
    dst = tmp_path / "bt.pdf"
    sign_pdf(act, dst, pki.p12, PASSWORD, tsa_url=tsa_url)
    report = verify_file(dst, load_trust([pki.ca, tmp_path / "tsa.pem"]))
    assert report.ok, report.lines()
    assert report.signatures[0].timestamp is not None
    assert "marca temporale:" in "\n".join(report.lines())


def test_reading_a_p7m_keeps_the_time_stamp_content_type_known(pki, tmp_path):
    """After CMS parsing, 'tst_info' must still be a known content type (asn1crypto's name map
    is frozen on first use). A fresh interpreter: here pyHanko has imported it already."""
    import subprocess
    import sys

    envelope = tmp_path / "x.p7m"
    envelope.write_bytes(_p7m(pki, b"contenuto"))
    code = ("import sys; from pathlib import Path; from circolari.signature.cades import signed_content\n"
            "assert signed_content(Path(sys.argv[1]).read_bytes()) == b'contenuto'\n"
            "from asn1crypto import cms; print(cms.ContentType('tst_info').dotted)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(envelope)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert proc.stdout.strip() == "1.2.840.113549.1.9.16.1.4"


def test_unreachable_tsa(act, pki, tmp_path):
    with pytest.raises(CircolariError, match="marca temporale"):
        sign_pdf(act, tmp_path / "bt.pdf", pki.p12, PASSWORD, tsa_url="http://127.0.0.1:9/tsa")
    assert not (tmp_path / "bt.pdf").exists()


def test_time_stamp_service_that_answers_no_token_is_an_italian_error_and_writes_nothing(act, pki, tmp_path):
    """The time-stamp client (signature/tsa.py): an HTTP error, a reply that is not a time-stamp
    reply, bytes that are no reply, a reply too long to read, an address that is no URL or a file's, an HTTPS service whose
    certificate no authority vouches for: each an Italian error naming the service, no traceback,
    no signed file (and no file read as the reply)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from circolari.signature.tsa import MAX_REPLY
    from helpers.mail import server_context

    answers = {"/errore": (500, "text/plain", b"guasto"), "/pagina": (200, "text/html", b"<html></html>"),
               "/rotta": (200, "application/timestamp-reply", b"\x30\x03\x02\x01"),
               "/enorme": (200, "application/timestamp-reply", b"\x30" * (MAX_REPLY + 1))}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            status, kind, body = answers[self.path]
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Quiet(HTTPServer):
        def handle_error(self, request, client_address):  # the refused TLS handshake
            pass

    server, tls = Quiet(("127.0.0.1", 0), Handler), Quiet(("127.0.0.1", 0), Handler)
    tls.socket = server_context().wrap_socket(tls.socket, server_side=True)  # a self-signed certificate
    for each in (server, tls):
        threading.Thread(target=each.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        for url, words in ((f"{base}/errore", "errore HTTP 500"), (f"{base}/pagina", "text/html"),
                           (f"{base}/rotta", "non è una marca temporale leggibile"),
                           (f"{base}/enorme", "risposta troppo grande (oltre 1024 KiB)"), ("indirizzo", "deve iniziare con http://"),
                           ((act.parent / "risposta").as_uri(), "deve iniziare con http://"),
                           (f"https://127.0.0.1:{tls.server_port}/rotta", "errore TLS (CERTIFICATE_VERIFY_FAILED)")):
            with pytest.raises(CircolariError) as caught:
                sign_pdf(act, tmp_path / "bt.pdf", pki.p12, PASSWORD, tsa_url=url)
            assert f"marca temporale non ottenuta da {url}" in str(caught.value) and words in str(caught.value)
            assert not (tmp_path / "bt.pdf").exists()
    finally:
        for each in (server, tls):
            each.shutdown()
            each.server_close()


def test_field_parent_cycle_does_not_hang_verify(act, tmp_path):
    import pikepdf

    with pikepdf.open(act) as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Sig")
        other = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("ciclo")))
        del field["/FT"]
        field.Parent = other
        other.Parent = field
        broken = tmp_path / "ciclo.pdf"
        pdf.save(broken)
    report = verify_file(broken)  # returns (no endless loop); the field's type is simply unknown
    assert isinstance(report.lines(), list)


def test_signed_file_has_the_mode_of_a_new_file(act, pki, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        dst = tmp_path / "firmato.pdf"
        sign_pdf(act, dst, pki.p12, PASSWORD)
    finally:
        os.umask(old)
    assert stat.S_IMODE(dst.stat().st_mode) == 0o644  # readable by colleagues, as any new file


def test_signing_leaves_no_unreferenced_duplicate_xmp(signed):
    import pikepdf

    with pikepdf.open(signed) as pdf:
        packets = [o.objgen for o in pdf.objects
                   if isinstance(o, pikepdf.Stream) and o.get("/Type") == "/Metadata"]
        assert packets == [pdf.Root.Metadata.objgen]
        assert b"<pdf:Producer>" in pdf.Root.Metadata.read_bytes()  # the bumped packet


def test_signed_copy_without_form_passes_pikepdf_validator(act, signed, tmp_path):
    assert pikepdf_findings(act.read_bytes(), tmp_path) == []
    # pikepdf does not know PAdES's ESIC developer extension (allowed by ISO 32000-1, 7.12):
    # "unsupported", not a violation
    assert pikepdf_findings(signed.read_bytes(), tmp_path) == [("pikepdf:schema-Extensions", "unsupported")]
