"""PAdES signing (B-B, or B-T with a TSA) into an existing empty signature field.

pyHanko does the signing.  Two PDF/A details are handled here: the visible
appearance uses an embedded font (Titillium Web), and the Info dictionary and
XMP are updated together so they still agree after the incremental update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from circolari.input.files import read_bytes
from circolari.output import write_atomic
from circolari.errors import fail
from circolari.signature.pyhanko_lazy import lazy_packages

lazy_packages()  # before any pyhanko.sign import: signing loads no aiohttp (the TSA's client: signature/tsa.py)

STAMP_TEXT = "Firmato digitalmente da\n%(signer)s\nil %(ts)s"
_FONT = "TitilliumWeb-Regular.ttf"


@dataclass(frozen=True)
class Credentials:
    """Key and certificates from a PKCS#12 file, as asn1crypto objects."""

    key: object  # asn1crypto.keys.PrivateKeyInfo
    cert: object  # asn1crypto.x509.Certificate
    chain: tuple  # other asn1crypto certificates
    parsed: object = field(default=None, compare=False, repr=False)  # ``key`` as cryptography's key

    def der(self) -> tuple[bytes, ...]:
        """Key, certificate and chain as DER: everything a signer made from them depends on."""
        return (self.key.dump(), self.cert.dump(), *(c.dump() for c in self.chain))

    def __reduce__(self):  # pickled as DER (for worker processes that are started, not forked)
        return _from_der, (self.der(),)


def _from_der(der: tuple[bytes, ...]) -> Credentials:
    from asn1crypto import keys, x509

    key, cert, *chain = der
    return Credentials(keys.PrivateKeyInfo.load(key), x509.Certificate.load(cert),
                       tuple(x509.Certificate.load(c) for c in chain))


def load_p12(p12: Path, password: bytes, *, now: datetime | None = None) -> Credentials:
    """Read a PKCS#12 file; Italian errors for a bad file, password or validity."""
    from asn1crypto import keys, pkcs12, x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12 as c_pkcs12

    data = read_bytes(p12)  # an unreadable file is already an Italian error naming it
    try:
        pkcs12.Pfx.load(data)["auth_safe"]["content_type"].native  # noqa: B018 (parse)
    except Exception:
        raise fail("il file non è un certificato PKCS#12 (.p12/.pfx)", file=p12,
                   hint="esportare il certificato di firma con la chiave privata in formato .p12") from None
    try:
        key, cert, extra = c_pkcs12.load_key_and_certificates(data, password or None)
    except ValueError:
        raise fail("password del certificato errata", file=p12,
                   hint="reimpostare CIRCOLARI_P12_PASSWORD o ridigitare la password") from None
    if key is None or cert is None:
        raise fail("il file PKCS#12 non contiene la chiave privata e il certificato di firma",
                   file=p12, hint="esportare il certificato insieme alla chiave privata") from None
    now = now or datetime.now(timezone.utc)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now < start:
        raise fail(f"il certificato non è ancora valido (valido dal {start:%d/%m/%Y})",
                   file=p12, hint="controllare la data del computer o usare un altro certificato")
    if now > end:
        raise fail(f"il certificato è scaduto il {end:%d/%m/%Y}", file=p12,
                   hint="rinnovare il certificato di firma")
    der = serialization.Encoding.DER
    key_der = key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Credentials(
        key=keys.PrivateKeyInfo.load(key_der),
        cert=x509.Certificate.load(cert.public_bytes(der)),
        chain=tuple(x509.Certificate.load(c.public_bytes(der)) for c in extra or ()),
        parsed=key,
    )


def read_pdf(src: Path) -> bytes:
    """Read a whole PDF, refusing what is not a PDF or is visibly truncated."""
    raw = read_bytes(src)
    if not raw.startswith(b"%PDF-"):
        raise fail("il file non è un PDF", file=src, hint="indicare il PDF dell'atto")
    if b"%%EOF" not in raw[-1024:]:
        raise fail("il PDF è troncato o incompleto (manca %%EOF finale)", file=src,
                   hint="rigenerare o ricopiare il file")
    return raw


