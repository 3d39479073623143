"""CAdES attached envelopes (.p7m): check each signer and extract the content."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from circolari.output import write_atomic
from circolari.verify import SignatureInfo, VerifyReport, _fill_cert, verify_pdf_bytes


def verify_p7m(path: Path, raw: bytes) -> VerifyReport:
    """Verify a .p7m (DER, PEM or base64) and extract its content beside it."""
    report = VerifyReport(path=path, kind="p7m")
    try:
        signed_data = _signed_data(raw)
        content = signed_data["encap_content_info"]["content"].native
        content_type = signed_data["encap_content_info"]["content_type"].native
        certs = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        signer_infos = list(signed_data["signer_infos"])
    except Exception:  # asn1crypto raises ValueError/TypeError/... on bad DER
        report.problems.append("il file non è una busta firmata CAdES (.p7m) leggibile")
        return report
    if content is None:
        report.problems.append("la busta non contiene il documento (firma «staccata»)")
        return report
    if not signer_infos:
        report.problems.append("la busta non contiene alcuna firma")
    for index, signer_info in enumerate(signer_infos):
        report.signatures.append(_check_signer(index, signer_info, certs, content, content_type))
    if report.ok:
        try:
            report.extracted = _extract(path, content)
        except OSError as exc:
            report.problems.append(f"impossibile estrarre il contenuto accanto al file: "
                                   f"{exc.strerror}")
            return report
        if content.startswith(b"%PDF-"):
            report.inner = verify_pdf_bytes(report.extracted, content)
    else:
        report.problems.append("contenuto non estratto: la firma non è integra")
    return report


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


def _check_signer(index: int, signer_info, certs, content: bytes, content_type: str) -> SignatureInfo:
    from pyhanko.sign.validation.generic_cms import extract_self_reported_ts, validate_sig_integrity

    info = SignatureInfo(field=f"firmatario {index + 1}", signed=True, whole_file=True,
                         acceptable=True)
    try:
        cert = _find_cert(signer_info["sid"], certs)
        _fill_cert(info, cert)
        if cert is None:
            info.error = "il certificato del firmatario non è nella busta"
            return info
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(algorithm, content).digest()
        info.intact, info.valid = validate_sig_integrity(signer_info, cert, content_type, digest)
        info.signing_time = extract_self_reported_ts(signer_info)
    except Exception as exc:  # malformed attributes, unknown algorithms
        info.error = f"la firma non è verificabile: {exc}"
    return info


def _extract(path: Path, content: bytes) -> Path:
    """Write the content to X for X.p7m, never overwriting a different file."""
    base = path.with_suffix("") if path.suffix.lower() == ".p7m" else path.with_name(path.name + ".contenuto")
    target, n = base, 0
    while target.exists():
        if target.read_bytes() == content:
            return target
        n += 1
        target = base.with_name(f"{base.stem} ({n}){base.suffix}")
    write_atomic(target, content)
    return target
