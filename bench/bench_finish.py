"""Time PDF/A finishing and verification on a ~10-page ReportLab PDF.

Run: PYTHONPATH=src python bench/bench_finish.py
Goals: finish_pdf < 50 ms, verify_file < 0.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import fontpkg_titillium_web
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from circolari.pdf.pdfa import PdfMeta, SignatureSpot, finish_pdf

RUNS = 20


def make_pdf(pages: int = 10) -> bytes:
    for style in ("Regular", "Bold"):
        path = fontpkg_titillium_web.ROOT / "files" / f"TitilliumWeb-{style}.ttf"
        pdfmetrics.registerFont(TTFont(f"Titillium-{style}", str(path)))
    buf = BytesIO()
    c = canvas.Canvas(buf, invariant=True, initialFontName="Titillium-Regular")
    for page in range(pages):
        c.setFont("Titillium-Bold", 14)
        c.drawString(72, 790, f"Circolare n. 12 - pagina {page + 1}")
        c.setFont("Titillium-Regular", 10.5)
        for line in range(48):
            c.drawString(72, 760 - 14 * line,
                         f"{line + 1}. Le ATS e le ASST verificano entro il 30 novembre però è così: àèìòù €")
        c.linkURL("https://www.regione.lombardia.it", (72, 60, 300, 72))
        c.showPage()
    c.save()
    return buf.getvalue()


def median_ms(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    raw = make_pdf()
    meta = PdfMeta(title="Campagna vaccinale 2024/2025",
                   author="Regione Lombardia - Direzione Generale Welfare", subject="Circolare",
                   keywords=("vaccini",), date=datetime(2024, 10, 1, 9, 30, tzinfo=ZoneInfo("Europe/Rome")))
    spot = SignatureSpot("Firma_DirettoreGenerale", 9, (340, 60, 540, 120))
    finished = finish_pdf(raw, meta, spot)
    print(f"input: {len(raw) // 1024} KiB, 10 pages; finished: {len(finished) // 1024} KiB")
    print(f"finish_pdf (median of {RUNS}): {median_ms(lambda: finish_pdf(raw, meta, spot)):.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "atto.pdf"
        path.write_bytes(finished)
        start = time.perf_counter()
        from circolari.signature.verify import verify_file

        report = verify_file(path)
        cold = (time.perf_counter() - start) * 1000
        assert report.ok, report.lines()
        print(f"verify_file, first call incl. imports: {cold:.0f} ms")
        print(f"verify_file (median of {RUNS}): {median_ms(lambda: verify_file(path)):.1f} ms")

        from circolari.signature.pades import sign_pdf

        p12 = make_p12(Path(tmp) / "firma.p12")
        signed = Path(tmp) / "atto.firmato.pdf"
        start = time.perf_counter()
        sign_pdf(path, signed, p12, b"bench")
        print(f"sign_pdf, first call: {(time.perf_counter() - start) * 1000:.0f} ms")
        print(f"verify_file on the signed PDF (median of {RUNS}): "
              f"{median_ms(lambda: verify_file(signed)):.1f} ms")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys; from circolari.signature.verify import verify_file;"
                        " verify_file(sys.argv[1])", str(signed)],
                       check=True)
        print(f"verify of the signed PDF in a fresh interpreter (wall): "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")


def make_p12(path: Path) -> Path:
    """A throwaway self-signed EC certificate, enough to time signing."""
    from datetime import timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Banco di prova")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bench", key, cert, None, serialization.BestAvailableEncryption(b"bench")))
    return path


if __name__ == "__main__":
    main()
