"""Verify a PDF given as bytes: PDF/A clauses, embedded fonts, and each PAdES signature.

pikepdf reads the document (``read_document``), pyHanko the signatures. With ``parallel``
(a cold ``circolari verify``) the document is read in a forked child while pyHanko loads and
validates here (``circolari.forked``): the report is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from circolari import forked
from circolari.pdf.damage import qpdf_reason
from circolari.pdf.pdfa_result import Failure, PdfaClaim
from circolari.signature.report import SignatureInfo, VerifyReport, fill_cert
from circolari.signature.verdict import Trust, judge_certificate

# pyHanko modification levels that may follow a signature: nothing, validation data
# (DSS), or later signatures in empty fields.
_HARMLESS = ("NONE", "LTA_UPDATES", "FORM_FILLING")


@dataclass
class Document:
    """What pikepdf reads of a PDF: all of the report but the signatures' own checks."""

    problem: str | None = None  # Italian; the PDF could not be read
    claim: PdfaClaim | None = None
    pdfa_failures: list[Failure] = field(default_factory=list)
    fonts: list[tuple[str, bool]] = field(default_factory=list)
    fields: list[tuple[str, bool]] = field(default_factory=list)


def verify_pdf_bytes(path: Path, raw: bytes, trust: Trust, *, parallel: bool = False) -> VerifyReport:
    """Report on a PDF given as bytes (``path`` is only for messages)."""
    report = VerifyReport(path=path, kind="pdf")
    if not raw.startswith(b"%PDF-"):
        report.problems.append("il file non è un PDF")
        return report
    signatures = None
    if parallel and b"/ByteRange" in raw:  # a signature value, always outside compressed streams
        pending = forked.start(read_document, raw)
        signatures = _settled(_pdf_signatures, raw, trust)
        document = pending()
    else:
        document = read_document(raw)
    report.claim, report.pdfa_failures, report.fonts = document.claim, document.pdfa_failures, document.fonts
    if document.problem:
        report.problems.append(document.problem)
        return report
    if not any(signed for _, signed in document.fields):  # pyHanko (slow import) only when needed
        report.signatures = [SignatureInfo(field=name, signed=False) for name, _ in document.fields]
        return report
    report.signatures, problem = signatures() if signatures else _pdf_signatures(raw, trust)
    if problem:
        report.problems.append(problem)
    return report


def _settled(function, *args):
    """Run ``function(*args)`` now; the callable returned gives its value, or raises its error
    by running it again (where a plain call would have raised it)."""
    try:
        value = function(*args)
    except Exception:
        return lambda: function(*args)
    return lambda: value


def read_document(raw: bytes) -> Document:
    """PDF/A claim and clauses, fonts and signature fields, via pikepdf."""
    import pikepdf

    from circolari.pdf import walk as pdfwalk
    from circolari.pdf.pdfa_check import check_open_pdfa, pdfa_claim

    document = Document()
    try:
        with pikepdf.open(BytesIO(raw)) as doc:
            document.claim = pdfa_claim(doc)
            document.pdfa_failures = check_open_pdfa(raw, doc)
            names: dict[str, bool] = {}
            for _, name, font in pdfwalk.fonts(doc):
                if font.get("/Subtype") != "/Type0":
                    label = str(font.get("/BaseFont", name)).lstrip("/")
                    names[label] = names.get(label, True) and pdfwalk.is_embedded(font)
            document.fonts = sorted(names.items())
            document.fields = signature_fields(doc)
    except pikepdf.PasswordError:
        document.problem = "il PDF è protetto da password"
    except pikepdf.PdfError as exc:
        document.problem = f"il PDF è danneggiato o troncato: {qpdf_reason(exc)}"
    return document


def signature_fields(doc) -> list[tuple[str, bool]]:
    """(qualified name, has a value) of each signature field, via pikepdf."""
    import pikepdf

    from circolari.pdf.pdfa_check import field_type

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
    fill_cert(info, sig.signer_cert)
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
