"""What an act looks like, as an approval keeps it: small grey page images, their count and the
PDF's signature-field names; and the comparison of two such looks, page by page, with the
differing regions marked.

Pixels are compared with a tolerance (a grid cell differs when enough of its pixels change by
more than ``THRESHOLD``), so anti-aliasing noise does not count but a moved line, a bold word
or a changed figure does.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

SCALE = 0.5  # 36 dpi: an A4 page is 298 x 421 px
THRESHOLD = 64  # grey levels a pixel must change by
CELL = 6  # px; a cell with more than MIN_PIXELS changed pixels differs
MIN_PIXELS = 2


@dataclass
class Look:
    pages: list[bytes]  # PNG, grey, SCALE
    fields: list[str]  # signature-field names

    @property
    def hashes(self) -> list[str]:
        return [hashlib.sha256(p).hexdigest() for p in self.pages]


@dataclass
class PageChange:
    number: int
    kind: str  # "diversa", "aggiunta", "tolta"
    before: bytes | None  # PNG
    after: bytes | None  # PNG, differing regions marked in red
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class LookDiff:
    old: Look
    new: Look
    pages: list[PageChange]

    @property
    def count_differs(self) -> bool:
        return len(self.old.pages) != len(self.new.pages)

    @property
    def fields_differ(self) -> bool:
        return self.old.fields != self.new.fields

    @property
    def equal(self) -> bool:
        return not (self.pages or self.count_differs or self.fields_differ)

    def summary(self) -> list[str]:
        """Italian lines, one per kind of difference."""
        lines = []
        if self.count_differs:
            lines.append(f"pagine: {len(self.old.pages)} → {len(self.new.pages)}")
        if self.fields_differ:
            lines.append(f"campi firma: {', '.join(self.old.fields) or 'nessuno'} → {', '.join(self.new.fields) or 'nessuno'}")
        changed = [c.number for c in self.pages if c.kind == "diversa"]
        if changed:
            every = len(changed) == len(self.new.pages) == len(self.old.pages) and len(changed) > 1
            lines.append("aspetto diverso: " + ("tutte le pagine" if every else
                                                "pagin" + ("a " if len(changed) == 1 else "e ") + ", ".join(map(str, changed))))
        return lines


def look_of(pdf: bytes) -> Look:
    """The grey page images and the signature-field names of a rendered PDF."""
    import pikepdf

    from circolari.signature.verify_pdf import signature_fields
    from circolari.review.preview import page_images

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fields = [name for name, _ in signature_fields(doc)]
    return Look(page_images(pdf, scale=SCALE, grey=True), fields)


def compare_looks(old: Look, new: Look) -> LookDiff:
    changes = []
    for number in range(1, max(len(old.pages), len(new.pages)) + 1):
        before = old.pages[number - 1] if number <= len(old.pages) else None
        after = new.pages[number - 1] if number <= len(new.pages) else None
        if before is None or after is None:
            changes.append(PageChange(number, "aggiunta" if before is None else "tolta", before, after))
            continue
        if before == after:
            continue
        regions = differing_regions(before, after)
        if regions:
            changes.append(PageChange(number, "diversa", before, mark(after, regions), regions))
    return LookDiff(old, new, changes)


def differing_regions(before: bytes, after: bytes) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) around the groups of differing cells; one whole-page box
    when the sizes differ."""
    from PIL import Image, ImageChops

    a, b = Image.open(io.BytesIO(before)).convert("L"), Image.open(io.BytesIO(after)).convert("L")
    if a.size != b.size:
        return [(0, 0, b.width, b.height)]
    changed = ImageChops.difference(a, b).point(lambda v: 255 if v > THRESHOLD else 0)
    if changed.getbbox() is None:
        return []
    columns, rows = -(-b.width // CELL), -(-b.height // CELL)
    padded = Image.new("L", (columns * CELL, rows * CELL), 0)
    padded.paste(changed, (0, 0))
    means = padded.resize((columns, rows), Image.Resampling.BOX).tobytes()
    limit = 255 * MIN_PIXELS / (CELL * CELL)
    cells = {(i % columns, i // columns) for i, v in enumerate(means) if v > limit}
    return [(x0 * CELL, y0 * CELL, min(b.width, (x1 + 1) * CELL), min(b.height, (y1 + 1) * CELL))
            for x0, y0, x1, y1 in _groups(cells)]


def _groups(cells: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of the cells joined by touching (8 neighbours, with a one-cell gap)."""
    boxes, todo = [], set(cells)
    while todo:
        start = min(todo)
        todo.discard(start)
        stack, x0, y0, x1, y1 = [start], *start, *start
        while stack:
            x, y = stack.pop()
            x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
            for dx in (-2, -1, 0, 1, 2):
                for dy in (-2, -1, 0, 1, 2):
                    if (x + dx, y + dy) in todo:
                        todo.discard((x + dx, y + dy))
                        stack.append((x + dx, y + dy))
        boxes.append((x0, y0, x1, y1))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def mark(png: bytes, regions: list[tuple[int, int, int, int]]) -> bytes:
    """The page in colour with a red frame around each region."""
    from PIL import Image, ImageDraw

    image = Image.open(io.BytesIO(png)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in regions:
        draw.rectangle((max(0, left - 2), max(0, top - 2), min(image.width - 1, right + 1),
                        min(image.height - 1, bottom + 1)), outline=(210, 20, 20), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def look_diff_html(diff: LookDiff, folder, name: str) -> str:
    """The pages that differ, approved and new side by side (regions marked), written into ``folder``."""
    from circolari.review.html import attr, escape, url

    if diff.equal:
        return '<p class="esito ok">pagine uguali a quelle approvate</p>'
    rows = []
    for change in diff.pages:
        cells = []
        for side, png, label in (("prima", change.before, "approvata"), ("dopo", change.after, "nuova")):
            if png is None:
                cells.append(f'<figure class="{side}"><div class="assente">nessuna pagina {change.number}</div>'
                             f'<figcaption>{label}</figcaption></figure>')
                continue
            file = f"{side}-{change.number}.png"
            (folder / file).write_bytes(png)
            cells.append(f'<figure class="{side}"><img src="{url(name, file)}" alt="{attr(name)}, pagina '
                         f'{change.number} {label}"><figcaption>{label}</figcaption></figure>')
        rows.append(f'<div class="confronto-pagina" data-pagina="{change.number}" data-tipo="{change.kind}">'
                    f'<h4>pagina {change.number}: {escape(change.kind)}</h4><div class="coppia">{"".join(cells)}</div></div>')
    summary = "".join(f"<li>{escape(line)}</li>" for line in diff.summary())
    return (f'<h3>Aspetto diverso dall\'approvato</h3><ul class="aspetto esito-lista">{summary}</ul>'
            f'<div class="pagine-confronto">{"".join(rows)}</div>')
