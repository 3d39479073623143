"""The document tree to PDF with ReportLab platypus.

Page furniture: the first-page letterhead and the running header are drawn
when a page starts; the footer ("pagina X di Y") when the document is saved,
once the page count is known. A body paragraph holding layout figures (the
DGR's "L'atto si compone di N pagine di cui M ...") is laid out with the
widest placeholders and drawn at save time too, with the real figures: one
layout pass, whatever the length of the act.
Long tables are split by ``_LongTable``, which measures each row once
(ReportLab's Table measures every remaining row again at each page break).
"""

from __future__ import annotations

import io
from contextlib import nullcontext
from functools import lru_cache
from html import escape  # not xml.sax.saxutils: it imports urllib.request, http, ssl, email
from typing import assert_never

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether,
                                ListItem, PageBreak, PageTemplate, Table, TableStyle)
from reportlab.platypus import Paragraph as RLParagraph

from circolari.document import styles as S
from circolari.document.tree import (Break, Columns, Document, Field, Group, ListBlock, PageBreak as DocPageBreak,
                        Paragraph, Run)
from circolari.document.tree import Table as DocTable
from circolari.document.tree import all_inlines
from circolari.writers.layout import Layout
from circolari.writers.pdf_keep import keep_tail
from circolari.writers.pdf_tags import Grid, TaggedList, TaggedParagraph, Tagger, artifact, tag
from circolari.writers.reportlab_compat import (deferred_pages_canvas, fast_font_metrics, fast_same_frag,
                                                fast_split_words)

fast_split_words()  # a word wider than its column is cut measuring each character once
fast_same_frag()  # fragments compared without an AttributeError per missing style attribute
# Content streams compressed only (ReportLab's default adds ASCII85 on top): finish_pdf's qpdf
# keeps Flate streams as they are, but decoded ASCII85+Flate and compressed each page again
# (half of finish_pdf's time); the finished PDF is the same bytes either way.
rl_config.useA85 = 0

_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the embedded TrueType family once; return its name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    faces = {"": "Regular", "-Bold": "Bold", "-Italic": "Italic", "-BoldItalic": "BoldItalic"}
    for suffix, face in faces.items():
        font = TTFont(S.PDF_FONT + suffix, str(S.font_file(face)))
        fast_font_metrics(font)
        pdfmetrics.registerFont(font)
    for bold, italic, suffix in ((0, 0, ""), (1, 0, "-Bold"), (0, 1, "-Italic"), (1, 1, "-BoldItalic")):
        addMapping(S.PDF_FONT, bold, italic, S.PDF_FONT + suffix)
    return S.PDF_FONT


@lru_cache(maxsize=1)
def font_coverage() -> frozenset[int]:
    """Code points that every face of the embedded family can draw."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    faces = [pdfmetrics.getFont(S.PDF_FONT + suffix).face.charToGlyph
             for suffix in ("", "-Bold", "-Italic", "-BoldItalic")]
    return frozenset(set(faces[0]).intersection(*faces[1:]))


def missing_characters(doc: Document) -> dict[str, str]:
    """Characters of ``doc`` the embedded font cannot draw (each with the text it occurs in).

    ReportLab would silently print nothing for them, so the signed PDF would differ from
    the DOCX and from the data: the render refuses them instead.
    """
    covered = font_coverage()
    missing: dict[str, str] = {}

    def visit(inlines):
        for item in inlines:
            if isinstance(item, Run):
                for char in item.text:
                    if ord(char) not in covered and not char.isspace() and char not in missing:
                        missing[char] = item.text

    for inlines in all_inlines(doc):
        visit(inlines)
    if doc.title:
        visit([Run(doc.title)])
    return missing


@lru_cache(maxsize=None)
def cell_style(align: str) -> ParagraphStyle:
    """The style of a table cell aligned ``align`` (one object per process, like every style)."""
    return ParagraphStyle(f"tabella-{align}", parent=paragraph_style("tabella"), alignment=_ALIGN[align])


@lru_cache(maxsize=None)
def paragraph_style(name: str, level: int = 0) -> ParagraphStyle:
    st = S.style(name)
    font = S.PDF_FONT + ("-BoldItalic" if st.bold and st.italic else "-Bold" if st.bold
                         else "-Italic" if st.italic else "")
    return ParagraphStyle(
        f"{name}-{level}", fontName=font, fontSize=st.size, leading=st.size * st.leading * 1.08,
        alignment=_ALIGN[st.align], spaceBefore=st.before, spaceAfter=st.after,
        leftIndent=st.indent, keepWithNext=int(st.keep_with_next), splitLongWords=True,
        allowWidows=0, allowOrphans=0,
    )


def markup(inlines, fields: dict[str, int] | None = None) -> str:
    """Inline runs to ReportLab's paragraph markup; every text is escaped."""
    parts = []
    for item in inlines:
        match item:
            case Run():
                text = escape(item.text, quote=False)
                if item.underline:
                    text = f"<u>{text}</u>"
                if item.italic:
                    text = f"<i>{text}</i>"
                if item.bold:
                    text = f"<b>{text}</b>"
                parts.append(text)
            case Break():
                parts.append("<br/>")
            case Field():
                value = escape(item.text((fields or {}).get(item.kind, 0)), quote=False)
                parts.append(f"<b>{value}</b>" if item.bold else value)
            case _:
                assert_never(item)
    return "".join(parts)


