"""Issue 10: `verify` verdicts never more generous than reference verifiers (pdfsig, openssl).

Each test builds the altered file it needs: metadata rewritten after signing, nested
envelopes with a tampered inner level, expired and not-yet-valid certificates.
"""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest
import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from helpers.pdfa import finished
from helpers.pki import NOW, PASSWORD, cert_name, make_cert, make_tsa
from typer.testing import CliRunner

from circolari.signature.pades import Credentials, _sign, sign_pdf
from circolari.cli.signature import app as signature_app  # sign and verify, as the CLI runs them
from circolari.cli.signature import verify
from circolari.signature.verdict import NON_VALIDO, NON_VERIFICABILE, VALIDO, Trust
from circolari.signature.verify import verify_file

FIELD = "Firma_DirettoreGenerale"


def _credentials(key, cert, chain=()) -> Credentials:
    from asn1crypto import keys
    from asn1crypto import x509 as ax

    der = serialization.Encoding.DER
    return Credentials(
        key=keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert=ax.Certificate.load(cert.public_bytes(der)),
        chain=tuple(ax.Certificate.load(c.public_bytes(der)) for c in chain))


def _from_p12(path: Path):
    key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD)
    return key, cert


def _signer(pki, start, end, serial, *, non_repudiation=True, crl_url=None):
    """A key and a certificate issued by the test CA (the CA certificate is read back)."""
    ca = x509.load_pem_x509_certificate(pki.ca.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=non_repudiation, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(cert_name("Mario Rossi")).issuer_name(ca.subject)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(usage, critical=True))
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    return key, builder.sign(pki.ca_key, hashes.SHA256())


def _sign_with(act: Path, dst: Path, key, cert) -> Path:
    """Sign as another tool would: no check of the certificate's validity before signing."""
    dst.write_bytes(_sign(act, act.read_bytes(), FIELD, _credentials(key, cert), None))
    return dst


def _p7m(key, cert, content: bytes) -> bytes:
    return (pkcs7.PKCS7SignatureBuilder().set_data(content)
            .add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))


