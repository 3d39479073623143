"""Is the act to be sent signed? Presence check only, not a cryptographic verification.

A PDF counts as signed when its form has a signature field (``/FT /Sig``) with a
value (``/V``, the signature dictionary); an empty signature field does not count.
A CAdES envelope (``.p7m``) is signed by nature; only its shape is checked here.
"""

from __future__ import annotations

from pathlib import Path

from circolari.errors import fail
from circolari.input.files import regular_file


def pdf_is_signed(path: Path) -> bool:
    """True when ``path`` has a filled signature field; CircolariError if unreadable."""
    import pikepdf

    from circolari.signature.verify_pdf import signature_fields

    try:
        with pikepdf.open(path) as doc:
            return any(signed for _, signed in signature_fields(doc))
    except pikepdf.PdfError as exc:
        raise fail(f"il PDF non è leggibile ({exc})", file=path,
                   hint="indicare il PDF firmato restituito dal sistema di firma") from None


def check_signed_file(path: Path, *, allow_unsigned: bool) -> str:
    """Check the act to send; return its kind: ``"pdf"`` or ``"p7m"``."""
    path = Path(path)
    regular_file(path, "il file firmato", hint="indicare con --signed il PDF firmato o il file .p7m")
    head = path.read_bytes()[:1024]
    if path.suffix.lower() == ".p7m":
        # DER (SEQUENCE, 0x30) or base64/PEM text of a CMS SignedData.
        if not (head[:1] == b"\x30" or head.lstrip().startswith((b"MI", b"-----BEGIN"))):
            raise fail("il file .p7m non sembra una busta di firma CAdES", file=path,
                       hint="indicare il file .p7m prodotto dal sistema di firma")
        return "p7m"
    if not head.startswith(b"%PDF-"):
        raise fail("il file non è un PDF né un .p7m", file=path,
                   hint="indicare con --signed il PDF firmato (PAdES) o il file .p7m (CAdES)")
    if not pdf_is_signed(path) and not allow_unsigned:
        raise fail(
            "il PDF non contiene una firma digitale (nessun campo firma compilato): "
            "un atto ufficiale va inviato firmato", file=path,
            hint="firmare il PDF (PAdES) o usare il .p7m; solo per prove usare --unsigned")
    return "pdf"


def check_same_act(path: Path, kind: str, act_name: str, files: list[dict]) -> None:
    """The file to send must be this act's rendered PDF, signed: a PAdES signature appends to
    the PDF, so its first bytes are the render's; a .p7m carries it as its content."""
    import hashlib

    rendered = next((f for f in files if f.get("name") == f"{act_name}.pdf"), None)
    if rendered is None:
        return  # an older manifest without file hashes: nothing to compare with
    data = Path(path).read_bytes()
    if kind == "p7m":
        from circolari.signature.cades import signed_content

        data = signed_content(data) or b""
    prefix = data[: int(rendered.get("size", 0))]
    if hashlib.sha256(prefix).hexdigest() != rendered.get("sha256"):
        raise fail(f"il file non è l'atto «{act_name}» generato in questa cartella (o l'atto è stato "
                   "rigenerato dopo la firma)", file=path,
                   hint=f"firmare {act_name}.pdf di questa cartella e indicare quel file firmato")