_PARSED: dict = {}  # (markup, style) -> (style, frags): each paragraph's markup parsed once per process


def parsed_paragraph(text: str, style: ParagraphStyle) -> TaggedParagraph:
    """A new paragraph of ``text``, its markup parsed once per process (``preview --watch`` lays
    out mostly the same paragraphs at every save); each paragraph gets its own copy of the pieces."""
    key = (text, style)  # the style itself (by identity) is kept alive by the key
    hit = _PARSED.get(key)
    if hit is None:
        para = TaggedParagraph(text, style)
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[key] = (para.style, [frag.clone() for frag in para.frags])
        return para
    parsed_style, frags = hit
    return TaggedParagraph(text, parsed_style, frags=[frag.clone() for frag in frags])


_PIECE_CHARS = 3000  # a paragraph longer than this is laid out in pieces of about this size


def linear(para: TaggedParagraph) -> Flowable:
    """``para`` itself, or a long one as a ``_LongParagraph`` (laid out in linear time)."""
    if sum(len(getattr(f, "text", "")) for f in para.frags) > 2 * _PIECE_CHARS:
        return _LongParagraph(para)
    return para


class _LongParagraph(Flowable):
    """A long paragraph laid out piece by piece, in time linear in its length.

    ReportLab breaks a paragraph's lines in quadratic time (it pops words from the
    front of a list) and breaks the rest again at every page. Here the text is cut
    at spaces into pieces of about ``_PIECE_CHARS`` characters; each piece is broken
    into lines together with the unfinished last line of the piece before, and keeps
    only its finished lines, so the lines are those of the whole paragraph. Each
    piece is then an ordinary short paragraph, justified to its last line.
    """

    def __init__(self, para: TaggedParagraph, pieces: dict | None = None):
        super().__init__()
        self.para = para  # its tag marks every piece
        self.style = para.style
        self.frags = para.frags
        self.keepWithNext = para.style.keepWithNext
        self._pieces: dict[float, list] = pieces or {}

    def _piece(self, style, frags) -> TaggedParagraph:
        return tag(TaggedParagraph(None, style, frags=frags), self.para.tagger, self.para.tag)

    def as_artifact(self) -> "_LongParagraph":
        """A copy drawn as furniture (a header cell repeated on a following page)."""
        return _LongParagraph(self.para.as_artifact())

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter

    def _chunks(self):
        """The frags cut at spaces into lists of about ``_PIECE_CHARS`` characters."""
        chunk, size = [], 0
        for frag in self.frags:
            text = getattr(frag, "text", None)
            start = 0
            while text is not None and len(text) - start + size > _PIECE_CHARS:
                cut = text.find(" ", start + max(_PIECE_CHARS - size, 1))
                if cut < 0:
                    break
                chunk.append(frag.clone(text=text[start:cut]))
                yield chunk
                chunk, size, start = [], 0, cut  # the next piece starts with the space
            if start:
                frag = frag.clone(text=text[start:])
            chunk.append(frag)
            size += len(getattr(frag, "text", ""))
        if chunk:
            yield chunk

    def pieces(self, width: float) -> list[tuple[TaggedParagraph, float]]:
        """The pieces laid out at ``width``, each with its height (computed once)."""
        if width not in self._pieces and self._pieces:  # a remainder laid out at another width
            self._pieces[width] = [(p, p.wrap(width, S.PAGE_HEIGHT)[1])
                                   for p, _ in next(iter(self._pieces.values()))]
        if width not in self._pieces:
            self._pieces[width] = self._lay_out(width)
        return self._pieces[width]

    def _lay_out(self, width: float) -> list[tuple[TaggedParagraph, float]]:
        from circolari.writers.reportlab_compat import frag_words, line_is_finished

        inner = ParagraphStyle(f"{self.style.name}-pezzo", parent=self.style, spaceBefore=0,
                               spaceAfter=0, keepWithNext=0, allowWidows=1, allowOrphans=1)
        if len(self.frags) == 1:  # one style: text cut at spaces, on ReportLab's fast path
            chunks = self._chunks()
        else:  # mixed styles: ReportLab's list of words (each a list of styled parts), cut into slices
            words = frag_words(self.frags, width)
            step = _PIECE_CHARS // 6
            chunks = (words[i:i + step] for i in range(0, len(words), step))
        pieces, pending = [], []
        for chunk in chunks:
            if pending and not line_is_finished(pending):  # the unfinished line starts the next piece
                chunk = [chunk[0].clone(text=pending[0].text + chunk[0].text)]
                pending = []
            para = self._piece(inner, pending + chunk)
            para.wrap(width, S.PAGE_HEIGHT)
            lines = len(para.blPara.lines)
            if lines < 2:
                pending = pending + chunk
                continue
            done, rest = para.split(width, (lines - 1) * inner.leading + 0.001)
            pieces.append((done, done.wrap(width, S.PAGE_HEIGHT)[1]))
            pending = [_text_frag(f) for f in rest.frags]
        if pending:
            last = self._piece(inner, pending)
            pieces.append((last, last.wrap(width, S.PAGE_HEIGHT)[1]))
        return pieces

    def wrap(self, aw, ah):
        self.width = aw
        self.height = sum(h for _, h in self.pieces(aw))
        return self.width, self.height

    def split(self, aw, ah):
        """What fits in ``ah``, then the rest as one flowable (table cells need two parts)."""
        pieces = self.pieces(aw)
        head, height = pieces[0]
        first = head.split(aw, ah) if height > ah else [head]
        if not first:
            return []
        rest = [(p, p.wrap(aw, S.PAGE_HEIGHT)[1]) for p in first[1:]] + pieces[1:]
        if not rest:
            return first
        remainder = _LongParagraph(tag(TaggedParagraph("", self.style), self.para.tagger, self.para.tag), {aw: rest})
        remainder.keepWithNext = self.keepWithNext
        return [first[0], remainder]

    def draw(self):
        y = self.height
        for piece, height in self.pieces(self.width):
            piece.wrap(self.width, S.PAGE_HEIGHT)
            y -= height
            piece.drawOn(self.canv, 0, y)


