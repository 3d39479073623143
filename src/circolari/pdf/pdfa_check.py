"""A focused PDF/A-2 checker (not veraPDF): the clauses our acts can break.

``check_pdfa`` returns the failed clauses with Italian descriptions; an empty
list means every checked clause holds.  A PDF claiming PDF/UA-1 or PDF/A level A
is also checked for the machine-checkable PDF/UA rules (``pdfua_check``).
The list of clauses is in docs/pdfa.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pikepdf
from pikepdf import Name

from circolari.pdf import walk as pdfwalk
from circolari.pdf.damage import qpdf_reason
from circolari.pdf.pdfa import FORBIDDEN_ACTIONS, HIDDEN, INVISIBLE, NOVIEW, PRINT, TOGGLE_NOVIEW
from circolari.pdf.pdfa_result import Failure, PdfaClaim
from circolari.pdf.xmp import parse_pdf_date, parse_xmp_date, read_xmp


_ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
_FORBIDDEN_ANNOTS = {"/3D", "/Sound", "/Screen", "/Movie"}
_INFO_TO_XMP = (
    ("/Title", "title", "dc:title"),
    ("/Author", "creator", "dc:creator"),
    ("/Subject", "description", "dc:description"),
    ("/Keywords", "keywords", "pdf:Keywords"),
    ("/Creator", "creator_tool", "xmp:CreatorTool"),
    ("/Producer", "producer", "pdf:Producer"),
)
_INFO_DATES = (
    ("/CreationDate", "create_date", "xmp:CreateDate"),
    ("/ModDate", "modify_date", "xmp:ModifyDate"),
)


def check_pdfa(source: bytes | Path | pikepdf.Pdf) -> list[Failure]:
    """Check a PDF (bytes, path or open document) and return the failed clauses."""
    raw = source.read_bytes() if isinstance(source, Path) else source
    if isinstance(raw, pikepdf.Pdf):
        return _check_doc(raw)
    try:
        with pikepdf.open(BytesIO(raw)) as doc:
            return check_open_pdfa(raw, doc)
    except pikepdf.PasswordError:
        return [*_check_bytes(raw), Failure("6.1.3", "il file è cifrato (protetto da password)")]
    except pikepdf.PdfError as exc:
        return [*_check_bytes(raw), Failure("6.1", f"il file non è un PDF leggibile: {qpdf_reason(exc)}")]


def check_open_pdfa(raw: bytes, doc: pikepdf.Pdf) -> list[Failure]:
    """``check_pdfa(raw)`` of ``doc``, already opened from ``raw`` by the caller (``verify``
    reads fonts and fields from it too): the file is parsed once, not twice."""
    failures = list(_check_bytes(raw))
    try:
        failures += _check_doc(doc)
    except pikepdf.PdfError as exc:
        failures.append(Failure("6.1", f"il file non è un PDF leggibile: {qpdf_reason(exc)}"))
    return failures


def pdfa_claim(doc: pikepdf.Pdf) -> PdfaClaim:
    """The PDF/A part and conformance declared in the XMP, if any."""
    packet = _xmp_bytes(doc)
    if packet is None:
        return PdfaClaim(None, None)
    try:
        info = read_xmp(packet)
    except ValueError:
        return PdfaClaim(None, None)
    return PdfaClaim(info.part, info.conformance)


def _check_bytes(raw: bytes) -> Iterator[Failure]:
    if not re.match(rb"%PDF-1\.[0-7]\r?\n", raw[:10]):
        yield Failure("6.1.2", "l'intestazione del file non è «%PDF-1.n» seguita da a capo")
    elif not re.match(rb"%PDF-1\.[0-7]\r?\n%[\x80-\xff]{4}", raw[:20]):
        yield Failure("6.1.2", "manca il commento binario (4 byte > 127) dopo l'intestazione")
    if not re.search(rb"%%EOF(\r\n|\r|\n)?\Z", raw[-64:]):
        yield Failure("6.1.3", "ci sono dati dopo l'ultimo marcatore %%EOF")


def _check_doc(doc: pikepdf.Pdf) -> list[Failure]:
    failures: list[Failure] = []
    for check in (_trailer, _catalog, _output_intent, _metadata, _fonts, _annotations,
                  _objects, _inline_images, _accessibility):
        failures.extend(check(doc))
    return list(dict.fromkeys(failures))  # drop duplicates, keep order


def _trailer(doc: pikepdf.Pdf) -> Iterator[Failure]:
    if doc.is_encrypted or "/Encrypt" in doc.trailer:
        yield Failure("6.1.3", "il file è cifrato (/Encrypt nel trailer)")
    ident = doc.trailer.get("/ID")
    if not isinstance(ident, pikepdf.Array) or len(ident) != 2:
        yield Failure("6.1.3", "manca l'identificativo del file (/ID nel trailer)")


def _catalog(doc: pikepdf.Pdf) -> Iterator[Failure]:
    root = doc.Root
    if "/AA" in root:
        yield Failure("6.5.2", "il catalogo contiene azioni automatiche (/AA)")
    for key, clause in (("/Requirements", "6.11"), ("/NeedsRendering", "6.4.2")):
        if key in root:
            yield Failure(clause, f"il catalogo contiene la chiave {key}, vietata")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            yield Failure("6.5.1", "il documento contiene JavaScript (/Names /JavaScript)")
        if "/AlternatePresentations" in names:
            yield Failure("6.10", "il documento contiene presentazioni alternative")
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary):
        if bool(form.get("/NeedAppearances", False)):
            yield Failure("6.4.1", "il modulo ha /NeedAppearances true: gli aspetti dei campi "
                          "vanno generati nel file")
        if "/XFA" in form:
            yield Failure("6.4.2", "il modulo contiene XFA")
    for index, page in enumerate(doc.pages):
        if "/AA" in page.obj:
            yield Failure("6.5.2", f"pagina {index + 1}: azioni automatiche (/AA)")
        if "/PresSteps" in page.obj:
            yield Failure("6.10", f"pagina {index + 1}: passi di presentazione (/PresSteps)")


def _output_intent(doc: pikepdf.Pdf) -> Iterator[Failure]:
    intents = doc.Root.get("/OutputIntents")
    pdfa = [
        oi for oi in (intents if isinstance(intents, pikepdf.Array) else [])
        if isinstance(oi, pikepdf.Dictionary) and oi.get("/S") == Name.GTS_PDFA1
    ]
    if not pdfa:
        yield Failure("6.2.3", "manca l'OutputIntent PDF/A (/S /GTS_PDFA1)")
        return
    profiles = {oi.DestOutputProfile.objgen for oi in pdfa if "/DestOutputProfile" in oi}
    if len(profiles) > 1:
        yield Failure("6.2.3", "gli OutputIntent usano profili ICC diversi")
    for oi in pdfa:
        profile = oi.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream):
            yield Failure("6.2.3", "l'OutputIntent PDF/A non contiene il profilo ICC "
                          "(/DestOutputProfile)")
            continue
        try:
            icc = profile.read_bytes()
        except pikepdf.PdfError:
            yield Failure("6.2.3", "il profilo ICC dell'OutputIntent non è leggibile")
            continue
        channels = {b"RGB ": 3, b"CMYK": 4, b"GRAY": 1}.get(icc[16:20])
        if icc[36:40] != b"acsp" or icc[12:16] not in (b"mntr", b"prtr") or channels is None:
            yield Failure("6.2.3", "il profilo ICC dell'OutputIntent non è un profilo di "
                          "monitor o stampante RGB, CMYK o Gray valido")
        elif int(profile.get("/N", channels)) != channels:
            yield Failure("6.2.3", "il numero di canali /N non corrisponde al profilo ICC")


def _xmp_bytes(doc: pikepdf.Pdf) -> bytes | None:
    stream = doc.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return None
    try:
        return stream.read_bytes()
    except pikepdf.PdfError:
        return None


def _metadata(doc: pikepdf.Pdf) -> Iterator[Failure]:
    stream = doc.Root.get("/Metadata")
    packet = _xmp_bytes(doc)
    if packet is None:
        yield Failure("6.6.2.1", "mancano i metadati XMP (/Metadata nel catalogo)")
        return
    if stream.get("/Type") != Name.Metadata or stream.get("/Subtype") != Name.XML:
        yield Failure("6.6.2.1", "il flusso dei metadati non ha /Type /Metadata e /Subtype /XML")
    header = re.match(rb"\s*(?:\xef\xbb\xbf)?<\?xpacket([^?]*)\?>", packet)
    if header and re.search(rb"\b(bytes|encoding)\s*=", header.group(1)):
        yield Failure("6.6.2.1", "l'intestazione xpacket usa gli attributi bytes o encoding")
    try:
        packet.decode("utf-8")
        xmp = read_xmp(packet)
    except (UnicodeDecodeError, ValueError) as exc:
        yield Failure("6.6.2.1", f"i metadati XMP non sono XML/RDF UTF-8 ben formato: {exc}")
        return
    if xmp.part != "2":
        yield Failure("6.6.4", f"pdfaid:part è {xmp.part!r} invece di '2'")
    if xmp.conformance not in ("A", "B", "U"):
        yield Failure("6.6.4", f"pdfaid:conformance è {xmp.conformance!r} invece di A, B o U")
    info = doc.trailer.get("/Info")
    if not isinstance(info, pikepdf.Dictionary):
        return
    for key, attr, prop in _INFO_TO_XMP:
        if key not in info:
            continue
        value = str(info[key])
        xmp_value = getattr(xmp, attr)
        if attr == "creator":
            xmp_value = ", ".join(xmp_value) if xmp_value else None
        if xmp_value != value:
            yield Failure("6.6.3", f"{key} nell'Info ({value!r}) non coincide con {prop} "
                          f"nell'XMP ({xmp_value!r})")
    for key, attr, prop in _INFO_DATES:
        if key not in info:
            continue
        when, xmp_when = parse_pdf_date(str(info[key])), parse_xmp_date(getattr(xmp, attr))
        if when is None or xmp_when is None or _instant(when) != _instant(xmp_when):
            yield Failure("6.6.3", f"{key} nell'Info ({str(info[key])!r}) non coincide con "
                          f"{prop} nell'XMP ({getattr(xmp, attr)!r})")


def _accessibility(doc: pikepdf.Pdf) -> Iterator[Failure]:
    """PDF/UA-1 checkpoints, if the XMP claims PDF/UA or PDF/A level A (ISO 19005-2, 6.8)."""
    from circolari.pdf.pdfua_check import check_pdfua, claims_accessibility

    packet = _xmp_bytes(doc)
    try:
        xmp = read_xmp(packet) if packet is not None else None
    except ValueError:
        xmp = None  # reported by _metadata
    if xmp is None or not claims_accessibility(xmp.ua_part, xmp.conformance):
        return
    for checkpoint, message in check_pdfua(doc, xmp.ua_part, xmp.title):
        yield Failure(checkpoint, message)


def _instant(when):
    return when if when.tzinfo is None else when.timestamp()


def _fonts(doc: pikepdf.Pdf) -> Iterator[Failure]:
    for where, name, font in pdfwalk.fonts(doc):
        if font.get("/Subtype") != Name.Type0 and not pdfwalk.is_embedded(font):
            base = str(font.get("/BaseFont", name)).lstrip("/")
            yield Failure("6.2.11.4.1", f"{where}: il carattere {base} ({name}) non è incorporato")


def _annotations(doc: pikepdf.Pdf) -> Iterator[Failure]:
    for index, annot in pdfwalk.annotations(doc):
        subtype = str(annot.get("/Subtype", ""))
        where = f"pagina {index + 1}: annotazione {subtype.lstrip('/') or '?'}"
        if subtype in _FORBIDDEN_ANNOTS:
            yield Failure("6.3.1", f"{where}: tipo di annotazione vietato")
        flags = int(annot.get("/F", 0))
        if subtype != "/Popup" and "/F" not in annot:
            yield Failure("6.3.2", f"{where}: manca /F (flag di stampa)")
        elif subtype != "/Popup" and not flags & PRINT:
            yield Failure("6.3.2", f"{where}: il flag di stampa non è impostato")
        if flags & (INVISIBLE | HIDDEN | NOVIEW | TOGGLE_NOVIEW):
            yield Failure("6.3.2", f"{where}: annotazione nascosta o invisibile")
        rect = [float(v) for v in annot.get("/Rect", [0, 0, 0, 0])]
        ap = annot.get("/AP")
        if ap is None:
            if subtype not in ("/Popup", "/Link") and len(rect) == 4 and \
                    rect[0] != rect[2] and rect[1] != rect[3]:
                yield Failure("6.3.3", f"{where}: manca l'aspetto (/AP)")
        elif not isinstance(ap, pikepdf.Dictionary) or set(ap.keys()) != {"/N"}:
            yield Failure("6.3.3", f"{where}: il dizionario /AP deve contenere solo /N")
        else:
            is_button = subtype == "/Widget" and field_type(annot) == "/Btn"
            wanted = pikepdf.Dictionary if is_button else pikepdf.Stream
            if not isinstance(ap.N, wanted) or (is_button and isinstance(ap.N, pikepdf.Stream)):
                yield Failure("6.3.3", f"{where}: l'aspetto /N non è del tipo richiesto")
        if subtype == "/Widget" and ("/A" in annot or "/AA" in annot):
            yield Failure("6.4.1", f"{where}: il campo ha azioni (/A o /AA)")


def field_type(annot) -> str:
    """A form field's /FT, inherited through /Parent (bounded: a cycle must not hang)."""
    node, depth = annot, 0
    while isinstance(node, pikepdf.Dictionary) and depth < 32:
        if "/FT" in node:
            return str(node.FT)
        node, depth = node.get("/Parent"), depth + 1
    return ""


