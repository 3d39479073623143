"""A test PKI: a CA and "Mario Rossi" signer certificates in .p12 files, made once per session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from circolari.signature.verdict import Trust, load_trust

PASSWORD = b"segreta"
NOW = datetime.now(timezone.utc)


@dataclass
class Pki:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    p12: Path
    expired: Path
    future: Path
    ca: Path  # the test CA's certificate (PEM), the trust anchor for verify
    ca_key: ec.EllipticCurvePrivateKey

    @property
    def trust(self) -> Trust:
        return load_trust([self.ca])


def cert_name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(subject, issuer, key, issuer_key, start, end, serial, ca=False):
    usage = x509.KeyUsage(
        digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, hashes.SHA256()))


def make_pki(folder: Path) -> Pki:
    """A test CA and three signer certificates (valid, expired, not yet valid) in ``folder``."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_cert(cert_name("CA di prova"), cert_name("CA di prova"), ca_key, ca_key,
                   NOW - timedelta(days=30), NOW + timedelta(days=3650), 1, ca=True)

    def p12(file_name, start, end, serial):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = make_cert(cert_name("Mario Rossi"), ca.subject, key, ca_key, start, end, serial)
        path = folder / file_name
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"mario", key, cert, [ca], serialization.BestAvailableEncryption(PASSWORD)))
        return key, cert, path

    key, cert, good = p12("firma.p12", NOW - timedelta(days=1), NOW + timedelta(days=365), 4242)
    _, _, expired = p12("scaduto.p12", NOW - timedelta(days=400), NOW - timedelta(days=35), 7)
    _, _, future = p12("futuro.p12", NOW + timedelta(days=10), NOW + timedelta(days=400), 8)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return Pki(key, cert, good, expired, future, folder / "ca.pem", ca_key)
