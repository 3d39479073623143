"""The document tree to an editable DOCX (python-docx).

Every block gets a named Word style from ``document/styles.py``; lists use real Word
numbering (one ``w:num`` per list, so each list restarts); tables repeat
their header row; the footer holds PAGE / NUMPAGES fields. Figures that need
a layout engine (the DGR's page counts) are taken from the PDF's layout,
because Word paginates on its own: see docs/design.md.
The package is written deterministically: fixed zip timestamps and order,
core properties from the act's date. Fonts, language and package properties:
``docx_package.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache
from html import escape  # not xml.sax.saxutils: it imports urllib.request, http, ssl, email
from typing import assert_never

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import NamespacePrefixedTag, nsdecls
from docx.oxml.ns import qn as _docx_qn
from docx.oxml.parser import oxml_parser
from docx.shared import Pt

from circolari.document import styles as S
from circolari.writers.docx_base import new_document, package_bytes, prepare
from circolari.writers.docx_compat import (is_cell, paragraph_element, paragraph_properties, remove_paragraph,
                                           row_properties, set_cell_width, story_container, story_element,
                                           style_id, table_properties)
from circolari.writers.docx_package import finish_package, prepare_shared
from circolari.document.tree import (Break, Columns, Document, Field, Group, ListBlock, PageBreak, Paragraph, Run,
                        Table)

@lru_cache(maxsize=None)
def qn(tag: str) -> str:
    """python-docx's ``qn`` ("w:val" -> Clark name), each tag worked out once per process."""
    return _docx_qn(tag)


@lru_cache(maxsize=None)
def _tag(tag: str) -> tuple[str, dict[str, str]]:
    prefixed = NamespacePrefixedTag(tag)
    return prefixed.clark_name, prefixed.nsmap


def _element(tag: str, attrs: dict[str, str] | None = None):
    """The element python-docx's ``OxmlElement(tag, attrs)`` makes (its parser, so its element
    classes), the tag's name and namespace worked out once per process: a DOCX makes thousands."""
    name, nsmap = _tag(tag)
    return oxml_parser.makeelement(name, attrib=attrs, nsmap=nsmap)


_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
_FIELD_CODE = {"page": "PAGE", "pages": "NUMPAGES"}
_LIST_FORMATS = {  # kind -> (numFmt, text per level)
    "bullet": ("bullet", ["\u2022", "\u2013", "\u25aa"]),
    "decimal": ("decimal", ["%{n}."]),
    "alpha": ("lowerLetter", ["%{n}."]),
}


