"""python-docx's private attributes, used here and nowhere else.

The DOCX writer sets style ids, numbering, row and table properties and removes empty
paragraphs on the XML elements behind python-docx's objects (``Paragraph._p``, ``_Row._tr``,
``Table._tbl``, ``_Cell._tc``, ``Part._blob``, the ``_Cell`` class, a header's part, the content types), which python-docx does not expose
publicly. ``check()`` states each assumption; ``tests/test_writers_docx_compat.py`` runs it, so an
upgrade that changes one fails loudly instead of writing a different DOCX.
"""

from __future__ import annotations

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_TYPE, _W_W = _W + "type", _W + "w"


def paragraph_element(paragraph):
    """The ``w:p`` element of a paragraph."""
    return paragraph._p


def style_id(paragraph) -> str | None:
    return paragraph._p.style


def paragraph_properties(paragraph):
    """The paragraph's ``w:pPr``, created if missing."""
    return paragraph._p.get_or_add_pPr()


def remove_paragraph(paragraph) -> None:
    element = paragraph._p
    element.getparent().remove(element)


def row_properties(row):
    """The row's ``w:trPr``, created if missing."""
    return row._tr.get_or_add_trPr()


def table_properties(table):
    """The table's ``w:tblPr``."""
    return table._tbl.tblPr


def set_cell_width(cell, width) -> None:
    """``cell.width = width``: python-docx gives each cell of a new table a ``w:tcW`` in twips
    (``dxa``), whose value is set here without its property lookups; otherwise its setter."""
    tc_pr = cell._tc.tcPr
    tc_w = None if tc_pr is None else tc_pr.tcW
    if tc_w is None or tc_w.get(_W_TYPE) != "dxa":
        cell.width = width
        return
    tc_w.set(_W_W, str(width.twips))


def is_cell(container) -> bool:
    """Whether ``container`` is a table cell (which, like the body, adds tables without a width)."""
    from docx.table import _Cell

    return isinstance(container, _Cell)


def set_part_blob(part, data: bytes) -> None:
    """Replace a package part's bytes (the font table, ``docProps/app.xml``)."""
    part._blob = data


def story_container(header_or_footer):
    """A header's or footer's own part as a block container, created if missing (python-docx's
    ``_Header`` looks its part up again at each use)."""
    from docx.blkcntnr import BlockItemContainer

    definition = header_or_footer._get_or_add_definition()
    return BlockItemContainer(definition.element, definition)


def story_element(header_or_footer):
    """The root element of a header's or footer's own part (``w:hdr``, ``w:ftr``), created if missing."""
    return header_or_footer._get_or_add_definition().element


def content_types_xml(parts) -> bytes:
    """``[Content_Types].xml`` for ``parts``, as python-docx's ``save`` writes it."""
    from docx.opc.pkgwriter import _ContentTypesItem

    return _ContentTypesItem.from_parts(parts).blob


def check() -> None:
    """Raise AssertionError if python-docx no longer has what this module uses."""
    from docx import Document
    from docx.opc.part import Part
    from docx.oxml.ns import qn

    document = Document()
    paragraph = document.add_paragraph()
    assert paragraph_element(paragraph).tag == qn("w:p"), "Paragraph._p is not the w:p element"
    assert paragraph_properties(paragraph).tag == qn("w:pPr"), "CT_P.get_or_add_pPr() changed"
    table = document.add_table(1, 1)
    assert row_properties(table.rows[0]).tag == qn("w:trPr"), "_Row._tr.get_or_add_trPr() changed"
    assert table_properties(table).tag == qn("w:tblPr"), "Table._tbl.tblPr changed"
    assert is_cell(table.rows[0].cells[0]), "docx.table._Cell changed"
    from docx.shared import Pt

    cell = table.rows[0].cells[0]
    set_cell_width(cell, Pt(123.45))
    assert cell.width == Pt(123.45).twips * 635, "_Cell._tc.tcPr.tcW changed"
    assert "_blob" in vars(Part(None, "text/plain", b"x", None)), "Part._blob changed"
    header = document.sections[0].header
    story_container(header).add_paragraph("intestazione")
    assert header.paragraphs[-1].text == "intestazione", "_Header._get_or_add_definition() changed"
    assert story_element(header).tag == qn("w:hdr") and story_element(header)[-1].xpath("string(.)") == "intestazione", \
        "a header part's element changed"
    assert b"<Types" in content_types_xml(list(document.part.package.iter_parts())), "_ContentTypesItem changed"
