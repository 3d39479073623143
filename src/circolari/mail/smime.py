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
from pathlib import Path

from circolari.mail import mime
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
    if data.count(b"\n") == data.count(b"\r\n"):
        return data                     # already CRLF throughout: no copy
    return re.sub(rb"\r?\n", b"\r\n", data)


def _detached_parts(data: bytes, boundary: str) -> tuple[bytes, bytes]:
    """(first part's exact bytes, second part's raw entity) of a CRLF multipart."""
    if data.find(b"\r\n\r\n") < 0:
        raise Refused("messaggio firmato malformato (intestazioni senza corpo)")
    found = mime.parts(mime.split_head(data)[1], boundary)
    if len(found) < 2:
        raise Refused("messaggio firmato malformato (parti mancanti)")
    return found[0], found[1]


def _signed_data(der: bytes):
    from asn1crypto import cms, tsp  # noqa: F401  (before any CMS use: see circolari.p7m)

    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError
        sd = info["content"]
        sd["signer_infos"]  # force parsing
        return sd
    except Exception:
        raise Refused("firma S/MIME illeggibile (non è una struttura CMS firmata)") from None


@dataclass
class _Signer:
    """What a provider's certificates give, worked out once per certificate set."""
    cert: object            # asn1crypto x509.Certificate
    others: list
    subject: str
    key: object = None      # the public key, loaded (None: not loadable here)


_COMMON_ATTRS = {"content_type", "message_digest", "signing_time", "smime_capabilities"}


