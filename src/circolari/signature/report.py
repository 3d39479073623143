"""What verification found, document by document and signature by signature, and its Italian report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from circolari.pdf.pdfa_result import Failure, PdfaClaim
from circolari.signature.verdict import NON_FIRMATO, NON_VALIDO, VALIDO, Findings, worst


@dataclass
class SignatureInfo:
    """One signature field (or one signer of a .p7m) and what was found."""

    field: str
    signed: bool
    signer: str | None = None
    issuer: str | None = None
    serial: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    signing_time: datetime | None = None
    timestamp: datetime | None = None
    intact: bool = False
    valid: bool = False
    whole_file: bool = False
    modification: str | None = None  # Italian; None if nothing after signing
    acceptable: bool = False
    findings: Findings = field(default_factory=Findings)

    @property
    def verdict(self) -> str | None:
        """VALIDO, NON VALIDO or NON VERIFICABILE; None for an empty field."""
        return self.findings.verdict if self.signed else None

    @property
    def ok(self) -> bool:
        return self.verdict in (None, VALIDO)


@dataclass
class VerifyReport:
    """What ``verify_file`` found; ``lines()`` renders it in Italian."""

    path: Path
    kind: str  # "pdf" or "p7m"
    depth: int = 0  # nesting level of a .p7m (1 = outermost)
    problems: list[str] = field(default_factory=list)
    claim: PdfaClaim | None = None
    pdfa_failures: list[Failure] = field(default_factory=list)
    fonts: list[tuple[str, bool]] = field(default_factory=list)
    signatures: list[SignatureInfo] = field(default_factory=list)
    extracted: Path | None = None
    inner: VerifyReport | None = None
    needs_signature: bool = False  # a PDF given to verify (not the content of a .p7m)

    @property
    def document_ok(self) -> bool:
        """PDF/A, fonts and readability (signatures aside)."""
        return (not self.problems and not self.pdfa_failures
                and all(embedded for _, embedded in self.fonts))

    @property
    def verdict(self) -> str:
        """The least favourable of this level, its signatures and the levels inside it."""
        own = VALIDO if self.document_ok else NON_VALIDO
        if own == VALIDO and self.needs_signature and not any(s.signed for s in self.signatures):
            own = NON_FIRMATO  # conforming and ready, but nothing here is signed: never VALIDO
        signatures = [s.verdict for s in self.signatures if s.verdict is not None]
        inner = [self.inner.verdict] if self.inner is not None else []
        return worst([own, *signatures, *inner])

    @property
    def ok(self) -> bool:
        return self.verdict == VALIDO

    def lines(self) -> list[str]:
        out = [f"File: {self.path}"]
        if self.kind == "p7m":
            out.append(f"  Busta firmata CAdES, livello {self.depth}")
        out += [f"  ERRORE: {p}" for p in self.problems]
        if self.kind == "pdf" and not self.problems:
            out.append(f"  Conformità dichiarata: {self.claim}")
            if self.pdfa_failures:
                out.append(f"  Controllo PDF/A-2b: {len(self.pdfa_failures)} problemi")
                out += [f"    - {f}" for f in self.pdfa_failures]
            else:
                out.append("  Controllo PDF/A-2b: nessun problema trovato")
            missing = [name for name, embedded in self.fonts if not embedded]
            out.append("  Caratteri: " + (
                f"NON incorporati: {', '.join(missing)}" if missing
                else f"tutti incorporati ({len(self.fonts)})"))
        if not self.signatures and not self.problems:
            out.append("  Firme: nessun campo firma")
        for sig in self.signatures:
            out += _signature_lines(sig)
        if self.extracted is not None:
            out.append(f"  Contenuto estratto in: {self.extracted}")
        if self.inner is not None:
            out.append("  Contenuto della busta:")
            out += ["  " + line for line in self.inner.lines()]
        verdict = self.verdict
        out.append("Esito: " + verdict + (" (nessuna firma apposta: il documento è pronto per la firma)"
                                          if verdict == NON_FIRMATO else ""))
        return out


def _fmt(when: datetime | None) -> str:
    return when.strftime("%d/%m/%Y %H:%M:%S %Z").strip() if when else "non indicata"


def _signature_lines(sig: SignatureInfo) -> list[str]:
    if not sig.signed:
        return [f"  Campo firma «{sig.field}»: vuoto (non firmato)"]
    found = sig.findings
    out = [f"  Firma «{sig.field}»: {sig.verdict}"]
    out += [f"    NON VALIDA: {reason}" for reason in found.failures]
    out += [f"    NON VERIFICABILE: {reason}" for reason in found.doubts]
    out += [
        f"    firmatario: {sig.signer or 'sconosciuto'}",
        f"    emesso da: {sig.issuer or 'sconosciuto'} (numero di serie {sig.serial or '?'})",
        f"    validità del certificato: dal {_fmt(sig.valid_from)} al {_fmt(sig.valid_to)}",
        f"    data di firma dichiarata: {_fmt(sig.signing_time)}",
    ]
    if sig.timestamp:
        out.append(f"    marca temporale: {_fmt(sig.timestamp)}")
    out.append("    integrità: " + ("intatta" if sig.intact and sig.valid else
                                    "COMPROMESSA (il contenuto firmato è stato alterato)"))
    if sig.modification is not None:
        out.append(f"    modifiche dopo la firma: {sig.modification}")
    out += [f"    {note}" for note in found.notes]
    return out


def fill_cert(info: SignatureInfo, cert) -> None:
    """Copy a signer certificate's subject, issuer, serial and validity into ``info``."""
    if cert is None:
        return
    subject = cert.subject.native
    info.signer = subject.get("common_name") or cert.subject.human_friendly
    info.issuer = cert.issuer.native.get("common_name") or cert.issuer.human_friendly
    info.serial = format(cert.serial_number, "X")
    validity = cert["tbs_certificate"]["validity"]
    info.valid_from = validity["not_before"].native
    info.valid_to = validity["not_after"].native
