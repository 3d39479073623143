"""PDF/A finishing of a ReportLab PDF, with an optional empty signature field.

One pikepdf open/save: metadata (Info + XMP), sRGB output intent, /Lang,
printable annotations with appearances, no unembedded fonts, no forbidden
actions, and a deterministic /ID, so the same input gives the same bytes.
Given the structure recorded while drawing (``writers.pdf_tags``), the PDF
becomes tagged: structure tree, /MarkInfo, /ViewerPreferences, and it claims
PDF/A-2a and PDF/UA-1 instead of PDF/A-2b.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from circolari.pdf import walk as pdfwalk
from circolari.pdf.damage import qpdf_reason
from circolari.errors import fail
from circolari.pdf.subsets import retag_subsets
from circolari.pdf.xmp import build_xmp, clean_text, pdf_date

# Annotation flags (ISO 32000-1, 12.5.3).
INVISIBLE, HIDDEN, PRINT, NOVIEW, TOGGLE_NOVIEW = 1, 2, 4, 32, 256
FORBIDDEN_ACTIONS = {
    "/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide",
    "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
    "/SetState", "/NOP",
}
_SHOW_TEXT = {"Tj", "TJ", "'", '"'}


@dataclass(frozen=True)
class PdfMeta:
    """Document metadata written to both the Info dictionary and XMP."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    date: datetime  # timezone-aware; creation and modification date
    lang: str = "it-IT"
    producer: str = "circolari"


@dataclass(frozen=True)
class SignatureSpot:
    """Where the empty visible signature field goes (rect in PDF points)."""

    name: str
    page: int  # 0-based
    rect: tuple[float, float, float, float]  # x1, y1, x2, y2


@cache
def srgb_profile() -> bytes:
    """The bundled sRGB ICC profile (v4, parametric tone curve; CC0: ``sRGB.icc.LICENSE.txt``)."""
    return (resources.files("circolari") / "data" / "sRGB.icc").read_bytes()


def finish_pdf(
    pdf: bytes, meta: PdfMeta, signature: SignatureSpot | Sequence[SignatureSpot] | None,
    structure=None,
) -> bytes:
    """Return ``pdf`` made PDF/A-2b, with empty signature field(s) if spots are given;
    PDF/A-2a and PDF/UA-1 if ``structure`` (a ``pdf_tags.Tagger``) is given."""
    if meta.date.utcoffset() is None:
        raise fail(
            "la data del documento non ha il fuso orario",
            field="date",
            hint="usare una data con fuso orario, ad es. datetime(..., tzinfo=ZoneInfo('Europe/Rome'))",
        )
    try:
        doc = pikepdf.open(BytesIO(pdf))
    except pikepdf.PdfError as exc:
        raise fail(f"il PDF da completare non è leggibile: {qpdf_reason(exc)}",
                   hint="rigenerare il PDF") from None
    with doc:
        if doc.is_encrypted:
            raise fail("il PDF da completare è cifrato; PDF/A non lo consente",
                       hint="generare il PDF senza password")
        _flate_filter_names(doc)
        _drop_unembedded_fonts(doc)
        retag_subsets(doc)
        _drop_forbidden_actions(doc)
        _fix_annotations(doc)
        _write_metadata(doc, meta, tagged=structure is not None)
        _write_output_intent(doc)
        doc.Root.Lang = String(meta.lang)
        spots = [signature] if isinstance(signature, SignatureSpot) else signature or []
        widgets = {spot.name: add_signature_field(doc, spot) for spot in spots}
        if structure is not None:
            from circolari.writers.pdf_tags import write_structure

            write_structure(doc, structure, widgets)
        if "/ID" in doc.trailer:
            del doc.trailer.ID  # so qpdf derives both halves from the content
        out = BytesIO()
        doc.save(
            out,
            min_version="1.7",
            deterministic_id=True,
            fix_metadata_version=False,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.preserve,
        )
    return out.getvalue()


