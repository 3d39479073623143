"""Verify a PDF (PDF/A, fonts, PAdES signatures) or a CAdES .p7m envelope.

``verify_file`` never raises for a bad document: what is wrong goes in the
report, whose ``lines()`` the CLI prints and whose ``verdict`` (VALIDO, NON
VALIDO, NON VERIFICABILE) sets the exit code.  Each signature is judged by
pyHanko's validation (see ``circolari.signature.verdict``) against the trust anchors given.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from circolari.input.files import read_bytes
from circolari.pdf.pdfa_check import Failure, PdfaClaim, field_type
from circolari.signature.verdict import NON_FIRMATO, NON_VALIDO, VALIDO, Findings, Trust, judge_certificate, worst

# pyHanko modification levels that may follow a signature: nothing, validation data
# (DSS), or later signatures in empty fields.
_HARMLESS = ("NONE", "LTA_UPDATES", "FORM_FILLING")


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


def verify_file(path: Path, trust: Trust | None = None) -> VerifyReport:
    """Verify a PDF or a .p7m against ``trust``; a .p7m's content is extracted beside it."""
    with quiet_libraries():
        return _verify_file(Path(path), trust or Trust())


def _verify_file(path: Path, trust: Trust) -> VerifyReport:
    raw = read_bytes(path)
    if path.suffix.lower() == ".p7m":
        from circolari.signature.cades import verify_p7m

        return verify_p7m(path, raw, trust)
    report = verify_pdf_bytes(path, raw, trust)
    report.needs_signature = True
    return report


def verify_pdf_bytes(path: Path, raw: bytes, trust: Trust) -> VerifyReport:
    """Report on a PDF given as bytes (``path`` is only for messages)."""
    import pikepdf

    from circolari.pdf import walk as pdfwalk
    from circolari.pdf.pdfa_check import check_pdfa, pdfa_claim

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
    report.signatures, problem = _pdf_signatures(raw, trust)
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


def _pdf_signatures(raw: bytes, trust: Trust) -> tuple[list[SignatureInfo], str | None]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        reader = PdfFileReader(BytesIO(raw), strict=False)
        fields = list(enumerate_sig_fields(reader))
        embedded = {s.field_name: s for s in reader.embedded_signatures}
    except (PdfError, ValueError, KeyError, TypeError):
        return [], "impossibile leggere le firme del PDF: struttura dei campi firma danneggiata"
    signing_revisions = {s.signed_revision for s in embedded.values()}
    result = []
    for name, value, _ in fields:
        if value is None or name not in embedded:
            result.append(SignatureInfo(field=name, signed=False))
        else:
            result.append(_pdf_signature(name, embedded[name], reader, trust, signing_revisions))
    return result, None


def _pdf_signature(name: str, sig, reader, trust: Trust, signing_revisions: set[int]) -> SignatureInfo:
    from pyhanko.sign.validation import validate_pdf_signature

    info = SignatureInfo(field=name, signed=True)
    found = info.findings
    _fill_cert(info, sig.signer_cert)
    if sig.sig_object_type != "/Sig":
        found.doubts.append("marca temporale di documento: circolari non ne verifica la catena")
        return info
    try:
        status = validate_pdf_signature(sig, trust.context())
    except Exception:  # pyHanko raises many types on malformed signatures
        found.doubts.append("la struttura della firma non è leggibile: verifica impossibile")
        return info
    info.intact, info.valid = bool(status.intact), bool(status.valid)
    info.signing_time = status.signer_reported_dt
    if not info.intact:
        found.failures.append("integrità: il contenuto firmato è stato alterato")
    elif not info.valid:
        found.failures.append("integrità: la firma non corrisponde al certificato del firmatario")
    moment, proven = _signature_time(info, status)
    _judge_changes(info, sig, status, reader, signing_revisions)
    if proven and trust.roots:  # the chain is judged at the time-stamp's time
        try:
            status = validate_pdf_signature(sig, trust.context(moment), skip_diff=True)
        except Exception:  # same as above; the first validation already succeeded
            found.doubts.append("verifica del certificato alla data della marca non riuscita")
    judge_certificate(info.findings, sig.signer_cert, status, moment, proven=proven, trust=trust)
    return info


def _signature_time(info: SignatureInfo, status) -> tuple[datetime, bool]:
    """(moment to check the certificate at, whether a trusted time-stamp proves it)."""
    tst = getattr(status, "timestamp_validity", None)
    now = datetime.now(timezone.utc)
    if tst is None:
        return now, False
    info.timestamp = tst.timestamp
    if not (tst.intact and tst.valid):
        info.findings.failures.append("la marca temporale della firma è alterata")
        return now, False
    if not tst.trusted:
        info.findings.doubts.append("marca temporale: certificatore della marca non tra quelli "
                                    "di fiducia configurati")
        return now, False
    return tst.timestamp, True


def _judge_changes(info: SignatureInfo, sig, status, reader, signing_revisions: set[int]) -> None:
    """Later revisions may only add signatures in empty fields, or validation data (DSS)."""
    coverage = getattr(status.coverage, "name", None)
    info.whole_file = coverage == "ENTIRE_FILE"
    if info.whole_file:
        info.acceptable = True
        return
    level = getattr(status.modification_level, "name", None)
    others = [r for r in range(sig.signed_revision + 1, reader.xrefs.total_revisions)
              if r not in signing_revisions]
    if coverage != "ENTIRE_REVISION" or status.docmdp_ok is False or level not in _HARMLESS:
        what = ("una parte del file non è coperta dalla firma" if coverage != "ENTIRE_REVISION"
                else "contenuto, pagine, annotazioni o campi del modulo cambiati")
    else:
        what = next(filter(None, (_foreign_change(reader, r) for r in others)), None)
    if what is None:
        info.acceptable = True
        info.modification = "solo firme successive in campi vuoti" + (
            " e dati di convalida" if others else "")
        return
    info.modification = f"il documento è stato MODIFICATO dopo la firma ({what})"
    info.findings.failures.append("documento MODIFICATO dopo la firma")


def _foreign_change(reader, revision: int) -> str | None:
    """What a revision that adds no signature changed beyond validation data, or None."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, SuspiciousModification

    try:
        old, new = (reader.get_historical_resolver(r) for r in (revision - 1, revision))
        if _metadata(old) != _metadata(new):
            return "metadati del documento (Info/XMP) riscritti senza una nuova firma"
        level = DEFAULT_DIFF_POLICY.apply(old, new).modification_level
    except SuspiciousModification:
        return "contenuto, pagine, annotazioni o campi del modulo cambiati"
    except Exception:  # a malformed revision cannot be shown harmless
        return "revisione successiva non analizzabile"
    if getattr(level, "name", None) not in ("NONE", "LTA_UPDATES"):
        return "campi del modulo compilati o aggiunti senza una nuova firma"
    return None


def _metadata(resolver) -> tuple:
    """Info entries and XMP bytes as seen in one revision."""
    info = resolver.trailer_view.get("/Info")
    info = info.get_object() if info is not None else {}
    entries = tuple(sorted((str(k), str(v)) for k, v in info.items()))
    xmp = resolver.root.get("/Metadata")
    return entries, xmp.get_object().data if xmp is not None else None


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
