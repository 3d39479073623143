"""CPU of one PAdES signature with an RSA-2048 certificate (most qualified certificates) and with
an ECDSA P-256 one, as a series signs its letters (signer kept, key parsed once).

Run: PYTHONPATH=src:tests python bench/bench_sign_key.py
Printed beside, in the same run: the floor, the same signature with the EC key (whose parsing
costs nothing), and the rival, pyHanko's SimpleSigner with the RSA key, which parses the key
(cryptography checks an RSA key as it parses it) at every signature. Goal: RSA within 25% of EC.
Then the EC signature beside the same with pyHanko's signing-certificate-v2 attribute built anew
at each signature (asn1crypto serialises it slowly) instead of the signer's parsed copy.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402
from helpers.pdfa import SPOT, finished  # noqa: E402
from helpers.pki import NOW, cert_name, make_cert, p12_encryption  # noqa: E402
from timing import best  # noqa: E402

from circolari.signature import pades  # noqa: E402

GOAL = 1.25


def credentials(folder: Path, key) -> pades.Credentials:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_cert(cert_name("CA di prova"), cert_name("CA di prova"), ca_key, ca_key,
                   NOW - timedelta(days=1), NOW + timedelta(days=30), 1, ca=True)
    cert = make_cert(cert_name("Mario Rossi"), ca.subject, key, ca_key, NOW - timedelta(days=1),
                     NOW + timedelta(days=30), 2)
    path = folder / f"{type(key).__name__}.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"m", key, cert, [ca], p12_encryption(b"x")))
    return pades.load_p12(path, b"x")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-sign-"))
    act = folder / "lettera.pdf"
    act.write_bytes(finished(pages=2))
    raw = act.read_bytes()
    rsa_creds = credentials(folder, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    ec_creds = credentials(folder, ec.generate_private_key(ec.SECP256R1()))

    def sign(creds):
        return lambda: pades._sign(act, raw, SPOT.name, creds, None)

    ec_ms = best(sign(ec_creds), rounds=3, repeat=5)
    rsa_ms = best(sign(rsa_creds), rounds=3, repeat=5)
    # the rival: pyHanko's own SimpleSigner in the kept signer's place
    from pyhanko.sign import signers

    kept, reserved = pades._signer(rsa_creds)
    plain = signers.SimpleSigner(signing_cert=rsa_creds.cert, signing_key=rsa_creds.key,
                                 cert_registry=kept.cert_registry)
    pades._SIGNERS[rsa_creds.der()] = plain, reserved
    rival_ms = best(sign(rsa_creds), rounds=3, repeat=5)
    print(f"signature, RSA-2048 key: {rsa_ms:6.1f} ms CPU | floor, ECDSA P-256 key: {ec_ms:6.1f} ms "
          f"| rival, pyHanko's SimpleSigner (RSA): {rival_ms:6.1f} ms")
    ratio = rsa_ms / ec_ms
    print(f"RSA / EC: {ratio:.2f} (goal <= {GOAL}): {'PASS' if ratio <= GOAL else 'FAIL'}")
    kept, reserved = pades._signer(ec_creds)

    class RebuiltAttribute(type(kept)):
        signed_attrs = signers.SimpleSigner.signed_attrs  # pyHanko's: the attribute built anew

    pades._SIGNERS[ec_creds.der()] = RebuiltAttribute(ec_creds, cert_registry=kept.cert_registry), reserved
    rebuilt_ms = best(sign(ec_creds), rounds=3, repeat=5)
    print(f"signature, ECDSA P-256 key: {ec_ms:6.1f} ms CPU | rival, signing-certificate attribute "
          f"built by pyHanko at each signature: {rebuilt_ms:6.1f} ms")


if __name__ == "__main__":
    main()