def _flate_filter_names(doc: pikepdf.Pdf) -> None:
    """``/Filter [/FlateDecode]`` (ReportLab's spelling) as the name ``/FlateDecode``: qpdf keeps a
    stream compressed so as it is, but inflates and deflates again one whose filter is an array."""
    for obj in doc.objects:
        if isinstance(obj, pikepdf.Stream):
            filters = obj.get("/Filter")
            if isinstance(filters, pikepdf.Array) and len(filters) == 1 and filters[0] == Name.FlateDecode \
                    and "/DecodeParms" not in obj:
                obj.Filter = Name.FlateDecode


def _write_metadata(doc: pikepdf.Pdf, meta: PdfMeta, tagged: bool = False) -> None:
    title, author, subject = (clean_text(t) for t in (meta.title, meta.author, meta.subject))
    keywords = ", ".join(k for k in (clean_text(k) for k in meta.keywords) if k)
    producer = clean_text(meta.producer)
    stamp = pdf_date(meta.date)
    info = Dictionary(
        Title=String(title), Author=String(author), Creator=String(producer),
        Producer=String(producer), CreationDate=String(stamp), ModDate=String(stamp),
    )
    if subject:
        info.Subject = String(subject)
    if keywords:
        info.Keywords = String(keywords)
    doc.trailer.Info = doc.make_indirect(info)
    packet = build_xmp(
        title=title, author=author, subject=subject, keywords=keywords,
        producer=producer, creator_tool=producer, date=meta.date, lang=meta.lang, tagged=tagged,
    )
    doc.Root.Metadata = doc.make_stream(packet, Type=Name.Metadata, Subtype=Name.XML)


def _write_output_intent(doc: pikepdf.Pdf) -> None:
    profile = doc.make_stream(srgb_profile(), N=3)
    doc.Root.OutputIntents = Array([doc.make_indirect(Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
        RegistryName=String("http://www.color.org"),
        Info=String("sRGB IEC61966-2.1"),
        DestOutputProfile=profile,
    ))])


def _drop_forbidden_actions(doc: pikepdf.Pdf) -> None:
    root = doc.Root
    if "/AA" in root:
        del root.AA
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        del names.JavaScript
    action = root.get("/OpenAction")
    if isinstance(action, pikepdf.Dictionary) and str(action.get("/S")) in FORBIDDEN_ACTIONS:
        del root.OpenAction
    for page in doc.pages:
        if "/AA" in page.obj:
            del page.obj.AA
        trans = page.obj.get("/Trans")
        if isinstance(trans, pikepdf.Dictionary) and not trans.keys():
            del page.obj.Trans  # ReportLab writes an empty one on every page