def _rewrite_title(signed: Path, dst: Path) -> Path:
    """Append an incremental update that rewrites the Title in Info and XMP (no new signature)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(signed.read_bytes()))
    info = writer.trailer["/Info"].get_object()
    old = str(info["/Title"])
    info["/Title"] = generic.TextStringObject("Titolo cambiato dopo la firma")
    writer.mark_update(writer.trailer.raw_get("/Info"))
    xmp = writer.root["/Metadata"].get_object().data.replace(
        old.encode(), b"Titolo cambiato dopo la firma")
    writer.root["/Metadata"] = writer.add_object(generic.StreamObject(
        {"/Type": generic.pdf_name("/Metadata"), "/Subtype": generic.pdf_name("/XML")},
        stream_data=xmp))
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    dst.write_bytes(out.getvalue())
    return dst


@pytest.fixture(scope="module")
def cases(pki, tmp_path_factory) -> dict[str, Path]:
    """The test set: one good signed act and each altered file of issue 10."""
    folder = tmp_path_factory.mktemp("casi")
    act = folder / "atto.pdf"
    act.write_bytes(finished(pages=2))
    good = folder / "buono.pdf"
    sign_pdf(act, good, pki.p12, PASSWORD)
    tampered = bytearray(good.read_bytes())
    index = tampered.index(b"<pdf:Keywords>vaccinazioni") + len(b"<pdf:Keywords>")
    tampered[index] = ord("V")
    (folder / "alterato.pdf").write_bytes(bytes(tampered))
    expired = datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2021, 1, 1, tzinfo=timezone.utc)
    future = NOW + timedelta(days=10), NOW + timedelta(days=400)
    return {
        "buono": good,
        "alterato": folder / "alterato.pdf",
        "titolo_riscritto": _rewrite_title(good, folder / "titolo.pdf"),
        "scaduto": _sign_with(act, folder / "scaduto.pdf", *_signer(pki, *expired, 21)),
        "non_ancora_valido": _sign_with(act, folder / "futuro.pdf", *_signer(pki, *future, 22)),
    }


EXPECTED = {"buono": VALIDO, "alterato": NON_VALIDO, "titolo_riscritto": NON_VALIDO,
            "scaduto": NON_VALIDO, "non_ancora_valido": NON_VALIDO}
REASONS = {"alterato": "integrità", "titolo_riscritto": "MODIFICATO dopo la firma",
           "scaduto": "certificato SCADUTO il 01/01/2021", "non_ancora_valido": "NON ANCORA VALIDO"}


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("verify")(verify)
    app.command("other")(lambda: None)  # two commands: Typer keeps the "verify" name
    return app


@pytest.mark.parametrize("case", EXPECTED)
def test_pades_verdict_and_exit_code(cases, pki, app, case):
    result = CliRunner().invoke(app, ["verify", str(cases[case]), "--trust", str(pki.ca)])
    assert result.output.rstrip().endswith(f"Esito: {EXPECTED[case]}"), result.output
    assert result.exit_code == (0 if EXPECTED[case] == VALIDO else 1)
    if case in REASONS:
        assert re.search(r"NON VALIDA: .*" + re.escape(REASONS[case]), result.output), result.output


def test_metadata_rewritten_after_signing_is_not_valid(cases, pki):
    report = verify_file(cases["titolo_riscritto"], pki.trust)
    (sig,) = report.signatures
    assert sig.intact and not sig.acceptable and sig.verdict == NON_VALIDO
    assert "metadati del documento (Info/XMP) riscritti" in sig.modification
    text = "\n".join(report.lines())
    assert "OTHER" not in text and "LTA_UPDATES" not in text  # no pyHanko codes for the clerk


def test_no_trust_anchor_is_never_valid(cases, app, monkeypatch):
    monkeypatch.delenv("CIRCOLARI_TRUST", raising=False)
    report = verify_file(cases["buono"])
    assert report.verdict == NON_VERIFICABILE and report.signatures[0].intact
    result = CliRunner().invoke(app, ["verify", str(cases["buono"])])
    assert result.exit_code == 3 and "nessun certificato di fiducia configurato" in result.output
    assert result.output.rstrip().endswith("Esito: NON VERIFICABILE")


def test_trust_from_environment_and_bad_trust_file(cases, pki, app, monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCOLARI_TRUST", str(pki.ca))
    result = CliRunner().invoke(app, ["verify", str(cases["buono"])])
    assert result.exit_code == 0 and "verificata fino a «CA di prova»" in result.output
    bogus = tmp_path / "fiducia.pem"
    bogus.write_text("non è un certificato")
    monkeypatch.setenv("CIRCOLARI_TRUST", str(bogus))
    result = CliRunner().invoke(signature_app, ["verify", str(cases["buono"])])
    assert result.exit_code == 1 and "non contiene certificati X.509" in result.output
    assert "Traceback" not in result.output


def test_bad_trust_file_names_where_its_path_came_from(cases, pki, monkeypatch, tmp_path):
    """A bad CA bundle given by CIRCOLARI_TRUST is reported against the variable, not --trust."""
    missing = tmp_path / "manca.pem"
    monkeypatch.setenv("CIRCOLARI_TRUST", str(missing))
    result = CliRunner().invoke(signature_app, ["verify", str(cases["buono"])])
    assert result.exit_code == 1 and "manca.pem" in result.output
    assert "'CIRCOLARI_TRUST'" in result.output and "'--trust'" not in result.output
    result = CliRunner().invoke(signature_app, ["verify", str(cases["buono"]), "--trust", str(missing)])
    assert result.exit_code == 1 and "'--trust'" in result.output


def test_other_ca_is_not_trusted(cases, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    other = make_cert(cert_name("Altra CA"), cert_name("Altra CA"), key, key, NOW - timedelta(days=1),
                  NOW + timedelta(days=30), 5, ca=True)
    (tmp_path / "altra.pem").write_bytes(other.public_bytes(serialization.Encoding.PEM))
    from circolari.signature.verdict import load_trust

    report = verify_file(cases["buono"], load_trust([tmp_path / "altra.pem"]))
    assert report.verdict == NON_VERIFICABILE
    assert "non è tra quelli di fiducia" in "\n".join(report.lines())


def test_certificate_without_non_repudiation_is_not_valid(pki, tmp_path):
    act = tmp_path / "atto.pdf"
    act.write_bytes(finished(pages=1))
    key, cert = _signer(pki, NOW - timedelta(days=1), NOW + timedelta(days=30), 23,
                        non_repudiation=False)
    report = verify_file(_sign_with(act, tmp_path / "firmato.pdf", key, cert), pki.trust)
    assert report.verdict == NON_VALIDO
    assert "non ripudio" in "\n".join(report.lines())


def test_missing_revocation_data_is_not_verifiable(pki, tmp_path):
    act = tmp_path / "atto.pdf"
    act.write_bytes(finished(pages=1))
    key, cert = _signer(pki, NOW - timedelta(days=1), NOW + timedelta(days=30), 24,
                        crl_url="http://crl.invalid/ca.crl")
    report = verify_file(_sign_with(act, tmp_path / "firmato.pdf", key, cert), pki.trust)
    assert report.verdict == NON_VERIFICABILE, report.lines()
    assert "dati di revoca" in "\n".join(report.lines())


# --- CAdES ------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["expired", "future"])
def test_p7m_with_expired_or_future_certificate_is_not_valid(pki, tmp_path, which):
    key, cert = _from_p12(getattr(pki, which))
    envelope = tmp_path / "atto.pdf.p7m"
    envelope.write_bytes(_p7m(key, cert, finished(pages=1)))
    report = verify_file(envelope, pki.trust)
    assert report.verdict == NON_VALIDO and report.signatures[0].intact
    assert ("SCADUTO" if which == "expired" else "NON ANCORA VALIDO") in "\n".join(report.lines())
    assert report.extracted is None and not (tmp_path / "atto.pdf").exists()
    # the reference verifier agrees (openssl missing fails the test: .ci/run installs it)
    proc = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(envelope),
                           "-CAfile", str(pki.ca), "-out", "/dev/null"], capture_output=True)
    reason = b"certificate has expired" if which == "expired" else b"certificate is not yet valid"
    assert proc.returncode != 0 and reason in proc.stderr, proc.stderr


def _nest(pki, content: bytes, levels: int) -> bytes:
    key, cert = _from_p12(pki.p12)
    for _ in range(levels):
        content = _p7m(key, cert, content)
    return content


def test_nested_p7m_is_checked_at_every_level(pki, tmp_path):
    document = finished(pages=1)
    envelope = tmp_path / "atto.pdf.p7m.p7m.p7m"
    envelope.write_bytes(_nest(pki, document, 3))
    report = verify_file(envelope, pki.trust)
    assert report.verdict == VALIDO, report.lines()
    text = "\n".join(report.lines())
    assert all(f"Busta firmata CAdES, livello {n}" in text for n in (1, 2, 3))
    assert text.count("firmatario: Mario Rossi") == 3
    assert report.extracted == tmp_path / "atto.pdf" and report.extracted.read_bytes() == document
    assert report.inner.inner.inner.kind == "pdf"


def test_nested_p7m_with_tampered_inner_level_is_not_valid(pki, app, tmp_path):
    inner = bytearray(_nest(pki, finished(pages=1), 1))
    inner[inner.index(b"vaccinazioni")] = ord("V")
    key, cert = _from_p12(pki.p12)
    envelope = tmp_path / "atto.pdf.p7m.p7m"
    envelope.write_bytes(_p7m(key, cert, bytes(inner)))
    report = verify_file(envelope, pki.trust)
    assert report.signatures[0].verdict == VALIDO  # the outer envelope is intact...
    assert report.inner.signatures[0].verdict == NON_VALIDO  # ...the inner one is not
    assert report.verdict == NON_VALIDO and report.extracted is None
    assert not (tmp_path / "atto.pdf").exists() and not (tmp_path / "atto.pdf.p7m").exists()
    result = CliRunner().invoke(app, ["verify", str(envelope), "--trust", str(pki.ca)])
    assert result.exit_code == 1 and "livello 2" in result.output
    assert "integrità: il contenuto firmato è stato alterato" in result.output


def test_p7m_nesting_is_bounded(pki, tmp_path):
    envelope = tmp_path / "atto.txt.p7m"
    envelope.write_bytes(_nest(pki, b"testo", 9))
    report = verify_file(envelope, pki.trust)
    assert report.verdict == NON_VALIDO and report.extracted is None
    assert "oltre 8 livelli" in "\n".join(report.lines())


# --- reference verifiers ------------------------------------------------------------

def _pdfsig_verdicts(path: Path) -> list[str]:
    """pdfsig's findings per signature, mapped to our verdicts (pdfsig knows no trust anchor)."""
    proc = subprocess.run(["pdfsig", "-no-ocsp", str(path)],
                          capture_output=True, text=True)
    blocks = re.split(r"^Signature #\d+:", proc.stdout, flags=re.M)[1:]
    # pdfsig lists fields, not revisions: if no signature covers the whole file, the last
    # revision is unsigned and follows every signature
    unsigned_tail = not any("\n  - Total document signed" in block for block in blocks)
    verdicts = []
    for block in blocks:
        bad = ("Signature is Valid." not in block or unsigned_tail
               or re.search(r"Certificate has Expired|Certificate has been Revoked", block))
        verdicts.append(NON_VALIDO if bad else
                        VALIDO if "Certificate is Trusted." in block else NON_VERIFICABILE)
    return verdicts


