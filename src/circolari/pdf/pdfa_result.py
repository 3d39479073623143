"""What the PDF/A checker finds, as plain values (no pikepdf: a report can hold them without
loading it, e.g. when they come back from a child process, see ``signature/verify_pdf.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One failed clause: ISO 19005-2 clause number, Matterhorn checkpoint ("MP 01") or "policy",
    and Italian text."""

    clause: str
    message: str

    def __str__(self) -> str:
        return f"[{self.clause}] {self.message}"


@dataclass(frozen=True)
class PdfaClaim:
    """What the XMP declares: pdfaid:part and pdfaid:conformance (None if absent)."""

    part: str | None
    conformance: str | None

    def __str__(self) -> str:
        return f"PDF/A-{self.part}{(self.conformance or '').lower()}" if self.part else "nessuna"