def _fix_annotations(doc: pikepdf.Pdf) -> None:
    """Print flag on, hidden flags off, appearance with /N only (ISO 19005-2, 6.3, 6.4)."""
    form = doc.Root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/NeedAppearances" in form:
        del form.NeedAppearances
    for _, annot in pdfwalk.annotations(doc):
        flags = int(annot.get("/F", 0))
        fixed = (flags | PRINT) & ~(INVISIBLE | HIDDEN | NOVIEW | TOGGLE_NOVIEW)
        if fixed != flags or "/F" not in annot:
            annot.F = fixed
        ap = annot.get("/AP")
        if isinstance(ap, pikepdf.Dictionary):
            for key in ("/D", "/R"):
                if key in ap:
                    del ap[key]
        elif annot.get("/Subtype") not in (Name.Link, Name.Popup):
            x1, y1, x2, y2 = (float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
            if x1 != x2 and y1 != y2:
                annot.AP = Dictionary(N=_appearance(doc, abs(x2 - x1), abs(y2 - y1), b""))


def _appearance(doc: pikepdf.Pdf, width: float, height: float, content: bytes) -> pikepdf.Stream:
    return doc.make_stream(
        content, Type=Name.XObject, Subtype=Name.Form,
        BBox=Array([0, 0, width, height]), Resources=Dictionary(),
    )


def _drop_unembedded_fonts(doc: pikepdf.Pdf) -> None:
    """Remove fonts without an embedded program, e.g. ReportLab's default /F1 Helvetica.

    ReportLab selects /F1 at the start of each page (``BT /F1 12 Tf 14.4 TL ET``)
    without showing text in it: such selections are dropped with the resource.
    A font that is current when text is shown is an error of the renderer.
    """
    if all(pdfwalk.is_embedded(font) for _, _, font in pdfwalk.fonts(doc)):
        return
    to_delete = []
    for where, holder in pdfwalk.holders(doc):
        res = holder.get("/Resources")
        entries = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        bad = {
            str(n) for n, f in entries.items()
            if isinstance(f, pikepdf.Dictionary) and not pdfwalk.is_embedded(f)
        }
        if not bad:
            continue
        shown = _drop_font_selections(doc, holder, bad)
        for name in sorted(shown):
            base = str(entries[name].get("/BaseFont", name)).lstrip("/")
            raise fail(
                f"{where}: il carattere {base} non è incorporato nel PDF; PDF/A lo vieta",
                hint="creare il canvas ReportLab con initialFontName= un carattere TrueType "
                "registrato (Titillium Web) e non usare Helvetica/Times/Courier",
            )
        to_delete += [(entries, name) for name in bad]
    for entries, name in to_delete:
        if name in entries:
            del entries[name]


def _drop_font_selections(doc: pikepdf.Pdf, holder, bad: set[str]) -> set[str]:
    """Remove ``Tf`` selecting a font in ``bad``; return those current when text is shown."""
    ops = pikepdf.parse_content_stream(holder)
    current: str | None = None
    stack: list[str | None] = []
    shown: set[str] = set()
    kept = []
    for inst in ops:
        op = str(inst.operator)
        if op == "q":
            stack.append(current)
        elif op == "Q" and stack:
            current = stack.pop()
        elif op == "Tf" and inst.operands:
            current = str(inst.operands[0])
            if current in bad:
                continue
        elif op in _SHOW_TEXT and current in bad:
            shown.add(current)
        kept.append(inst)
    if not shown and len(kept) != len(ops):
        data = pikepdf.unparse_content_stream(kept)
        if isinstance(holder, pikepdf.Stream):
            holder.write(data)
        else:
            holder.Contents = doc.make_stream(data)
    return shown


def add_signature_field(doc: pikepdf.Pdf, spot: SignatureSpot) -> pikepdf.Dictionary:
    """Add an empty, printable, visible signature field that pyHanko can sign by name."""
    if not 0 <= spot.page < len(doc.pages):
        raise fail(
            f"il campo firma «{spot.name}» è sulla pagina {spot.page + 1}, "
            f"ma il documento ha {len(doc.pages)} pagine",
            field="signature", hint="correggere la posizione del riquadro firma",
        )
    x1, y1, x2, y2 = (float(v) for v in spot.rect)
    if not (x2 > x1 and y2 > y1):
        raise fail(
            f"il riquadro del campo firma «{spot.name}» ha dimensioni nulle o negative: {spot.rect}",
            field="signature", hint="indicare x1 < x2 e y1 < y2 in punti PDF",
        )
    acroform = doc.Root.get("/AcroForm")
    if not isinstance(acroform, pikepdf.Dictionary):
        acroform = doc.Root.AcroForm = doc.make_indirect(Dictionary(Fields=Array()))
    fields = acroform.get("/Fields")
    if not isinstance(fields, pikepdf.Array):
        fields = acroform.Fields = Array()
    if any(str(f.get("/T", "")) == spot.name for f in fields):
        raise fail(f"esiste già un campo di nome «{spot.name}»", field="signature",
                   hint="dare ai campi firma nomi diversi")
    width, height = x2 - x1, y2 - y1
    border = f"q 0.6 G 0.5 w 0.25 0.25 {width - 0.5:.2f} {height - 0.5:.2f} re S Q".encode()
    page = doc.pages[spot.page].obj
    widget = doc.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Sig, T=String(spot.name),
        F=PRINT, Rect=Array([x1, y1, x2, y2]), P=page,
        TU=String(f"Campo per la firma digitale ({spot.name})"),  # what a screen reader announces
        AP=Dictionary(N=_appearance(doc, width, height, border)),
    ))
    fields.append(widget)
    if not isinstance(page.get("/Annots"), pikepdf.Array):
        page.Annots = Array()
    page.Annots.append(widget)
    return widget
