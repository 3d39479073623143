"""Time `circolari verify` of the signed reference DGR in a fresh process (goal < 0.5 s).

Run: PYTHONPATH=src python bench/bench_verify.py
Printed beside two floors measured in the same run: an empty interpreter, and one that
only imports the libraries verification needs (pikepdf, pyHanko's validation).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DGR = ROOT / "examples" / "dgr-xi-3681-2020.yaml"
RUNS = 7
PASSWORD = b"bench"


def timed_ms(cmd: list[str], expect: int = 0) -> tuple[float, float]:
    """Median (wall, CPU user+system) ms of ``cmd`` in fresh processes, checking its exit code.

    On a shared, loaded machine the wall time mostly measures waiting for a core; the
    child's CPU time is the steadier figure.
    """
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        walls.append((time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        assert proc.returncode == expect, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    return statistics.median(walls), statistics.median(cpus)


def make_pki(folder: Path) -> tuple[Path, Path]:
    """A test CA (PEM, the trust anchor) and a signer with nonRepudiation (PKCS#12)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)

    def cert(cn, key, issuer, issuer_key, ca):
        usage = x509.KeyUsage(digital_signature=not ca, content_commitment=not ca,
                              key_encipherment=False, data_encipherment=False,
                              key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                              encipher_only=False, decipher_only=False)
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256()))

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA del banco di prova")])
    ca = cert("CA del banco di prova", ca_key, name, ca_key, True)
    signer = cert("Banco di prova", key, ca.subject, ca_key, False)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "firma.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"firma", key, signer, [ca], serialization.BestAvailableEncryption(PASSWORD)))
    return folder / "ca.pem", folder / "firma.p12"


def main() -> None:
    from circolari.signature.pades import sign_pdf

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "circolari", "render", str(DGR), "--out", str(tmp)],
                       check=True, capture_output=True)
        pdf = tmp / DGR.stem / f"{DGR.stem}.pdf"
        ca, p12 = make_pki(tmp)
        signed = tmp / "dgr.firmato.pdf"
        sign_pdf(pdf, signed, p12, PASSWORD)
        print(f"signed DGR: {signed.stat().st_size // 1024} KiB; median of {RUNS} fresh processes")
        rows = [
            ("floor: python -c pass", [sys.executable, "-c", "pass"]),
            ("floor: python -c 'import pikepdf, pyhanko.sign.validation'",
             [sys.executable, "-c", "import pikepdf, pyhanko.sign.validation"]),
            ("circolari verify DGR.firmato.pdf --trust ca.pem (VALIDO)",
             [sys.executable, "-m", "circolari", "verify", str(signed), "--trust", str(ca)]),
        ]
        print(f"{'':60} {'wall':>8} {'CPU':>8}")
        for label, cmd in rows:
            wall, cpu = timed_ms(cmd)
            print(f"{label:60} {wall:6.0f} ms {cpu:6.0f} ms")
        print("goal: verify < 500 ms in a fresh process")

if __name__ == "__main__":
    main()