class _Numbering:
    """Word list definitions: one abstractNum per list kind, one num per list instance."""

    def __init__(self, document):
        self.root = document.part.numbering_part.element
        self.abstract: dict[str, int] = {}
        self.next_abstract = 90
        self.next_num = 90

    def _abstract_for(self, kind: str) -> int:
        if kind in self.abstract:
            return self.abstract[kind]
        fmt, texts = _LIST_FORMATS[kind]
        ident = self.next_abstract
        self.next_abstract += 1
        abstract = _element("w:abstractNum")
        abstract.set(qn("w:abstractNumId"), str(ident))
        multi = _element("w:multiLevelType")
        multi.set(qn("w:val"), "hybridMultilevel")
        abstract.append(multi)
        for level in range(9):
            lvl = _element("w:lvl")
            lvl.set(qn("w:ilvl"), str(level))
            for tag, val in (("w:start", "1"), ("w:numFmt", fmt),
                             ("w:lvlText", texts[level % len(texts)].replace("{n}", str(level + 1))),
                             ("w:lvlJc", "left")):
                el = _element(tag)
                el.set(qn("w:val"), val)
                lvl.append(el)
            ppr = _element("w:pPr")
            ind = _element("w:ind")
            ind.set(qn("w:left"), str(int((level + 1) * S.LIST_INDENT * 20)))
            ind.set(qn("w:hanging"), str(int(S.LIST_INDENT * 20)))
            ppr.append(ind)
            lvl.append(ppr)
            abstract.append(lvl)
        first_num = self.root.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.root.append(abstract)
        self.abstract[kind] = ident
        return ident

    def new_list(self, kind: str, start: int) -> int:
        """A new numbering instance: each list restarts at ``start``."""
        abstract = self._abstract_for(kind)
        num_id = self.next_num
        self.next_num += 1
        num = _element("w:num")
        num.set(qn("w:numId"), str(num_id))
        ref = _element("w:abstractNumId")
        ref.set(qn("w:val"), str(abstract))
        num.append(ref)
        override = _element("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start_el = _element("w:startOverride")
        start_el.set(qn("w:val"), str(start))
        override.append(start_el)
        num.append(override)
        self.root.append(num)
        return num_id


_JC = {"left": "left", "center": "center", "right": "right", "justify": "both"}


@lru_cache(maxsize=1)
def _styles_xml() -> str:
    """The ``w:style`` elements of ``styles.STYLES``, written once as XML text."""
    parts = []
    for name, st in S.STYLES.items():
        ppr = ['<w:keepNext/>' if st.keep_with_next else "", "<w:widowControl/>",
               f'<w:spacing w:before="{round(st.before * 20)}" w:after="{round(st.after * 20)}" '
               f'w:line="{round(st.size * st.leading * 1.08 * 20)}" w:lineRule="exact"/>',  # the PDF's leading
               f'<w:ind w:left="{round(st.indent * 20)}"/>' if st.indent else "",
               f'<w:jc w:val="{_JC[st.align]}"/>',
               # a heading's outline level: Word's navigation pane and tagged export (H1, H2) use it
               f'<w:outlineLvl w:val="{st.heading - 1}"/>' if st.heading else ""]
        rpr = ["<w:b/>" if st.bold else "", "<w:i/>" if st.italic else "",
               f'<w:sz w:val="{round(st.size * 2)}"/><w:szCs w:val="{round(st.size * 2)}"/>']
        parts.append(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="{_style_id(name)}">'
            f'<w:name w:val="{escape(st.word, quote=False)}"/><w:basedOn w:val="Normal"/><w:qFormat/>'
            f'<w:pPr>{"".join(ppr)}</w:pPr><w:rPr>{"".join(rpr)}</w:rPr></w:style>')
    return "".join(parts)


def _style_id(name: str) -> str:
    return "Circ" + "".join(part.capitalize() for part in name.split("-"))


def _style_ids() -> dict[str, str]:
    return {name: _style_id(name) for name in S.STYLES}


def _prepare_template(document) -> None:
    """What every DOCX shares, made once per process on python-docx's template (``docx_base``):
    our styles, embedded fonts, language, no leftover parts."""
    _define_styles(document)
    prepare_shared(document)


def _define_styles(document) -> None:
    """Add one Word paragraph style per entry of ``styles.STYLES``.

    The styles are appended as XML: python-docx's ``add_style`` and its name
    lookups scan every style of the document each time.
    """
    normal = document.styles["Normal"]
    normal.font.name = S.DOCX_FONT
    normal.font.size = Pt(11)
    fonts = normal.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), S.DOCX_FONT)
    root = document.styles.element
    for style in parse_xml(f'<w:styles {nsdecls("w")}>{_styles_xml()}</w:styles>'):
        root.append(style)


def _add_run(paragraph, text: str, *, bold: bool = False, italic: bool = False,
             underline: bool = False) -> None:
    """Append a run: the XML python-docx's ``add_run`` and its bold/italic/underline setters
    write (an ``w:rPr`` always), built directly: they look up and insert each child in schema
    order and set the text character by character (half of the DOCX writer's time)."""
    if "\t" in text or "\n" in text or "\r" in text:  # tabs and breaks: python-docx's own rules
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
        return
    r = _element("w:r")
    rpr = _element("w:rPr")
    r.append(rpr)
    if bold:
        rpr.append(_element("w:b"))
    if italic:
        rpr.append(_element("w:i"))
    if underline:
        rpr.append(_element("w:u", {qn("w:val"): "single"}))
    if text:
        t = _element("w:t")
        t.text = text
        if text.strip() != text:
            t.set(qn("xml:space"), "preserve")
        r.append(t)
    paragraph_element(paragraph).append(r)


def _keep_with_next(paragraph) -> None:
    """``paragraph_format.keep_with_next = True`` without python-docx's search for each of the ~35
    elements that may follow ``w:keepNext`` in ``w:pPr``: it is the first after ``w:pStyle``."""
    ppr = paragraph_properties(paragraph)
    keep = ppr.find(qn("w:keepNext"))
    if keep is None:
        ppr.insert(1 if len(ppr) and ppr[0].tag == qn("w:pStyle") else 0, _element("w:keepNext"))
    else:
        keep.attrib.pop(qn("w:val"), None)  # on: python-docx writes no value


_TABLE_GRID: list[str] = []