def test_pdfsig_agrees_on_every_file_of_the_set(cases, pki, tmp_path):
    second = tmp_path / "due_firme.pdf"
    from circolari.pdf.pdfa import SignatureSpot, finish_pdf
    from helpers.pdfa import META, SPOT, make_pdf

    (tmp_path / "dgr.pdf").write_bytes(finish_pdf(make_pdf(2), META, [
        SPOT, SignatureSpot("Firma_Segretario", 1, (60, 60, 260, 120))]))
    sign_pdf(tmp_path / "dgr.pdf", tmp_path / "uno.pdf", pki.p12, PASSWORD, field="Firma_Segretario")
    sign_pdf(tmp_path / "uno.pdf", second, pki.p12, PASSWORD)
    files = [*cases.values(), second, _rewrite_title(second, tmp_path / "due_titolo.pdf")]
    for path in files:  # both without trust anchors: pdfsig has none for the test CA either
        ours = [s.verdict for s in verify_file(path, Trust()).signatures]
        assert ours == _pdfsig_verdicts(path), path.name
    assert _pdfsig_verdicts(cases["scaduto"]) == [NON_VALIDO]


@contextlib.contextmanager
def _logging_as_it_was():
    """Every logger's level and handlers put back afterwards (pyHanko's CLI sets up its logging:
    a handler on the root logger, on the stream of the moment)."""
    def loggers():
        return [logging.root, *(x for x in logging.Logger.manager.loggerDict.values()
                                if isinstance(x, logging.Logger))]

    saved = {x: (x.level, list(x.handlers)) for x in loggers()}
    try:
        yield
    finally:
        for x in loggers():
            level, handlers = saved.get(x, (logging.NOTSET, []))
            x.handlers[:] = handlers
            x.setLevel(level)


