"""S/MIME signature of a PEC receipt: the signed content, checked, or a refusal reason.

A provider signs each receipt (DM 2/11/2005): either ``multipart/signed`` (the first part
is the signed MIME entity, the second a detached CMS ``application/pkcs7-signature``) or
``application/pkcs7-mime`` (the entity inside the CMS SignedData). Only what is inside
the signature is evidence; the outer headers are not signed.

Integrity: the CMS message digest matches the content and the signature over the signed
attributes verifies with the signer's certificate (pyHanko's CMS tools). Trust, when a
bundle of PEC providers' certificates is given: the signer's certificate chains to one
of them at the signing time (pyhanko-certvalidator, no network). Without a bundle the
signer is reported, never vouched for.
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import re
from dataclasses import dataclass
from email import policy as email_policy
from email.parser import BytesHeaderParser
from pathlib import Path

from circolari.errors import fail
from circolari.signature.pyhanko_lazy import lazy_packages

lazy_packages()  # before any pyhanko.sign import: verifying loads no signer and no aiohttp


class Refused(Exception):
    """The receipt is not trustworthy evidence; ``str(exc)`` is the Italian reason."""


@dataclass
class Signed:
    content: bytes          # the signed MIME entity, CRLF line ends
    signer: str             # the signing certificate's subject, for the clerk
    trusted: bool | None    # None: no trust bundle was given
    outer: object = None    # the whole message, parsed (compat32), for its unsigned headers


def _crlf(data: bytes) -> bytes:
    return re.sub(rb"\r?\n", b"\r\n", data)


def _detached_parts(raw: bytes, boundary: str) -> tuple[bytes, bytes]:
    """(first part's exact bytes, second part's raw entity) of a multipart body."""
    data = _crlf(raw)
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        raise Refused("messaggio firmato malformato (intestazioni senza corpo)")
    delim = b"\r\n--" + boundary.encode("ascii", "replace")
    body = b"\r\n" + data[head_end + 4:]
    starts = []
    pos = 0
    while True:
        i = body.find(delim, pos)
        if i < 0:
            break
        j = i + len(delim)
        starts.append((i, j))
        pos = j
    if len(starts) < 3:
        raise Refused("messaggio firmato malformato (parti mancanti)")
    def part(k):
        a = body.find(b"\r\n", starts[k][1]) + 2   # after the delimiter line
        return body[a:starts[k + 1][0]]
    return part(0), part(1)


def _signed_data(der: bytes):
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError
        sd = info["content"]
        sd["signer_infos"]  # force parsing
        return sd
    except Exception:
        raise Refused("firma S/MIME illeggibile (non è una struttura CMS firmata)") from None


class Verifier:
    """Checks receipts' signatures; trust decisions are cached per certificate."""

    def __init__(self, trust: Path | None = None):
        self.roots = _load_bundle(trust) if trust else None
        self._trust_cache: dict[bytes, str | None] = {}

    def verify(self, raw: bytes) -> Signed:
        # Headers only: the body is read from the raw bytes, never re-parsed whole.
        msg = BytesHeaderParser(policy=email_policy.compat32).parsebytes(raw)
        ctype = msg.get_content_type()
        if ctype == "multipart/signed":
            boundary = msg.get_boundary()
            if not boundary:
                raise Refused("messaggio firmato malformato (manca il boundary)")
            content, sig_entity = _detached_parts(raw, boundary)
            sig_part = email.message_from_bytes(sig_entity, policy=email_policy.compat32)
            if sig_part.get_content_type() not in ("application/pkcs7-signature",
                                                   "application/x-pkcs7-signature"):
                raise Refused("la seconda parte del messaggio firmato non è una firma S/MIME")
            der = sig_part.get_payload(decode=True) or b""
            sd = _signed_data(der)
            if sd["encap_content_info"]["content"].native is not None:
                raise Refused("firma S/MIME non staccata in un messaggio multipart/signed")
        elif ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            sd = _signed_data(msg.get_payload(decode=True) or b"")
            content = sd["encap_content_info"]["content"].native
            if not content:
                raise Refused("firma S/MIME senza contenuto")
        else:
            raise Refused("ricevuta non firmata (manca la firma S/MIME del gestore PEC)")
        signer = self._check(sd, content)
        return Signed(content=_crlf(content), signer=signer[0], trusted=signer[1], outer=msg)

    def _check(self, sd, content: bytes) -> tuple[str, bool | None]:
        from pyhanko.sign.validation.generic_cms import (extract_certs_for_validation,
                                                         validate_sig_integrity)

        infos = sd["signer_infos"]
        if len(infos) != 1:
            raise Refused("la ricevuta deve avere esattamente una firma")
        try:
            certs = extract_certs_for_validation(sd)
            cert = certs.signer_cert
        except Exception:
            raise Refused("certificato del firmatario assente dalla firma") from None
        info = infos[0]
        algo = info["digest_algorithm"]["algorithm"].native
        try:
            digest = hashlib.new(algo, content).digest()
        except (ValueError, TypeError):
            raise Refused(f"algoritmo di impronta non supportato ({algo})") from None
        try:
            intact, valid = validate_sig_integrity(info, cert, "data", digest)
        except Exception as exc:
            raise Refused(f"firma S/MIME non verificabile ({exc.__class__.__name__})") from None
        if not intact:
            raise Refused("firma S/MIME non valida: il contenuto è stato alterato")
        if not valid:
            raise Refused("firma S/MIME non valida: la firma non corrisponde al certificato")
        subject = cert.subject.human_friendly
        if self.roots is None:
            return subject, None
        problem = self._trusted(cert, list(certs.other_certs), info)
        if problem:
            raise Refused(f"firmatario non attendibile ({subject}): {problem}")
        return subject, True

    def _trusted(self, cert, others, info) -> str | None:
        key = cert.dump()
        if key in self._trust_cache:
            return self._trust_cache[key]
        from pyhanko_certvalidator import CertificateValidator, ValidationContext

        moment = None
        for attr in info["signed_attrs"] or []:
            if attr["type"].native == "signing_time":
                moment = attr["values"][0].native
        ctx = ValidationContext(trust_roots=self.roots, allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
        validator = CertificateValidator(cert, intermediate_certs=others,
                                         validation_context=ctx)
        try:
            asyncio.run(validator.async_validate_usage({"digital_signature"}))
            problem = None
        except Exception as exc:
            problem = ("il certificato non discende da uno dei certificati attendibili "
                       f"(--trust) [{exc.__class__.__name__}]")
        self._trust_cache[key] = problem
        return problem


def _load_bundle(path: Path) -> list:
    """Certificates (PEM bundle, or DER) of trusted PEC providers or their CAs."""
    from asn1crypto import pem, x509

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"certificati attendibili non leggibili ({exc.strerror})", file=path,
                   field="--trust", hint="indicare un file PEM con i certificati dei "
                                         "gestori PEC") from None
    try:
        if pem.detect(data):
            certs = [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, True)]
        else:
            certs = [x509.Certificate.load(data)]
        for c in certs:
            c.native  # force parsing
    except Exception:
        raise fail("il file dei certificati attendibili non contiene certificati validi",
                   file=path, field="--trust",
                   hint="indicare un file PEM (-----BEGIN CERTIFICATE-----)") from None
    if not certs:
        raise fail("nessun certificato nel file", file=path, field="--trust",
                   hint="indicare un file PEM con i certificati dei gestori PEC")
    return certs
