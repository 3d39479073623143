"""Time `circolari verify` of the signed reference DGR in a fresh process (goal < 0.5 s).

Run: PYTHONPATH=src python bench/bench_verify.py
Printed beside two floors measured in the same run: an empty interpreter, and one that
only imports the libraries verification needs (pikepdf, pyHanko's validation), with min and
median of wall and CPU time and the ratio to the second floor. The rows run in turn, round
after round, so that they see the same machine load; the load average is printed with them.
The last line says whether the median wall time of `verify` is under the goal (PASS / FAIL):
a fail on a loaded machine (load average above the number of cores) measures the load.
`verify` reads the PDF with pikepdf in a forked child while pyHanko loads here, so on an idle
machine it can take less wall time than its CPU time, and less than the import floor.
"""

from __future__ import annotations

import os
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
GOAL_MS = 500
PASSWORD = b"bench"
# As after `pip install`: modules are read from bytecode, not compiled on each run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_ms(cmd: list[str], expect: int = 0) -> tuple[float, float]:
    """(wall, CPU user+system) ms of ``cmd`` in a fresh process, checking its exit code.

    On a shared, loaded machine the wall time mostly measures waiting for a core; the
    child's CPU time is the steadier figure.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=ENV)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == expect, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000


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


def rendered_dgr(folder: Path) -> Path:
    """The DGR's PDF, rendered by the command into ``folder``."""
    subprocess.run([sys.executable, "-m", "circolari", "render", str(DGR), "--out", str(folder)],
                   check=True, capture_output=True)
    return folder / DGR.stem / f"{DGR.stem}.pdf"


def main() -> None:
    from circolari.signature.pades import sign_pdf

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf = rendered_dgr(tmp)
        ca, p12 = make_pki(tmp)
        signed = tmp / "dgr.firmato.pdf"
        sign_pdf(pdf, signed, p12, PASSWORD)
        print(f"signed DGR: {signed.stat().st_size // 1024} KiB; {RUNS} rounds of fresh processes, "
              "ms, min / median")
        rows = [
            ("floor: python -c pass", [sys.executable, "-c", "pass"]),
            ("floor: python -c 'import pikepdf, pyhanko.sign.validation'",
             [sys.executable, "-c", "import pikepdf, pyhanko.sign.validation"]),
            ("circolari verify DGR.firmato.pdf --trust ca.pem (VALIDO)",
             [sys.executable, "-m", "circolari", "verify", str(signed), "--trust", str(ca)]),
        ]
        timed_ms(rows[-1][1])  # bytecode, as after install
        figures: list[list[tuple[float, float]]] = [[] for _ in rows]
        for _ in range(RUNS):
            for row, (_, cmd) in zip(figures, rows):
                row.append(timed_ms(cmd))
        load = os.getloadavg()[0]
        print(f"load average (1 min) after the runs: {load:.2f} on {os.cpu_count()} cores")
        print(f"{'':60} {'wall min':>8} {'median':>7} {'CPU min':>8} {'median':>7}")
        for (label, _), row in zip(rows, figures):
            walls, cpus = zip(*row)
            print(f"{label:60} {min(walls):8.0f} {statistics.median(walls):7.0f} "
                  f"{min(cpus):8.0f} {statistics.median(cpus):7.0f}")
        floor = [statistics.median(c) for c in zip(*figures[1])]
        walls = [wall for wall, _ in figures[2]]
        verify = [statistics.median(c) for c in zip(*figures[2])]
        print(f"verify / import floor (medians): wall {verify[0] / floor[0]:.2f}×, CPU {verify[1] / floor[1]:.2f}×")
        print(f"verify wall: min {min(walls):.0f} ms, median {verify[0]:.0f} ms "
              f"(import floor median {floor[0]:.0f} ms)")
        verdict = "PASS" if verify[0] < GOAL_MS else "FAIL"
        print(f"{verdict}: median wall of a cold verify {verify[0]:.0f} ms "
              f"{'<' if verdict == 'PASS' else '>='} goal {GOAL_MS} ms (load average {load:.2f})")


if __name__ == "__main__":
    main()