def _filters(stream_dict) -> list[str]:
    value = stream_dict.get("/Filter")
    if isinstance(value, pikepdf.Array):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def _objects(doc: pikepdf.Pdf) -> Iterator[Failure]:
    """Scan every dictionary once: actions, filters, external data, XObjects."""
    stack = [obj for obj in doc.objects if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream))]
    while stack:
        obj = stack.pop()
        where = f"oggetto {obj.objgen[0]}" if obj.is_indirect else "oggetto diretto"
        if isinstance(obj, pikepdf.Stream):
            yield from _stream(obj, where)
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            yield from _dictionary(obj, where)
            children = obj.values()
        else:
            children = obj
        for child in children:
            if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
                stack.append(child)


def _stream(stream: pikepdf.Stream, where: str) -> Iterator[Failure]:
    filters = _filters(stream)
    if "/LZWDecode" in filters or "/LZW" in filters:
        yield Failure("6.1.7.2", f"{where}: flusso compresso con LZWDecode")
    if "/Crypt" in filters:
        yield Failure("6.1.7.2", f"{where}: flusso con filtro Crypt")
    for key in ("/F", "/FFilter", "/FDecodeParms"):
        if key in stream:
            yield Failure("6.1.7.1", f"{where}: il flusso rimanda a dati esterni ({key})")
    if stream.get("/Type", Name.XObject) == Name.XObject:
        subtype = stream.get("/Subtype")
        if subtype == Name.PS or (subtype == Name.Form and stream.get("/Subtype2") == Name.PS):
            yield Failure("6.2.9", f"{where}: XObject PostScript")
        if subtype == Name.Form and "/Ref" in stream:
            yield Failure("6.2.9", f"{where}: XObject di riferimento a un file esterno (/Ref)")
        if subtype in (Name.Form, Name.Image) and ("/OPI" in stream or "/PS" in stream):
            yield Failure("6.2.9", f"{where}: XObject con /OPI o /PS")