def _text_frag(frag):
    """A frag holding the words of a split line as text again (so it joins other frags)."""
    if hasattr(frag, "words") and not hasattr(frag, "text"):
        frag = frag.clone(text=" ".join(frag.words))
        del frag.words
    return frag


class _Anchor(Flowable):
    """Zero-size flowable recording the page and height where it is drawn."""

    def __init__(self, record):
        super().__init__()
        self.record = record
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.record(self.canv.getPageNumber(), x, y)


LAYOUT_FIELDS = ("act-pages", "annex-pages")
_WIDEST = {kind: 8888 for kind in LAYOUT_FIELDS}  # placeholder as wide as any real figure


class _DeferredParagraph(Flowable):
    """A paragraph with layout figures: measured with placeholders, drawn at save time."""

    def __init__(self, block: Paragraph, deferred: list, elem=None):
        super().__init__()
        self.block = block
        self.deferred = deferred
        self.elem = elem
        self.inner = RLParagraph(markup(block.inlines, _WIDEST), paragraph_style(block.style))

    def wrap(self, aw, ah):
        self.width, self.height = self.inner.wrap(aw, ah)
        return self.width, self.height

    def getSpaceBefore(self):
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self):
        return self.inner.getSpaceAfter()

    def draw(self):
        x, y = self.canv.absolutePosition(0, self.height)
        self.deferred.append((self.canv.getPageNumber(), x, y, self.block, self.elem))


