"""Verify a PDF (PDF/A, fonts, PAdES signatures) or a CAdES .p7m envelope.

``verify_file`` never raises for a bad document: what is wrong goes in the
report, whose ``lines()`` the CLI prints and whose ``verdict`` (VALIDO, NON
VALIDO, NON VERIFICABILE) sets the exit code.  Each signature is judged by
pyHanko's validation (see ``circolari.signature.verdict``) against the trust anchors given.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from circolari.input.files import read_bytes
from circolari.signature.report import VerifyReport
from circolari.signature.verdict import Trust
from circolari.signature.verify_pdf import verify_pdf_bytes


@contextmanager
def quiet_libraries():
    """Silence pyHanko's logged tracebacks (e.g. on untrusted chains) while verifying."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator", "fontTools")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def verify_file(path: Path, trust: Trust | None = None, *, parallel: bool = False) -> VerifyReport:
    """Verify a PDF or a .p7m against ``trust``; a .p7m's content is extracted beside it.

    ``parallel``: read a signed PDF with pikepdf in a forked child while pyHanko works here
    (for a process that verifies one file: both libraries' imports are still ahead).
    """
    with quiet_libraries():
        return _verify_file(Path(path), trust or Trust(), parallel)


def _verify_file(path: Path, trust: Trust, parallel: bool) -> VerifyReport:
    raw = read_bytes(path)
    if path.suffix.lower() == ".p7m":
        from circolari.signature.cades import verify_p7m

        return verify_p7m(path, raw, trust)
    report = verify_pdf_bytes(path, raw, trust, parallel=parallel)
    report.needs_signature = True
    return report