def _table_grid_id(document) -> str:
    """The id of the «Table Grid» style, found once per process (``Styles[name]`` is an XPath
    search of every style): every DOCX starts from the same prepared template (``new_document``)."""
    if not _TABLE_GRID:
        _TABLE_GRID.append(document.styles["Table Grid"].style_id)
    return _TABLE_GRID[0]


def _set_style(paragraph, style_id: str, align: str = "left") -> None:
    """Set a paragraph style by id, and an alignment other than left, as python-docx's ``_p.style``
    and ``alignment`` do, on a paragraph without paragraph properties yet (a new one) without
    their schema-order lookups (``w:jc`` follows ``w:pStyle``)."""
    p = paragraph_element(paragraph)
    if p.pPr is not None:
        p.style = style_id
        if align != "left":
            paragraph.alignment = _ALIGN[align]
        return
    ppr = _element("w:pPr")
    ppr.append(_element("w:pStyle", {qn("w:val"): style_id}))
    if align != "left":
        ppr.append(_element("w:jc", {qn("w:val"): _JC[align]}))
    p.insert(0, ppr)


def _add_field(paragraph, code, fallback: str, bold: bool = False) -> None:
    """A complex field with a cached result. ``code`` is the instruction: a string (PAGE,
    NUMPAGES) or a list of strings and nested ``(code, cached result)`` fields."""
    def run_with(child):
        r = _element("w:r")
        if bold:
            rpr = _element("w:rPr")
            rpr.append(_element("w:b"))
            r.append(rpr)
        r.append(child)
        paragraph_element(paragraph).append(r)

    def char(kind):
        el = _element("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run_with(el)

    char("begin")
    for piece in [code] if isinstance(code, str) else code:
        if isinstance(piece, tuple):
            _add_field(paragraph, *piece, bold)
            continue
        el = _element("w:instrText")
        el.set(qn("xml:space"), "preserve")
        el.text = f" {piece.strip()} "
        run_with(el)
    char("separate")
    el = _element("w:t")
    el.text = fallback
    run_with(el)
    char("end")


class _Writer:
    def __init__(self, document, style_ids: dict[str, str], fields: dict[str, int]):
        self.document = document
        self.style_ids = style_ids
        self.fields = fields
        self.numbering = _Numbering(document)


    def inlines(self, paragraph, inlines):
        for item in inlines:
            match item:
                case Run():
                    _add_run(paragraph, item.text, bold=item.bold, italic=item.italic, underline=item.underline)
                case Break():
                    paragraph.add_run().add_break(WD_BREAK.LINE)
                case Field() if item.kind in _FIELD_CODE:
                    _add_field(paragraph, _FIELD_CODE[item.kind], "1", item.bold)
                case Field() if item.kind == "act-pages":
                    # NUMPAGES, which Word and LibreOffice recompute; its cached result the PDF's figure
                    value = self.fields[item.kind]
                    _add_field(paragraph, "NUMPAGES", str(value), item.bold)
                    if item.unit:
                        _add_run(paragraph, " " + item.text(value).split(" ", 1)[1], bold=item.bold)
                case Field():
                    _add_run(paragraph, item.text(self.fields[item.kind]), bold=item.bold)
                case _:
                    assert_never(item)

    def blocks(self, container, blocks, level: int = 0, numbering: tuple[int, int] | None = None):
        """Write ``blocks`` into ``container`` (document body, header, footer or cell)."""
        written = []
        for block in blocks:
            match block:
                case Paragraph():
                    p = self.paragraph(container, block.style)
                    self.inlines(p, block.inlines)
                    if numbering:
                        self._number(p, *numbering)
                        numbering = None  # only the item's first paragraph carries the marker
                    elif level:
                        p.paragraph_format.left_indent = Pt(level * S.LIST_INDENT)
                    written.append(p)
                case ListBlock():
                    num_id = self.numbering.new_list(block.kind, block.start)
                    for item in block.items:
                        written += self.blocks(container, item, level + 1, (num_id, level))
                case Table():
                    self.table(container, block)
                case Group():
                    if block.signature:
                        self.keep_tail(written)
                    inner = self.blocks(container, block.blocks, level)
                    for p in inner[:-1]:
                        _keep_with_next(p)
                    written += inner
                case Columns():
                    self.columns(container, block)
                case PageBreak():
                    p = container.add_paragraph()
                    p.add_run().add_break(WD_BREAK.PAGE)
                case _:
                    assert_never(block)
        return written

    def keep_tail(self, written) -> None:
        """A signature block never alone on a page: the paragraph before the closing formula keeps
        with it too (Word carries its last lines over, two at least with widow control)."""
        keeping = {self.style_ids[name] for name, st in S.STYLES.items() if st.keep_with_next}
        for paragraph in reversed(written):
            if style_id(paragraph) not in keeping:
                _keep_with_next(paragraph)
                return

    def paragraph(self, container, style: str):
        """A new paragraph with ``style`` set by id (no lookup by name)."""
        paragraph = container.add_paragraph()
        _set_style(paragraph, self.style_ids[style])
        return paragraph

    def _number(self, paragraph, num_id: int, level: int):
        ppr = paragraph_properties(paragraph)
        num_pr = _element("w:numPr")
        ilvl = _element("w:ilvl")
        ilvl.set(qn("w:val"), str(level))
        num = _element("w:numId")
        num.set(qn("w:val"), str(num_id))
        num_pr.append(ilvl)
        num_pr.append(num)
        ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, num_pr)

    def table(self, container, block: Table):
        if block.title:
            title = self.paragraph(container, "tabella-titolo")
            title.add_run(block.title)
            _keep_with_next(title)
        table = _add_table(container, 1 + len(block.rows), len(block.columns))
        # by id: python-docx's style setter scans every style of the template for the default one
        table_properties(table).style = _table_grid_id(self.document)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        total = sum(c.width for c in block.columns) or 1
        widths = [Pt(S.TEXT_WIDTH * c.width / total) for c in block.columns]
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = width  # the grid LibreOffice reads; cells carry it for Word
        _cell_margins(table, S.TABLE_PADDING)
        head_style = self.style_ids["tabella-intestazione"]
        cell_style = self.style_ids["tabella"]
        rows = table.rows
        header = rows[0]
        tr_pr = row_properties(header)
        repeat = _element("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        for cell, column, width in zip(header.cells, block.columns, widths):
            self._cell(cell, column.header, head_style, column.align, width)
        for row, values in zip(rows[1:], block.rows):
            no_split = _element("w:cantSplit")
            row_properties(row).append(no_split)
            for cell, value, column, width in zip(row.cells, values, block.columns, widths):
                self._cell(cell, value, cell_style, column.align, width)

    def _cell(self, cell, inlines, style, align, width):
        set_cell_width(cell, width)
        p = cell.paragraphs[0]
        _set_style(p, style, align)
        self.inlines(p, inlines)

    def columns(self, container, block: Columns):
        table = _add_table(container, 1, len(block.columns))
        borders = _element("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = _element(f"w:{edge}")
            el.set(qn("w:val"), "nil")
            borders.append(el)
        table_properties(table).append(borders)
        for cell, column in zip(table.rows[0].cells, block.columns):
            self.blocks(cell, column)
            first = cell.paragraphs[0]
            if not first.text and len(cell.paragraphs) > 1:
                remove_paragraph(first)


def _add_table(container, rows: int, cols: int):
    """Document and cells take (rows, cols); headers and footers also need the width."""
    from docx.document import Document as WordDocument

    if isinstance(container, WordDocument) or is_cell(container):
        return container.add_table(rows, cols)
    return container.add_table(rows, cols, Pt(S.TEXT_WIDTH))


_BORDER = 0.5  # Word's "Table Grid" borders (w:sz="4", eighths of a point)


def _cell_margins(table, padding: dict[str, float]) -> None:
    """The PDF's cell paddings as the table's default cell margins (``w:tblCellMar``). A row's
    border takes room in Word and LibreOffice (not in the PDF, where the grid is drawn over the
    cells): the bottom margin gives it back, so rows are as tall as the PDF's."""
    margins = _element("w:tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        el = _element(f"w:{edge}")
        points = padding[edge] - (_BORDER if edge == "bottom" else 0)
        el.set(qn("w:w"), str(round(points * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr = table_properties(table)
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        tbl_pr.append(margins)
    else:
        look.addprevious(margins)


_FURNITURE: dict[tuple, list] = {}  # (blocks, fields, gap) -> the elements of a header or footer as written


def _furnish(writer: _Writer, part, blocks, *, gap: float = 0.0):
    """Fill a header or footer part with ``blocks``; ``gap`` (a header's) below its last paragraph,
    so that a header taller than the top margin pushes the body down as in the PDF.

    What it writes is kept per process (a copy goes into the next DOCX with the same furniture,
    figures and gap: python-docx's cells and lookups took half of a short act's DOCX), unless the
    furniture holds a list (its numbering is the document's) or refers to another part."""
    part.is_linked_to_previous = False
    root = story_element(part)
    part = story_container(part)
    key = (repr(blocks), tuple(sorted(writer.fields.items())), gap)
    kept = _FURNITURE.get(key)
    if kept is not None:
        root[:] = [copy.deepcopy(element) for element in kept]
        return
    _write_furniture(writer, part, blocks, gap)
    if not _has_list(blocks) and not any(name.startswith(_RELATIONSHIP) for el in root.iter() for name in el.attrib):
        if len(_FURNITURE) >= 64:
            _FURNITURE.clear()
        _FURNITURE[key] = [copy.deepcopy(element) for element in root]


_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _has_list(blocks) -> bool:
    for block in blocks:
        if isinstance(block, ListBlock) or (isinstance(block, Group) and _has_list(block.blocks)) or \
                (isinstance(block, Columns) and any(_has_list(column) for column in block.columns)):
            return True
    return False


def _write_furniture(writer: _Writer, part, blocks, gap: float) -> None:
    default = part.paragraphs[0]
    writer.blocks(part, blocks)
    if not default.text and len(part.paragraphs) > 1:
        remove_paragraph(default)
    if not blocks:  # nothing to show: a 1 pt line that takes no room from the body
        _spacer(default, 1)
    elif gap:
        _spacer(part.add_paragraph(), gap)


def _spacer(paragraph, height: float) -> None:
    """An empty paragraph exactly ``height`` points tall."""
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing, fmt.line_spacing_rule = Pt(height), WD_LINE_SPACING.EXACTLY


def prepare_docx() -> None:
    """Load what every DOCX shares (template, styles, fonts), ahead of ``write_docx``."""
    prepare(_prepare_template)


def write_docx(doc: Document, meta: dict[str, str], fields: dict[str, int], *, when: dt.datetime,
               frame: tuple[float, float, float] | None = None) -> bytes:
    """Build the DOCX of ``doc``; ``fields`` are the page counts measured by the PDF layout and
    ``frame`` its body frame (top on the first and later pages, bottom), which the DOCX copies:
    margins hold the header and footer plus their gap, as in the PDF."""
    document = new_document(_prepare_template)
    style_ids = _style_ids()
    section = document.sections[0]
    section.page_width, section.page_height = Pt(S.PAGE_WIDTH), Pt(S.PAGE_HEIGHT)
    section.left_margin, section.right_margin = Pt(S.MARGIN_LEFT), Pt(S.MARGIN_RIGHT)
    _, top, bottom = frame or (0, S.MARGIN_TOP + S.FURNITURE_GAP, S.MARGIN_BOTTOM + S.FURNITURE_GAP)
    # an empty header still holds a 1 pt paragraph: keep it inside the margin
    section.top_margin, section.bottom_margin = Pt(max(top, S.MARGIN_TOP + 1)), Pt(bottom)
    section.header_distance, section.footer_distance = Pt(S.MARGIN_TOP), Pt(S.MARGIN_BOTTOM)
    writer = _Writer(document, style_ids, fields)
    if document.paragraphs:
        first = document.paragraphs[0]
        remove_paragraph(first)
    if doc.first_header:
        section.different_first_page_header_footer = True
        _furnish(writer, section.first_page_header, doc.first_header, gap=S.FURNITURE_GAP)
        _furnish(writer, section.first_page_footer, doc.footer)
    _furnish(writer, section.header, doc.header, gap=S.FURNITURE_GAP)
    _furnish(writer, section.footer, doc.footer)
    writer.blocks(document, doc.body)
    _set_properties(document, meta, when)
    finish_package(document, pages=fields.get("act-pages", 1))
    return package_bytes(document)


def _set_properties(document, meta: dict[str, str], when: dt.datetime) -> None:
    when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    props = document.core_properties
    props.title = _property(meta.get("title", ""))
    props.author = props.last_modified_by = _property(meta.get("author", ""))
    props.subject = _property(meta.get("subject", ""))
    props.comments = ""
    props.keywords = _property(meta.get("keywords", ""))
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1


def _property(value: str, limit: int = 255) -> str:
    """A core property within Word's 255-character limit: shortened with an ellipsis (the act
    itself keeps the whole text)."""
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "\u2026"