_TABLE_STYLE = TableStyle([
    ("FONT", (0, 0), (-1, -1), S.PDF_FONT, 8.5),  # ReportLab's default would be Helvetica
    ("GRID", (0, 0), (-1, -1), 0.4, "#808080"),
    ("BACKGROUND", (0, 0), (-1, 0), "#E6E6E6"),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), S.TABLE_PADDING["left"]),
    ("RIGHTPADDING", (0, 0), (-1, -1), S.TABLE_PADDING["right"]),
    ("TOPPADDING", (0, 0), (-1, -1), S.TABLE_PADDING["top"]),
    ("BOTTOMPADDING", (0, 0), (-1, -1), S.TABLE_PADDING["bottom"]),
])
_CELL_PADDING = (S.TABLE_PADDING["left"] + S.TABLE_PADDING["right"],  # horizontal, vertical totals
                 S.TABLE_PADDING["top"] + S.TABLE_PADDING["bottom"])


@lru_cache(maxsize=1)
def _TITLE_STYLE() -> ParagraphStyle:
    return ParagraphStyle("tabella-titolo-pdf", parent=paragraph_style("tabella-titolo"), keepWithNext=0)


class _LongTable(Flowable):
    """A table split across pages in linear time, its header row repeated on every page.

    Each row is measured once; every page gets a plain ReportLab Table of the
    rows that fit, with their heights given, so nothing is measured again.
    """

    def __init__(self, header, rows, widths, heights=None, continued=False):
        super().__init__()
        self.header, self.rows, self.widths = header, rows, widths
        self.heights = heights
        self.continued = continued  # the header row is a repetition (an artifact when tagged)

    def _measure(self):
        if self.heights is None:
            self.heights = [self._row_height(row) for row in [self.header, *self.rows]]

    def _row_height(self, row) -> float:
        return max(cell.wrap(width - _CELL_PADDING[0], S.PAGE_HEIGHT)[1]
                   for cell, width in zip(row, self.widths)) + _CELL_PADDING[1]

    def wrap(self, aw, ah):
        self._measure()
        self.width, self.height = sum(self.widths), sum(self.heights)
        return self.width, self.height

    def _table(self, rows, heights) -> Table:
        header = [cell.as_artifact() for cell in self.header] if self.continued else self.header
        table = Grid([header, *rows], colWidths=self.widths, rowHeights=[self.heights[0], *heights],
                     repeatRows=1)
        table.setStyle(_TABLE_STYLE)
        return table

    def split(self, aw, ah):
        self._measure()
        room, fit = ah - self.heights[0], 0
        for height in self.heights[1:]:
            if height > room:
                break
            room -= height
            fit += 1
        rows, body = self.rows, self.heights[1:]
        if not body:
            return []  # only the header row, and it does not fit here: the next page
        if fit == 0:
            if body[0] <= S.PAGE_HEIGHT / 2 or room < 3 * _CELL_PADDING[1] + 30:
                return []  # not even one row here: start on the next page
            rows, body = self._split_first_row(room)  # a row taller than a page: continue it overleaf
            fit = 1
        return [self._table(rows[:fit], body[:fit]),
                _LongTable(self.header, rows[fit:], self.widths, [self.heights[0], *body[fit:]], continued=True)]

    def _split_first_row(self, room: float):
        """Cut the first row so that its first part fills ``room``; the rest becomes the next row."""
        head, tail = [], []
        for cell, width in zip(self.rows[0], self.widths):
            parts = cell.split(width - _CELL_PADDING[0], room - _CELL_PADDING[1])
            if len(parts) == 2:
                head.append(parts[0])
                tail.append(parts[1])
            elif cell.wrap(width - _CELL_PADDING[0], S.PAGE_HEIGHT)[1] <= room - _CELL_PADDING[1]:
                head.append(cell)
                tail.append(RLParagraph("", cell.style))
            else:  # cannot be cut (a single line taller than the room): keep it whole on the next part
                head.append(RLParagraph("", cell.style))
                tail.append(cell)
        rows = [head, tail, *self.rows[1:]]
        return rows, [self._row_height(head), self._row_height(tail), *self.heights[2:]]

    def draw(self):
        table = self._table(self.rows, self.heights[1:])
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


