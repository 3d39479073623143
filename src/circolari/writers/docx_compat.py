"""python-docx's private attributes, used here and nowhere else.

The DOCX writer sets style ids, numbering, row and table properties and removes empty
paragraphs on the XML elements behind python-docx's objects (``Paragraph._p``, ``_Row._tr``,
``Table._tbl``, ``Part._blob``, the ``_Cell`` class, a header's part, the content types), which python-docx does not expose
publicly. ``check()`` states each assumption; ``tests/test_writers_docx_compat.py`` runs it, so an
upgrade that changes one fails loudly instead of writing a different DOCX.
"""

from __future__ import annotations


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
    assert "_blob" in vars(Part(None, "text/plain", b"x", None)), "Part._blob changed"
    header = document.sections[0].header
    story_container(header).add_paragraph("intestazione")
    assert header.paragraphs[-1].text == "intestazione", "_Header._get_or_add_definition() changed"
    assert b"<Types" in content_types_xml(list(document.part.package.iter_parts())), "_ContentTypesItem changed"
