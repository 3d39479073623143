"""CAdES attached envelopes (.p7m), nested to any depth up to MAX_DEPTH: check every signer
of every level, and extract the innermost document only when no level is NON VALIDO."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from circolari.output import write_atomic
from circolari.signature.verdict import NON_VALIDO, Trust, judge_certificate
from circolari.signature.report import SignatureInfo, VerifyReport, fill_cert
from circolari.signature.verify_pdf import verify_pdf_bytes

MAX_DEPTH = 8


def verify_p7m(path: Path, raw: bytes, trust: Trust) -> VerifyReport:
    """Verify a .p7m (DER, PEM or base64), each nested level, and extract its content beside it."""
    report, content = _open_level(path, raw, trust, 1)
    levels = [report]
    while levels[-1].inner is not None:
        levels.append(levels[-1].inner)
    if content is None:
        return report
    if any(level.verdict == NON_VALIDO for level in levels):
        report.problems.append("contenuto non estratto: almeno un livello della busta non è "
                               "valido (firma non integra o certificato non valido)")
        return report
    try:
        report.extracted = _extract(path, content)
    except OSError as exc:
        report.problems.append(f"impossibile estrarre il contenuto accanto al file: "
                               f"{exc.strerror}")
        return report
    if content.startswith(b"%PDF-"):
        levels[-1].inner = verify_pdf_bytes(report.extracted, content, trust)
    return report


def _open_level(path: Path, raw: bytes, trust: Trust, depth: int) -> tuple[VerifyReport, bytes | None]:
    """(report on this envelope and the ones inside it, innermost content or None)."""
    report = VerifyReport(path=path, kind="p7m", depth=depth)
    try:
        signed_data = _signed_data(raw)
        content = signed_data["encap_content_info"]["content"].native
        signer_infos = list(signed_data["signer_infos"])
    except Exception:  # asn1crypto raises ValueError/TypeError/... on bad DER
        report.problems.append("il file non è una busta firmata CAdES (.p7m) leggibile")
        return report, None
    if content is None:
        report.problems.append("la busta non contiene il documento (firma «staccata»)")
        return report, None
    if not signer_infos:
        report.problems.append("la busta non contiene alcuna firma")
    for index, signer_info in enumerate(signer_infos):
        report.signatures.append(_check_signer(index, signed_data, signer_info, trust))
    if not _is_envelope(content):
        return report, content
    if depth >= MAX_DEPTH:
        report.problems.append(f"buste annidate oltre {MAX_DEPTH} livelli: verifica interrotta")
        return report, None
    report.inner, content = _open_level(_unwrapped(path), content, trust, depth + 1)
    return report, content


def _is_envelope(content: bytes) -> bool:
    """True if ``content`` is itself an attached CAdES envelope (DER or PEM)."""
    if not content.startswith((b"\x30", b"-----BEGIN")):
        return False
    try:
        return _signed_data(content)["encap_content_info"]["content"].native is not None
    except Exception:  # not CMS: a document that happens to start like DER
        return False


def _unwrapped(path: Path) -> Path:
    """x.pdf.p7m.p7m -> x.pdf.p7m (the name a level's content would have)."""
    return path.with_suffix("") if path.suffix.lower() == ".p7m" else path


def signed_content(raw: bytes) -> bytes | None:
    """The content an attached CAdES envelope carries, or None if it cannot be read."""
    try:
        return _signed_data(raw)["encap_content_info"]["content"].native
    except (ValueError, TypeError, KeyError):
        return None


def _signed_data(raw: bytes):
    from asn1crypto import cms, tsp  # noqa: F401
    # tsp adds 'tst_info' to cms.ContentType, whose name->OID map asn1crypto freezes on first
    # use: parsing CMS before tsp is imported breaks any later code in the same process that
    # builds a tst_info by name (a time-stamp server, such as the one in the tests).

    data = raw
    if raw.lstrip().startswith(b"-----BEGIN"):
        body = re.sub(rb"-----[^-]+-----", b"", raw)
        data = base64.b64decode(body)
    elif not raw.startswith(b"\x30"):
        data = base64.b64decode(raw, validate=False)
    info = cms.ContentInfo.load(data, strict=True)
    if info["content_type"].native != "signed_data":
        raise ValueError("not a SignedData")
    return info["content"]


def _find_cert(sid, certs):
    chosen = sid.chosen
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if cert.issuer == chosen["issuer"] and cert.serial_number == chosen["serial_number"].native:
                return cert
        elif cert.key_identifier == chosen.native:
            return cert
    return None


def _check_signer(index: int, signed_data, signer_info, trust: Trust) -> SignatureInfo:
    """Judge one signer with pyHanko (integrity, certificate, trust), as for a PDF signature."""
    import asyncio
    from datetime import datetime, timezone

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import (
        async_validate_cms_signature, extract_self_reported_ts)
    from pyhanko.sign.validation.status import StandardCMSSignatureStatus

    info = SignatureInfo(field=f"firmatario {index + 1}", signed=True, whole_file=True,
                         acceptable=True)
    certs = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
    cert = _find_cert(signer_info["sid"], certs)
    fill_cert(info, cert)
    if cert is None:
        info.findings.failures.append("il certificato del firmatario non è nella busta")
        return info
    single = signed_data.copy()
    single["signer_infos"] = cms.SignerInfos([signer_info])
    try:
        info.signing_time = extract_self_reported_ts(signer_info)
        status = asyncio.run(async_validate_cms_signature(
            single, status_cls=StandardCMSSignatureStatus, validation_context=trust.context()))
    except Exception:  # malformed attributes, unknown algorithms
        info.findings.doubts.append("la struttura della firma non è leggibile: verifica impossibile")
        return info
    info.intact, info.valid = bool(status.intact), bool(status.valid)
    if not info.intact:
        info.findings.failures.append("integrità: il contenuto firmato è stato alterato")
    elif not info.valid:
        info.findings.failures.append("integrità: la firma non corrisponde al certificato del firmatario")
    judge_certificate(info.findings, cert, status, datetime.now(timezone.utc), proven=False, trust=trust)
    return info


def _extract(path: Path, content: bytes) -> Path:
    """Write the content to X for X.p7m, never overwriting a different file."""
    base = path
    while base.suffix.lower() == ".p7m":
        base = base.with_suffix("")
    if base == path:
        base = path.with_name(path.name + ".contenuto")
    target, n = base, 0
    while target.exists():
        if target.read_bytes() == content:
            return target
        n += 1
        target = base.with_name(f"{base.stem} ({n}){base.suffix}")
    write_atomic(target, content)
    return target