class _Writer:
    def __init__(self, doc: Document, fields: dict[str, int], tagged: bool = True):
        self.doc = doc
        self.fields = fields
        self.layout = Layout(structure=Tagger() if tagged else None)
        self.tags = self.layout.structure
        self.in_furniture = False  # building page furniture: drawn as artifacts, no structure
        self.deferred: list[tuple[int, float, float, Paragraph, object]] = []
        self._sig_top: dict[str, tuple[int, float, float]] = {}
        self.body_starts: list[int] = []  # the first structure element of each body block

    # -- tagging hooks (see pdf_tags) -------------------------------------
    @property
    def tagging(self) -> bool:
        return self.tags is not None and not self.in_furniture

    def element(self, role: str, **attrs):
        """A new leaf structure element, or None when not tagging."""
        return self.tags.add(role, attrs or None) if self.tagging else None

    def under(self, role: str, **attrs):
        """Structure elements made inside go below a new ``role`` element."""
        return self.tags.under(role, attrs or None) if self.tagging else nullcontext()

    def paragraph(self, text: str, style: ParagraphStyle, elem=None) -> Flowable:
        """A tagged paragraph, a long one laid out in linear time; one kept with the next block
        only while shorter than half a page (ReportLab loops forever on a kept paragraph taller
        than a page)."""
        para = linear(tag(parsed_paragraph(text, style), None if self.in_furniture else self.tags, elem))
        if style.keepWithNext and para.wrap(S.TEXT_WIDTH, S.PAGE_HEIGHT)[1] > S.PAGE_HEIGHT / 2:
            para.style = ParagraphStyle(f"{style.name}-libero", parent=style, keepWithNext=0)  # its parts too
            para.keepWithNext = 0
        return para

    # -- flowables -----------------------------------------------------
    def flowables(self, blocks, level: int = 0) -> list:
        out = []
        for block in blocks:
            if blocks is self.doc.body and self.tags is not None:
                self.body_starts.append(len(self.tags.made))
            match block:
                case Paragraph():
                    elem = self.tags.paragraph(block.style) if self.tagging else None
                    if any(isinstance(i, Field) and i.kind in LAYOUT_FIELDS for i in block.inlines):
                        out.append(_DeferredParagraph(block, self.deferred, elem))
                    else:
                        out.append(self.paragraph(markup(block.inlines, self.fields), paragraph_style(block.style),
                                                  elem))
                case ListBlock():
                    numbering = {"bullet": "Disc", "decimal": "Decimal", "alpha": "LowerAlpha"}[block.kind]
                    with self.under("L", O="List", ListNumbering=numbering):
                        self.add_list(out, block, level)
                case DocTable():
                    out += self.table(block)
                case Group():
                    inner = self.flowables(block.blocks, level)
                    if block.signature:
                        inner = [self.signature_anchor(block, top=True), *inner,
                                 self.signature_anchor(block, top=False)]
                        if self.tagging:
                            self.tags.add("Form", form=block.signature)  # the field, placed when finished
                    out.append(KeepTogether(inner))
                    if block.signature:
                        keep_tail(out)  # never alone on a page: see pdf_keep
                case Columns():
                    out.append(self.columns(block))
                case DocPageBreak():
                    out.append(PageBreak())
                    if block.annex:
                        out.append(_Anchor(self.mark_annex))
                case _:
                    assert_never(block)
        return out

    def mark_annex(self, page, x, y):
        if self.layout.annex_start is None:
            self.layout.annex_start = page

    def signature_anchor(self, group: Group, *, top: bool) -> _Anchor:
        indent = S.style(group.blocks[0].style).indent if group.blocks and isinstance(group.blocks[0], Paragraph) else 0

        def record(page, x, y):
            if top:
                self._sig_top[group.signature] = (page, x + indent, y)
            else:  # the field goes beside the block, in the free left part of its lines
                page0, x0, y0 = self._sig_top[group.signature]
                self.layout.signatures[group.signature] = (page0 - 1, signature_rect(x0 - indent, x0, y, y0))
        return _Anchor(record)

    def add_list(self, out: list, block: ListBlock, level: int) -> None:
        previous = out[-1] if out else None
        if isinstance(previous, RLParagraph) and previous.getKeepWithNext():
            # ReportLab's keepWithNext skips containers such as lists: keep the heading
            # ("DELIBERA") with the first item by hand; the numbering runs on
            first = ListBlock(block.kind, block.items[:1], block.start)
            out[-1] = KeepTogether([previous, self.list_flowable(first, level)])
            if len(block.items) > 1:
                rest = ListBlock(block.kind, block.items[1:], block.start + 1)
                out.append(self.list_flowable(rest, level))
        else:
            out.append(self.list_flowable(block, level))

    def list_flowable(self, block: ListBlock, level: int):
        items, labels = [], []
        for item in block.items:
            with self.under("LI"):
                labels.append(self.element("Lbl"))
                with self.under("LBody"):
                    content = self.flowables(item, level + 1)
            items.append(ListItem(content or [RLParagraph("", paragraph_style("elenco"))]))
        size = S.style("corpo").size
        kind = {"bullet": "bullet", "decimal": "1", "alpha": "a"}[block.kind]
        bullet = "\u2022" if level % 2 == 0 else "\u2013"
        return TaggedList(
            items, labels, self.tags, bulletType=kind, start=bullet if kind == "bullet" else block.start,
            bulletFormat=None if kind == "bullet" else "%s.", leftIndent=S.LIST_INDENT,
            bulletFontName=S.PDF_FONT, bulletFontSize=size, bulletDedent=S.LIST_INDENT - 4,
            spaceAfter=0 if level else S.style("corpo").after, spaceBefore=0,
        )

    def table(self, block: DocTable) -> list:
        total = sum(c.width for c in block.columns) or 1
        widths = [S.TEXT_WIDTH * c.width / total for c in block.columns]
        head_style = paragraph_style("tabella-intestazione")
        out = []
        with self.under("Table"):
            title = None
            if block.title:
                elem = self.tags.paragraph("tabella-titolo") if self.tagging else None
                # kept with the first rows by the CondPageBreak below, not by keepWithNext: that
                # would keep it with the whole table and push a long table to the next page
                title = self.paragraph(escape(block.title, quote=False), _TITLE_STYLE(), elem)
            with self.under("TR"):
                header = [self.paragraph(markup(c.header), head_style, self.element("TH", O="Table", Scope="Column"))
                          for c in block.columns]
            rows = []
            for row in block.rows:
                with self.under("TR"):
                    rows.append([self.paragraph(markup(cell), cell_style(col.align), self.element("TD"))
                                 for cell, col in zip(row, block.columns)])
        table = _LongTable(header, rows, widths)
        if title is not None:
            table._measure()
            room = title.wrap(S.TEXT_WIDTH, S.PAGE_HEIGHT)[1] + title.getSpaceBefore() + title.getSpaceAfter()
            first_row = min(table.heights[1], 60.0) if len(table.heights) > 1 else 0.0  # a tall row may split
            out += [CondPageBreak(room + table.heights[0] + first_row), title]
        out.append(table)
        return out

    def columns(self, block: Columns):
        cells = [self.flowables(col) for col in block.columns]
        width = S.TEXT_WIDTH / max(len(cells), 1)
        table = Table([cells], colWidths=[width] * len(cells))
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("FONT", (0, 0), (-1, -1), S.PDF_FONT, 10),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        return table

    # -- page furniture ------------------------------------------------
    def furniture(self, blocks) -> list:
        """Flowables of page furniture: no structure elements. Plain furniture (the letterhead,
        the footer of a given page) is made once per process: it repeats on every page and, in a
        letter series, in every letter."""
        key = (repr(blocks), tuple(sorted(self.fields.items()))) if _plain(blocks) else None
        if key in _FURNITURE:
            return _FURNITURE[key]
        self.in_furniture, saved = True, self.in_furniture
        try:
            made = self.flowables(blocks)
        finally:
            self.in_furniture = saved
        if key is not None:
            if len(_FURNITURE) >= 64:
                _FURNITURE.clear()
            _FURNITURE[key] = made
        return made

    def furniture_height(self, blocks) -> float:
        if not blocks:
            return 0.0
        return sum(f.wrap(S.TEXT_WIDTH, S.PAGE_HEIGHT)[1] + f.getSpaceAfter()
                   for f in self.furniture(blocks))

    def check_furniture_fits(self, first_h: float, later_h: float) -> None:
        """Refuse page furniture that leaves no line of the page to the body: it is drawn as is,
        so what does not fit would run off the page or over the footer, unseen."""
        from circolari.errors import fail

        least = paragraph_style("corpo").leading  # one line of text
        pages = ((0, _FIRST_HEADER if self.doc.first_header else _HEADER, self.doc.first_header or self.doc.header,
                  first_h), (1, _HEADER, self.doc.header, later_h))
        for index, name, header, height in pages:
            if S.PAGE_HEIGHT - self.layout.frame[index] - self.layout.frame[2] >= least:
                continue
            parts = [(name, header, height), ("il piede di pagina", self.doc.footer, self.footer_height)]
            named = " e ".join(f"{what} ({_first_words(blocks)}, alto {_cm(h)} cm)"
                               for what, blocks, h in parts if blocks)
            verb = "lasciano" if all(blocks for _, blocks, _ in parts) else "lascia"
            raise fail(f"impaginazione impossibile: {named} non {verb} spazio al testo nella pagina "
                       f"({_cm(S.PAGE_HEIGHT - S.MARGIN_TOP - S.MARGIN_BOTTOM)} cm utili): "
                       "le righe in più non verrebbero stampate",
                       hint="accorciare l'intestazione o il piede: vengono dal template dell'atto, dal profilo "
                            "della carta intestata (templates/intestazioni/) e dai campi 'piede' dell'atto")

    def draw_blocks(self, canvas, blocks, top: float):
        y = top
        flowables = self.furniture(blocks)
        with artifact(canvas) if self.tags is not None and flowables else nullcontext():
            for flowable in flowables:
                _, h = flowable.wrap(S.TEXT_WIDTH, S.PAGE_HEIGHT)
                y -= h
                flowable.drawOn(canvas, S.MARGIN_LEFT, y)
                y -= flowable.getSpaceAfter()

    def draw_footer(self, canvas, page: int, pages: int):
        saved = self.fields
        self.fields = {**saved, "page": page, "pages": pages}
        self.draw_blocks(canvas, self.doc.footer, S.MARGIN_BOTTOM + self.footer_height)
        self.fields = saved

    def draw_deferred(self, canvas, page: int):
        fields = {**self.fields, **self.layout.fields()}
        for where, x, y, block, elem in self.deferred:
            if where == page:
                flowable = self.paragraph(markup(block.inlines, fields), paragraph_style(block.style), elem)
                _, height = flowable.wrap(S.TEXT_WIDTH, S.PAGE_HEIGHT)
                flowable.drawOn(canvas, x, y - height)

    # -- build ---------------------------------------------------------
    def build(self, meta) -> bytes:
        register_fonts()
        buffer = io.BytesIO()
        self.footer_height = self.furniture_height(self.doc.footer)
        first_h = self.furniture_height(self.doc.first_header or self.doc.header)
        later_h = self.furniture_height(self.doc.header)
        gap = S.FURNITURE_GAP
        bottom = S.MARGIN_BOTTOM + self.footer_height + (gap if self.footer_height else 0)
        self.layout.frame = tuple(S.MARGIN_TOP + h + (gap if h else 0) for h in (first_h, later_h)) + (bottom,)
        self.check_furniture_fits(first_h, later_h)

        def frame(header_h):
            top = S.PAGE_HEIGHT - S.MARGIN_TOP - header_h - (gap if header_h else 0)
            return Frame(S.MARGIN_LEFT, bottom, S.TEXT_WIDTH, top - bottom, id=None,
                         leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

        def first_page(canvas, _doc):
            self.draw_blocks(canvas, self.doc.first_header or self.doc.header, S.PAGE_HEIGHT - S.MARGIN_TOP)

        def later_page(canvas, _doc):
            self.draw_blocks(canvas, self.doc.header, S.PAGE_HEIGHT - S.MARGIN_TOP)

        template = BaseDocTemplate(
            buffer, pagesize=(S.PAGE_WIDTH, S.PAGE_HEIGHT), title=meta.get("title", ""),
            author=meta.get("author", ""), subject=meta.get("subject", ""),
            creator="circolari", invariant=True,
            initialFontName=S.PDF_FONT, initialFontSize=11,  # no unused base-14 /F1 (PDF/A)
            leftMargin=S.MARGIN_LEFT, rightMargin=S.MARGIN_RIGHT, topMargin=S.MARGIN_TOP,
            bottomMargin=S.MARGIN_BOTTOM,
        )
        template.addPageTemplates([
            PageTemplate("first", [frame(first_h)], onPage=first_page, autoNextPageTemplate="later"),
            PageTemplate("later", [frame(later_h)], onPage=later_page),
        ])
        def finish_page(canvas, number: int, total: int):
            self.layout.pages = total
            self.draw_footer(canvas, number, total)
            self.draw_deferred(canvas, number)

        template.build(self.flowables(self.doc.body), canvasmaker=deferred_pages_canvas(finish_page))
        if self.tags is not None:
            self.layout.body_pages = self.tags.first_pages(self.body_starts)
            self.layout.drawn = sorted(self.tags.drawn, key=lambda item: item[0])
        return buffer.getvalue()


_FURNITURE: dict = {}
_FIRST_HEADER, _HEADER = "l'intestazione della prima pagina", "l'intestazione di ogni pagina"


def _cm(points: float) -> str:
    return f"{points * 2.54 / 72:.1f}".replace(".", ",")


def _first_words(blocks) -> str:
    """The start of a piece of furniture's text, so that the clerk recognises it."""
    words = " ".join(" ".join(i.text for i in inlines if isinstance(i, Run))
                     for inlines in all_inlines(Document("", "", blocks))).split()
    return "«" + " ".join(words[:6]) + (" …" if len(words) > 6 else "") + "»"


def _plain(blocks) -> bool:
    """Furniture whose flowables hold nothing of one document (figures laid out later,
    signature anchors, page breaks), so they can be drawn again in another."""
    for block in blocks:
        if isinstance(block, Paragraph):
            if any(isinstance(i, Field) and i.kind in LAYOUT_FIELDS for i in block.inlines):
                return False
        elif isinstance(block, Group):
            if block.signature or not _plain(block.blocks):
                return False
        elif isinstance(block, ListBlock):
            if not all(_plain(item) for item in block.items):
                return False
        elif isinstance(block, Columns):
            if not all(_plain(column) for column in block.columns):
                return False
        elif not isinstance(block, DocTable):
            return False
    return True


def write_pdf(doc: Document, meta: dict[str, str], tagged: bool = True) -> tuple[bytes, Layout]:
    """Lay out ``doc``; return the PDF bytes and what the layout measured (with the
    structure to write when the PDF is finished, if ``tagged``). One layout at a time per
    process: plain page furniture's flowables are shared by every layout (``_FURNITURE``)."""
    from reportlab.platypus.doctemplate import LayoutError

    from circolari.errors import fail

    writer = _Writer(doc, {}, tagged)
    try:
        return writer.build(meta), writer.layout
    except LayoutError:
        raise fail("impaginazione impossibile: un blocco dell'atto non entra in una pagina intera "
                   "(un elenco di colonne o un'intestazione troppo lunghi)",
                   hint="accorciare quel blocco o dividerlo in più parti") from None


def signature_rect(left: float, block_left: float, bottom: float, top: float) -> tuple[float, float, float, float]:
    """The signature field beside a signatory block: from the frame's left edge to just before
    the block's indent, as tall as the block (at least 44 pt, grown downwards), so the stamp
    never covers the qualifica or the name."""
    gap, descent, least = 8.0, 3.0, 44.0
    bottom = min(bottom - descent, top - least)
    return (left, bottom, block_left - gap, top)