def _dictionary(d, where: str) -> Iterator[Failure]:
    action = d.get("/S")
    if isinstance(action, pikepdf.Name) and (d.get("/Type") == Name.Action or "/S" in d):
        kind = str(action)
        if kind in FORBIDDEN_ACTIONS:
            label = "JavaScript" if kind == "/JavaScript" else kind.lstrip("/")
            yield Failure("6.5.1", f"{where}: azione vietata ({label})")
        elif kind in ("/GoToR", "/GoToE"):
            yield Failure("policy", f"{where}: collegamento a un file esterno ({kind.lstrip('/')})")
        elif kind == "/Named" and str(d.get("/N", "")) not in _ALLOWED_NAMED:
            yield Failure("6.5.1", f"{where}: azione con nome non consentita ({d.get('/N')})")
    if d.get("/Type") == Name.Filespec or "/EF" in d:
        if "/EF" in d:
            yield Failure("policy", f"{where}: file allegato incorporato nel documento")
        else:
            yield Failure("policy", f"{where}: riferimento a un file esterno")


def _inline_images(doc: pikepdf.Pdf) -> Iterator[Failure]:
    for where, holder in pdfwalk.holders(doc):
        if isinstance(holder, pikepdf.Dictionary) and holder.get("/Subtype") == Name.Type3:
            continue
        try:
            ops = pikepdf.parse_content_stream(holder, "BI ID EI")
        except pikepdf.PdfError:
            yield Failure("6.2.2", f"{where}: flusso di contenuto non leggibile")
            continue
        for inst in ops:
            image = getattr(inst, "iimage", None)
            if image is not None and {"/LZW", "/LZWDecode", "/Crypt"} & set(image.filters):
                yield Failure("6.1.10", f"{where}: immagine in linea compressa con LZW")