def open_for_signing(src: Path, raw: bytes):
    """pyHanko's incremental writer over ``raw`` (parsed once: its reader also gives the fields)."""
    from pyhanko.pdf_utils.misc import PdfError

    try:
        from circolari.signature.pyhanko_compat import pdfa_writer_class

        return pdfa_writer_class()(BytesIO(raw), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"il PDF è danneggiato o troncato: {exc}", file=src,
                   hint="rigenerare il PDF con «circolari»") from None


def pick_field(src: Path, reader, field: str | None) -> str:
    """Name of the empty signature field to sign (``reader``: a pyHanko reader of ``src``);
    Italian errors otherwise."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        found = [(name, value is not None) for name, value, _ in enumerate_sig_fields(reader)]
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise fail(f"il PDF è danneggiato o troncato: {exc}", file=src,
                   hint="rigenerare il PDF con «circolari»") from None
    empty = [name for name, signed in found if not signed]
    signed = [name for name, signed in found if signed]
    if field is not None:
        if field in empty:
            return field
        if field in signed:
            raise fail(f"il campo firma «{field}» è già firmato", file=src,
                       hint="non si firma due volte lo stesso campo")
        raise fail(f"il PDF non ha un campo firma «{field}»", file=src,
                   hint=f"campi disponibili: {', '.join(empty) or 'nessuno'}")
    if len(empty) == 1:
        return empty[0]
    if not empty and signed:
        raise fail("il documento è già firmato: nessun campo firma libero", file=src,
                   hint="per una nuova firma rigenerare l'atto; non si firma due volte")
    if not empty:
        raise fail("il PDF non ha campi firma vuoti", file=src,
                   hint="generare il PDF con il riquadro firma (SignatureSpot)")
    raise fail(f"il PDF ha più campi firma vuoti: {', '.join(empty)}", file=src,
               hint="indicare quale firmare con --field")


def sign_pdf(
    src: Path,
    dst: Path,
    p12: Path,
    password: bytes,
    field: str | None = None,
    tsa_url: str | None = None,
    *,
    overwrite: bool = False,
    credentials: Credentials | None = None,
) -> None:
    """Sign ``src`` into ``dst`` (PAdES B-B, B-T with ``tsa_url``); ``src`` is untouched.
    ``credentials`` already loaded (a series signs many letters) replace ``p12``/``password``."""
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        raise fail("il file firmato non può sostituire l'originale", file=dst,
                   hint="indicare un altro nome con --output")
    if dst.exists() and not overwrite:
        raise fail("il file di destinazione esiste già", file=dst,
                   hint="indicare un altro nome con --output o eliminare il file")
    from circolari.signature.verify import quiet_libraries

    raw = read_pdf(src)
    with quiet_libraries():
        writer = open_for_signing(src, raw)
    name = pick_field(src, writer.prev, field)
    creds = credentials or load_p12(Path(p12), password)
    signed = _sign(src, raw, name, creds, tsa_url, writer=writer)
    write_atomic(dst, signed)


def _sign(src: Path, raw: bytes, field: str, creds: Credentials, tsa_url: str | None, *, writer=None) -> bytes:
    """``raw`` signed into ``field``; ``writer``: ``open_for_signing(src, raw)`` if already made."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    from circolari.signature.verify import quiet_libraries

    timestamper = None
    if tsa_url:
        from circolari.signature.tsa import UrllibTimeStamper

        timestamper = UrllibTimeStamper(tsa_url, timeout=30)
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
    )
    try:
        with quiet_libraries():
            signer, reserved = _signer(creds)
            if tsa_url:
                reserved = None  # a timestamp token's size is the TSA's: pyHanko asks it for a sample
            pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, stamp_style=_stamp_style())
            writer = writer or open_for_signing(src, raw)
            out = pdf_signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=reserved)
    except (PdfError, SigningError) as exc:
        raise fail(f"firma non riuscita: {exc}", file=src,
                   hint="controllare il PDF e il certificato") from None
    except OSError as exc:  # network errors from the TSA
        raise fail(f"marca temporale non ottenuta da {tsa_url}: {exc}", file=src,
                   hint="controllare l'indirizzo --tsa e la connessione") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("aiohttp", "pyhanko")):
            raise fail(f"firma non riuscita: {exc}", file=src,
                       hint="controllare il PDF, il certificato e l'eventuale --tsa") from None
        raise
    return out.getvalue()


