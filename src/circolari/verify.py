"""Verify a PDF (PDF/A, fonts, PAdES signatures) or a CAdES .p7m envelope.

``verify_file`` never raises for a bad document: what is wrong goes in the
report, whose ``lines()`` the CLI prints and whose ``ok`` sets the exit code.
Trust in the certificate chain is not checked (no trusted list is configured):
the report says so.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from circolari.load import read_bytes
from circolari.pdfa_check import Failure, PdfaClaim, field_type

# pyHanko modification levels that do not spoil a signature: nothing, or only
# validation data / later signatures in empty fields.
_HARMLESS = {"NONE": "nessuna", "LTA_UPDATES": "solo dati di validazione",
             "FORM_FILLING": "solo altre firme o campi compilati"}


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
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.signed or (self.intact and self.valid and self.acceptable
                                   and self.error is None)


@dataclass
class VerifyReport:
    """What ``verify_file`` found; ``lines()`` renders it in Italian."""

    path: Path
    kind: str  # "pdf" or "p7m"
    problems: list[str] = field(default_factory=list)
    claim: PdfaClaim | None = None
    pdfa_failures: list[Failure] = field(default_factory=list)
    fonts: list[tuple[str, bool]] = field(default_factory=list)
    signatures: list[SignatureInfo] = field(default_factory=list)
    extracted: Path | None = None
    inner: VerifyReport | None = None

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and not self.pdfa_failures
            and all(embedded for _, embedded in self.fonts)
            and all(s.ok for s in self.signatures)
            and (self.inner is None or self.inner.ok)
        )

    def lines(self) -> list[str]:
        out = [f"File: {self.path}"]
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
            out += ["  " + line for line in self.inner.lines()[:-1]]
        out.append("Esito: " + ("VALIDO" if self.ok else "NON VALIDO"))
        return out


def _fmt(when: datetime | None) -> str:
    return when.strftime("%d/%m/%Y %H:%M:%S %Z").strip() if when else "non indicata"


def _signature_lines(sig: SignatureInfo) -> list[str]:
    if not sig.signed:
        return [f"  Campo firma «{sig.field}»: vuoto (non firmato)"]
    out = [f"  Firma «{sig.field}»: {'valida' if sig.ok else 'NON VALIDA'}"]
    if sig.error:
        out.append(f"    errore: {sig.error}")
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
    out.append("    fiducia nel certificatore: non verificata (nessun elenco di fiducia "
               "configurato)")
    return out


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


def verify_file(path: Path) -> VerifyReport:
    """Verify a PDF or a .p7m; a .p7m's content is extracted beside it."""
    with quiet_libraries():
        return _verify_file(Path(path))


def _verify_file(path: Path) -> VerifyReport:
    raw = read_bytes(path)
    if path.suffix.lower() == ".p7m":
        from circolari.p7m import verify_p7m

        return verify_p7m(path, raw)
    return verify_pdf_bytes(path, raw)


def verify_pdf_bytes(path: Path, raw: bytes) -> VerifyReport:
    """Report on a PDF given as bytes (``path`` is only for messages)."""
    import pikepdf

    from circolari import pdfwalk
    from circolari.pdfa_check import check_pdfa, pdfa_claim

    report = VerifyReport(path=path, kind="pdf")
    if not raw.startswith(b"%PDF-"):
        report.problems.append("il file non è un PDF")
        return report
    try:
        with pikepdf.open(BytesIO(raw)) as doc:
            report.claim = pdfa_claim(doc)
            report.pdfa_failures = check_pdfa(raw)
            names: dict[str, bool] = {}
            for _, name, font in pdfwalk.fonts(doc):
                if font.get("/Subtype") != "/Type0":
                    label = str(font.get("/BaseFont", name)).lstrip("/")
                    names[label] = names.get(label, True) and pdfwalk.is_embedded(font)
            report.fonts = sorted(names.items())
            fields = signature_fields(doc)
    except pikepdf.PasswordError:
        report.problems.append("il PDF è protetto da password")
        return report
    except pikepdf.PdfError as exc:
        report.problems.append(f"il PDF è danneggiato o troncato: {exc}")
        return report
    if not any(signed for _, signed in fields):  # pyHanko (slow import) only when needed
        report.signatures = [SignatureInfo(field=name, signed=False) for name, _ in fields]
        return report
    report.signatures, problem = _pdf_signatures(raw)
    if problem:
        report.problems.append(problem)
    return report


def signature_fields(doc) -> list[tuple[str, bool]]:
    """(qualified name, has a value) of each signature field, via pikepdf."""
    import pikepdf

    form = doc.Root.get("/AcroForm")
    todo = list(form.get("/Fields", [])) if isinstance(form, pikepdf.Dictionary) else []
    found, seen = [], set()
    stack = [(f, "") for f in reversed(todo)]
    while stack:
        node, prefix = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen:
            continue
        seen.add(node.objgen)
        name = prefix + str(node.get("/T", ""))
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array) and any("/T" in k for k in kids):
            stack += [(k, name + ".") for k in reversed(list(kids))]
        elif field_type(node) == "/Sig":
            found.append((name, "/V" in node))
    return found


def _pdf_signatures(raw: bytes) -> tuple[list[SignatureInfo], str | None]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        reader = PdfFileReader(BytesIO(raw), strict=False)
        fields = list(enumerate_sig_fields(reader))
        embedded = {s.field_name: s for s in reader.embedded_signatures}
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return [], f"impossibile leggere le firme del PDF: {exc}"
    result = []
    for name, value, _ in fields:
        if value is None or name not in embedded:
            result.append(SignatureInfo(field=name, signed=False))
        else:
            result.append(_pdf_signature(name, embedded[name]))
    return result, None


def _untrusted_context():
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[], allow_fetching=False)


def _pdf_signature(name: str, sig) -> SignatureInfo:
    from pyhanko.sign.validation import validate_pdf_signature

    info = SignatureInfo(field=name, signed=True)
    cert = sig.signer_cert
    _fill_cert(info, cert)
    try:
        status = validate_pdf_signature(sig, _untrusted_context())
    except Exception as exc:  # pyHanko raises many types on malformed signatures
        info.error = f"la firma non è verificabile: {exc}"
        return info
    info.intact, info.valid = bool(status.intact), bool(status.valid)
    info.signing_time = status.signer_reported_dt
    tst = getattr(status, "timestamp_validity", None)
    info.timestamp = tst.timestamp if tst is not None else None
    coverage = getattr(status.coverage, "name", str(status.coverage))
    info.whole_file = coverage == "ENTIRE_FILE"
    level = getattr(status.modification_level, "name", None)
    if info.whole_file:
        info.modification, info.acceptable = None, True
    elif level in _HARMLESS and status.docmdp_ok is not False:
        info.modification = f"aggiunte successive ammesse ({_HARMLESS[level]})"
        info.acceptable = True
    else:
        info.modification = ("il documento è stato MODIFICATO dopo la firma "
                             f"(revisione aggiunta in coda al file: {level or 'non analizzabile'})")
        info.acceptable = False
    return info


def _fill_cert(info: SignatureInfo, cert) -> None:
    if cert is None:
        return
    subject = cert.subject.native
    info.signer = subject.get("common_name") or cert.subject.human_friendly
    info.issuer = cert.issuer.native.get("common_name") or cert.issuer.human_friendly
    info.serial = format(cert.serial_number, "X")
    validity = cert["tbs_certificate"]["validity"]
    info.valid_from = validity["not_before"].native
    info.valid_to = validity["not_after"].native
