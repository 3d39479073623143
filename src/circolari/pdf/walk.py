"""Walk a pikepdf document: content holders, fonts and annotations, each once."""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Name

EMBEDDED_KEYS = ("/FontFile", "/FontFile2", "/FontFile3")


def _appearance_streams(annot) -> Iterator[pikepdf.Stream]:
    ap = annot.get("/AP")
    if not isinstance(ap, pikepdf.Dictionary):
        return
    for key in ("/N", "/R", "/D"):
        value = ap.get(key)
        if isinstance(value, pikepdf.Stream):
            yield value
        elif isinstance(value, pikepdf.Dictionary):  # state -> stream (check boxes)
            yield from (v for v in value.values() if isinstance(v, pikepdf.Stream))


def annotations(doc: pikepdf.Pdf) -> Iterator[tuple[int, pikepdf.Dictionary]]:
    """(page index, annotation dictionary) for every annotation of every page."""
    for index, page in enumerate(doc.pages):
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                if isinstance(annot, pikepdf.Dictionary):
                    yield index, annot


def holders(doc: pikepdf.Pdf) -> Iterator[tuple[str, pikepdf.Object]]:
    """(where, object) for pages, form XObjects, patterns, Type 3 fonts and appearances.

    Every yielded object may carry a /Resources dictionary; ``where`` is a short
    Italian location ("pagina 2", "modulo in pagina 2", ...) for messages.
    """
    seen: set[tuple[int, int]] = set()

    def visit(obj, where: str) -> Iterator[tuple[str, pikepdf.Object]]:
        if obj.is_indirect:
            if obj.objgen in seen:
                return
            seen.add(obj.objgen)
        yield where, obj
        res = obj.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            return
        for group, label in (("/XObject", "modulo"), ("/Pattern", "motivo")):
            entries = res.get(group)
            if isinstance(entries, pikepdf.Dictionary):
                for child in entries.values():
                    if isinstance(child, pikepdf.Stream) and child.get("/Subtype") != Name.Image:
                        yield from visit(child, f"{label} in {where}")
        fonts = res.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for font in fonts.values():
                if isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == Name.Type3:
                    yield from visit(font, f"carattere Type 3 in {where}")

    for index, page in enumerate(doc.pages):
        yield from visit(page.obj, f"pagina {index + 1}")
    for index, annot in annotations(doc):
        for stream in _appearance_streams(annot):
            yield from visit(stream, f"aspetto di un'annotazione in pagina {index + 1}")


def fonts(doc: pikepdf.Pdf) -> Iterator[tuple[str, str, pikepdf.Dictionary]]:
    """(where, resource name, font) for each distinct font, descendants of Type 0 included."""
    seen: set[tuple[int, int]] = set()
    for where, holder in holders(doc):
        res = holder.get("/Resources")
        entries = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
        if not isinstance(entries, pikepdf.Dictionary):
            continue
        for name, font in entries.items():
            if not isinstance(font, pikepdf.Dictionary):
                continue
            if font.is_indirect:
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
            yield where, name, font
            for child in font.get("/DescendantFonts", pikepdf.Array()):
                if isinstance(child, pikepdf.Dictionary):
                    yield where, name, child


def is_embedded(font: pikepdf.Dictionary) -> bool:
    """True if the font program is in the file (a Type 0 font: its descendants')."""
    subtype = font.get("/Subtype")
    if subtype == Name.Type3:
        return True
    if subtype == Name.Type0:
        kids = font.get("/DescendantFonts", pikepdf.Array())
        return all(isinstance(k, pikepdf.Dictionary) and is_embedded(k) for k in kids)
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        isinstance(descriptor.get(key), pikepdf.Stream) for key in EMBEDDED_KEYS
    )
