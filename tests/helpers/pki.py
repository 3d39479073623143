"""A test PKI: a CA and "Mario Rossi" signer certificates in .p12 files, made once per session."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import tsp  # noqa: F401
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from circolari.signature.verdict import Trust, load_trust

# tsp adds 'tst_info' to cms.ContentType, whose name map asn1crypto freezes on first use: imported
# with these helpers, before any test parses CMS, so that the test TSA builds a tst_info by name.

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


def p12_encryption(password: bytes):
    """How ``openssl pkcs12 -export`` (OpenSSL 3) encrypts a .p12: PBES2 with AES-256-CBC, PBKDF2
    and the MAC over SHA-256, 2,048 iterations. (cryptography's BestAvailableEncryption takes
    20,000: each read of the file ~5 ms longer, for nothing a test proves.)"""
    return (serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256())
            .build(password))


@lru_cache(maxsize=1)
def rsa_key() -> rsa.RSAPrivateKey:
    """A 2,048-bit RSA key made once per process (tens of milliseconds each): the test
    time-stamping authorities' (pyHanko's DummyTimeStamper signs with RSA only) and an RSA signer's."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


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
            b"mario", key, cert, [ca], p12_encryption(PASSWORD)))
        return key, cert, path

    key, cert, good = p12("firma.p12", NOW - timedelta(days=1), NOW + timedelta(days=365), 4242)
    _, _, expired = p12("scaduto.p12", NOW - timedelta(days=400), NOW - timedelta(days=35), 7)
    _, _, future = p12("futuro.p12", NOW + timedelta(days=10), NOW + timedelta(days=400), 8)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return Pki(key, cert, good, expired, future, folder / "ca.pem", ca_key)


def make_tsa(start: datetime, end: datetime, serial: int, fixed_dt: datetime | None = None):
    """A test time-stamping authority: (pyHanko's DummyTimeStamper, its certificate as PEM), the
    certificate valid from ``start`` to ``end``; ``fixed_dt``: the time every stamp states."""
    from asn1crypto import keys
    from asn1crypto import x509 as ax509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa_key()
    cert = (x509.CertificateBuilder().subject_name(cert_name("TSA di prova"))
            .issuer_name(cert_name("TSA di prova")).public_key(key.public_key()).serial_number(serial)
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .sign(key, hashes.SHA256()))
    der = serialization.Encoding.DER

    class KeptKeyTimeStamper(DummyTimeStamper):
        """pyHanko's DummyTimeStamper signing with the key parsed here once: pyHanko parses it at
        every stamp, and cryptography checks a 2,048-bit RSA key as it parses it (~33 ms; a B-T
        signature asks twice). The signed attributes and the signature are pyHanko's."""

        def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
            from asn1crypto import cms, core
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes([
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize())])
            signature = key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
            return signature, signed_attrs

    stamper = KeptKeyTimeStamper(
        tsa_cert=ax509.Certificate.load(cert.public_bytes(der)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        fixed_dt=fixed_dt)
    return stamper, cert.public_bytes(serialization.Encoding.PEM)


def serve_tsa(stamper):
    """A local RFC 3161 service over http.server answering each POST with ``stamper``'s reply
    (``make_tsa``), started in a thread; its URL ends in ``/tsa``. Stop it with ``shutdown()``
    and ``server_close()``."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.url = f"http://127.0.0.1:{server.server_port}/tsa"
    # shutdown() waits for serve_forever to look at its flag: every 0.5 s by default
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server