def test_pyhanko_cli_signature_is_valid(pki, tmp_path):
    """A good signature by an outside signer (pyHanko CLI, default settings) is VALIDO. Its
    command runs in this process (what it writes is the point, not its interpreter)."""
    from click.testing import CliRunner as ClickRunner
    from pyhanko.cli import cli_root

    act = tmp_path / "atto.pdf"
    act.write_bytes(finished(pages=1))
    (tmp_path / "pass").write_bytes(PASSWORD)
    out = tmp_path / "firmato.pdf"
    with _logging_as_it_was():
        result = ClickRunner().invoke(cli_root, [
            "sign", "addsig", "--field", FIELD, "pkcs12", "--passfile", str(tmp_path / "pass"),
            str(act), str(out), str(pki.p12)])
    assert result.exit_code == 0, (result.output[-2000:], result.exception)
    report = verify_file(out, pki.trust)
    (sig,) = report.signatures
    assert sig.verdict == VALIDO, report.lines()
    # its default appearance uses a non-embedded font: reported apart, as a PDF/A failure
    assert any("6.2.11.4.1" in str(f) for f in report.pdfa_failures)


def test_verify_help_documents_verdicts_and_exit_codes(app):
    result = CliRunner().invoke(app, ["verify", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "0 VALIDO" in text and "1 NON VALIDO" in text and "3 NON VERIFICABILE" in text
    assert "--trust" in text and "CIRCOLARI_TRUST" in text


def _timestamped(pki, tmp_path, signer_validity, stamp_time) -> tuple[Path, Path]:
    """An act signed (PAdES B-T) with a time-stamp fixed at ``stamp_time``; (file, TSA pem)."""
    from pyhanko.sign import fields, signers

    from circolari.signature.pades import _stamp_style
    from circolari.signature.pyhanko_compat import pdfa_writer_class

    stamper, pem = make_tsa(datetime(2019, 1, 1, tzinfo=timezone.utc), NOW + timedelta(days=365), 31,
                            fixed_dt=stamp_time)
    key, cert = _signer(pki, *signer_validity, 25)
    creds = _credentials(key, cert)
    act = tmp_path / "atto.pdf"
    act.write_bytes(finished(pages=1))
    meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signer = signers.SimpleSigner(signing_cert=creds.cert, signing_key=creds.key, cert_registry=None)
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=stamper, stamp_style=_stamp_style())
    out = pdf_signer.sign_pdf(pdfa_writer_class()(BytesIO(act.read_bytes())), existing_fields_only=True)
    (tmp_path / "firmato.pdf").write_bytes(out.getvalue())
    (tmp_path / "tsa.pem").write_bytes(pem)
    return tmp_path / "firmato.pdf", tmp_path / "tsa.pem"


def test_certificate_is_judged_at_the_time_stamp(pki, tmp_path):
    """Signed and time-stamped while the certificate was valid: VALIDO after it expired,
    but only with the time-stamping authority trusted."""
    from circolari.signature.verdict import load_trust

    validity = (datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2021, 1, 1, tzinfo=timezone.utc))
    signed, tsa = _timestamped(pki, tmp_path, validity, datetime(2020, 6, 1, tzinfo=timezone.utc))
    report = verify_file(signed, load_trust([pki.ca, tsa]))
    assert report.verdict == VALIDO, report.lines()
    assert "certificato valido alla data della marca temporale (01/06/2020" in "\n".join(report.lines())
    untrusted_tsa = verify_file(signed, pki.trust)
    assert untrusted_tsa.signatures[0].verdict == NON_VALIDO  # no proof of time: judged today
    assert "SCADUTO" in "\n".join(untrusted_tsa.lines())


def test_time_stamp_after_expiry_does_not_help(pki, tmp_path):
    from circolari.signature.verdict import load_trust

    validity = (datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2021, 1, 1, tzinfo=timezone.utc))
    signed, tsa = _timestamped(pki, tmp_path, validity, datetime(2022, 6, 1, tzinfo=timezone.utc))
    report = verify_file(signed, load_trust([pki.ca, tsa]))
    assert report.verdict == NON_VALIDO and "SCADUTO il 01/01/2021" in "\n".join(report.lines())