_SIGNERS: dict[tuple[bytes, ...], tuple] = {}  # Credentials.der() -> (signer, reserved size)
_SIGNERS_KEPT = 8


def _signer(creds: Credentials):
    """pyHanko's signer for ``creds`` and the room its signature takes, made once per process for
    each key, certificate and chain (a series signs many letters with one certificate; a
    certificate read again from its .p12 is the same one). The room is pyHanko's own estimate
    (a trial signature, plus 50%), which otherwise it makes again before every signature."""
    key = creds.der()
    if key not in _SIGNERS:
        import asyncio
        import hashlib

        from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        signer = _parsed_key_signer()(creds, cert_registry=SimpleCertificateStore.from_certs(creds.chain))
        trial = asyncio.run(signer.async_sign(
            hashlib.sha256().digest(), "sha256", use_pades=True, dry_run=True,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=datetime.now(timezone.utc))))
        size = len(trial.dump()) * 2  # hexadecimal in the PDF
        if len(_SIGNERS) >= _SIGNERS_KEPT:
            _SIGNERS.pop(next(iter(_SIGNERS)))
        _SIGNERS[key] = signer, size + 2 * (size // 4)
    return _SIGNERS[key]


_SIGNING_CERTIFICATE = "signing_certificate_v2"


@lru_cache(maxsize=1)
def _parsed_key_signer():
    """pyHanko's SimpleSigner over a key parsed once. SimpleSigner parses its key again at every
    signature, and cryptography checks an RSA key as it parses it (~30 ms for 2,048 bits, as long
    as the rest of a signature; most qualified certificates hold RSA keys)."""
    from asn1crypto import cms
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class ParsedKeySigner(signers.SimpleSigner):
        def __init__(self, creds: Credentials, cert_registry):
            super().__init__(signing_cert=creds.cert, signing_key=creds.key, cert_registry=cert_registry)
            self._parsed = creds.parsed or serialization.load_der_private_key(creds.key.dump(), None)
            # pyHanko's signing-certificate-v2 attribute for this certificate, parsed back from its
            # DER: asn1crypto serialises the one pyHanko builds anew at each signature in ~3 ms (a
            # tenth of a signature), a parsed one in microseconds; the bytes are the same.
            self._signing_certificate = cms.CMSAttribute.load(simple_cms_attribute(
                _SIGNING_CERTIFICATE, as_signing_certificate_v2(creds.cert)).dump())

        async def signed_attrs(self, *args, **kwargs):
            attrs = await super().signed_attrs(*args, **kwargs)
            return cms.CMSAttributes([self._signing_certificate if a["type"].native == _SIGNING_CERTIFICATE
                                      else a for a in attrs])

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                name = mechanism.signature_algo
            except ValueError:
                name = mechanism["algorithm"].native
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if name == "rsassa_pkcs1v15":
                return self._parsed.sign(data, PKCS1v15(), digest)
            if name == "ecdsa":
                return self._parsed.sign(data, ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's way

    return ParsedKeySigner


def _stamp_style():
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    class StampFont(GlyphAccumulatorFactory):
        """The font from memory (``_stamp_font``) instead of a file."""

        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=BytesIO(_stamp_font()), font_size=self.font_size,
                                    obj_stream=obj_stream)

    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        text_box_style=TextBoxStyle(font=StampFont(_FONT), font_size=9),
        timestamp_format="%d/%m/%Y %H:%M:%S %Z",
        border_width=1,
        background=None,
    )


@lru_cache(maxsize=1)
def _stamp_font() -> bytes:
    """Titillium Web with every character but without OpenType layout tables and hinting:
    pyHanko parses and subsets the font at each signature, 5x faster this way (a series
    signs a thousand letters; a 9-point stamp needs no kerning)."""
    import fontpkg_titillium_web
    from fontTools import subset

    options = subset.Options(layout_features=[], hinting=False, name_IDs=["*"], notdef_outline=True)
    options.drop_tables += ["FFTM"]
    font = subset.load_font(str(fontpkg_titillium_web.ROOT / "files" / _FONT), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    out = BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()