def _common_integrity(info, signer: _Signer, digest: bytes) -> tuple[bool, bool] | None:
    """``(intact, valid)`` for the common shape of a provider's signature, as pyHanko's
    ``validate_sig_integrity`` decides it, with the signer's key loaded once: signed
    attributes that are only content-type (data), message-digest, signing-time and
    S/MIME capabilities, each once; RSA PKCS#1 v1.5 or ECDSA with SHA-1/2. Anything
    else (no signed attributes, algorithm protection, signing-certificate attributes,
    PSS, ...) returns None and is left to pyHanko."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    from asn1crypto import core

    attrs = info["signed_attrs"]
    if signer.key is None or isinstance(attrs, core.Void) or not len(attrs):
        return None
    found = {}
    for attr in attrs:
        name, values = attr["type"].native, attr["values"]
        if name not in _COMMON_ATTRS or name in found or len(values) != 1:
            return None
        found[name] = values[0]
    if "content_type" not in found or "message_digest" not in found \
            or found["content_type"].native != "data":
        return None
    algorithm = info["signature_algorithm"]
    try:
        mechanism = algorithm.signature_algo
    except ValueError:
        return None
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = info["digest_algorithm"]["algorithm"].native
    md = {"sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
          "sha384": hashes.SHA384, "sha512": hashes.SHA512}.get(hash_name)
    if md is None:
        return None
    signature, signed = info["signature"].native, attrs.untag().dump()
    try:
        if mechanism == "rsassa_pkcs1v15" and isinstance(signer.key, rsa.RSAPublicKey):
            signer.key.verify(signature, signed, padding.PKCS1v15(), md())
        elif mechanism == "ecdsa" and isinstance(signer.key, ec.EllipticCurvePublicKey):
            signer.key.verify(signature, signed, ec.ECDSA(md()))
        else:
            return None
        valid = True
    except InvalidSignature:
        valid = False
    return found["message_digest"].native == digest, valid


class Verifier:
    """Checks receipts' signatures. A provider signs every receipt with the same
    certificate: finding the signer among the certificates, its name and the trust
    decision are worked out once per certificate set and signer, not per receipt; each
    signature and digest is still verified. ``given_as`` names where the bundle's path came
    from (``--trust`` or ``CIRCOLARI_PEC_TRUST``), for its errors."""

    def __init__(self, trust: Path | None = None, given_as: str = "--trust"):
        self.roots = None
        if trust:
            from circolari.signature.verdict import load_trust

            self.roots = list(load_trust([trust], hint="indicare un file PEM con i certificati "
                                                       "dei gestori PEC", field=given_as).roots)
        self._trust_cache: dict[bytes, str | None] = {}
        self._signers: dict[tuple[bytes, bytes], _Signer] = {}

    def verify(self, raw: bytes) -> Signed:
        # Headers only: the body is read from the raw bytes, never re-parsed whole.
        data = _crlf(raw)
        msg = mime.headers(data)
        ctype = msg.get_content_type()
        if ctype == "multipart/signed":
            boundary = msg.get_boundary()
            if not boundary:
                raise Refused("messaggio firmato malformato (manca il boundary)")
            content, sig_entity = _detached_parts(data, boundary)
            sig_part = email.message_from_bytes(sig_entity, policy=email_policy.compat32)
            if sig_part.get_content_type() not in ("application/pkcs7-signature",
                                                   "application/x-pkcs7-signature"):
                raise Refused("la seconda parte del messaggio firmato non è una firma S/MIME")
            der = sig_part.get_payload(decode=True) or b""
            sd = _signed_data(der)
            if sd["encap_content_info"]["content"].native is not None:
                raise Refused("firma S/MIME non staccata in un messaggio multipart/signed")
        elif ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            whole = email.message_from_bytes(data, policy=email_policy.compat32)
            sd = _signed_data(whole.get_payload(decode=True) or b"")
            content = sd["encap_content_info"]["content"].native
            if not content:
                raise Refused("firma S/MIME senza contenuto")
        else:
            raise Refused("ricevuta non firmata (manca la firma S/MIME del gestore PEC)")
        signer = self._check(sd, content)
        return Signed(content=_crlf(content), signer=signer[0], trusted=signer[1], outer=msg)

    def _signer(self, sd) -> _Signer:
        from pyhanko.sign.validation.generic_cms import extract_certs_for_validation

        key = (sd["certificates"].dump(), sd["signer_infos"][0]["sid"].dump())
        found = self._signers.get(key)
        if found is None:
            try:
                certs = extract_certs_for_validation(sd)
                cert = certs.signer_cert
            except Exception:
                raise Refused("certificato del firmatario assente dalla firma") from None
            try:
                from cryptography.hazmat.primitives.serialization import load_der_public_key

                public_key = load_der_public_key(cert.public_key.dump())
            except Exception:           # e.g. an RSA-PSS-only key: pyHanko handles it
                public_key = None
            found = _Signer(cert=cert, others=list(certs.other_certs),
                            subject=cert.subject.human_friendly, key=public_key)
            self._signers[key] = found
        return found

    def _check(self, sd, content: bytes) -> tuple[str, bool | None]:
        from pyhanko.sign.validation.generic_cms import validate_sig_integrity

        infos = sd["signer_infos"]
        if len(infos) != 1:
            raise Refused("la ricevuta deve avere esattamente una firma")
        signer = self._signer(sd)
        cert = signer.cert
        info = infos[0]
        algo = info["digest_algorithm"]["algorithm"].native
        try:
            digest = hashlib.new(algo, content).digest()
        except (ValueError, TypeError):
            raise Refused(f"algoritmo di impronta non supportato ({algo})") from None
        try:
            verdict = _common_integrity(info, signer, digest)
            intact, valid = verdict or validate_sig_integrity(info, cert, "data", digest)
        except Exception as exc:
            raise Refused(f"firma S/MIME non verificabile ({exc.__class__.__name__})") from None
        if not intact:
            raise Refused("firma S/MIME non valida: il contenuto è stato alterato")
        if not valid:
            raise Refused("firma S/MIME non valida: la firma non corrisponde al certificato")
        subject = signer.subject
        if self.roots is None:
            return subject, None
        problem = self._trusted(cert, signer.others, info)
        if problem:
            raise Refused(f"firmatario non attendibile ({subject}): {problem}")
        return subject, True

    def _trusted(self, cert, others, info) -> str | None:
        """Why the provider's certificate is not trusted now, or None.

        Judged at the time of the check, as ``openssl smime -verify`` does: the signing time in
        the receipt is the signer's own claim, so it never makes an expired certificate good."""
        key = cert.dump()
        if key in self._trust_cache:
            return self._trust_cache[key]
        from pyhanko_certvalidator import CertificateValidator, ValidationContext
        from pyhanko_certvalidator.errors import ExpiredError, NotYetValidError, RevokedError

        ctx = ValidationContext(trust_roots=self.roots, allow_fetching=False,
                                revocation_mode="soft-fail")
        validator = CertificateValidator(cert, intermediate_certs=others,
                                         validation_context=ctx)
        try:
            asyncio.run(validator.async_validate_usage({"digital_signature"}))
            problem = None
        except ExpiredError:
            problem = "il certificato del gestore è scaduto"
        except NotYetValidError:
            problem = "il certificato del gestore non è ancora valido"
        except RevokedError:
            problem = "il certificato del gestore è revocato"
        except Exception as exc:
            problem = ("il certificato non discende da uno dei certificati attendibili "
                       f"(--trust) [{exc.__class__.__name__}]")
        self._trust_cache[key] = problem
        return problem
