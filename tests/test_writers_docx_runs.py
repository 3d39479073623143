"""Runs and paragraph styles written without python-docx's setters are the XML its setters write."""

from __future__ import annotations

import itertools

import docx
from lxml import etree

from circolari.writers.docx import _add_run, _set_style


def xml(paragraph) -> bytes:
    return etree.tostring(paragraph._p)


def test_runs_are_the_xml_of_python_docx_setters():
    document = docx.Document()
    texts = ["testo", " spazio prima", "spazio dopo ", "a\tb", "riga\nnuova", "cr\rx", ""]
    for text, (bold, italic, underline) in itertools.product(texts, itertools.product((False, True), repeat=3)):
        ours, theirs = document.add_paragraph(), document.add_paragraph()
        _add_run(ours, text, bold=bold, italic=italic, underline=underline)
        run = theirs.add_run(text)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
        assert xml(ours) == xml(theirs), (text, bold, italic, underline)


def test_style_is_the_xml_of_python_docx_setter():
    document = docx.Document()
    ours, theirs = document.add_paragraph(), document.add_paragraph()
    _set_style(ours, "CircCorpo")
    theirs._p.style = "CircCorpo"
    assert xml(ours) == xml(theirs)
    ours.paragraph_format.keep_with_next = theirs.paragraph_format.keep_with_next = True
    _set_style(ours, "CircTabella")  # paragraph properties already there
    theirs._p.style = "CircTabella"
    assert xml(ours) == xml(theirs)


def test_style_and_alignment_are_the_xml_of_python_docx_setters():
    """A table cell's style and alignment, written together, are what python-docx's style and
    alignment setters write, on a new paragraph and on one with properties already."""
    from circolari.writers.docx import _ALIGN

    document = docx.Document()
    for align, ready in itertools.product(["left", "center", "right", "justify"], (False, True)):
        ours, theirs = document.add_paragraph(), document.add_paragraph()
        if ready:
            ours.paragraph_format.keep_with_next = theirs.paragraph_format.keep_with_next = True
        _set_style(ours, "CircTabella", align)
        theirs._p.style = "CircTabella"
        if align != "left":
            theirs.alignment = _ALIGN[align]
        assert xml(ours) == xml(theirs), (align, ready)
        assert ours.alignment == theirs.alignment


def test_cell_width_is_the_xml_of_python_docx_setter():
    from docx.shared import Pt

    from circolari.writers.docx_compat import set_cell_width

    document = docx.Document()
    ours, theirs = document.add_table(2, 3), document.add_table(2, 3)
    for index, points in enumerate([10, 33.333, 120.5, 0.01, 451.27, 72]):
        row, column = divmod(index, 3)
        set_cell_width(ours.rows[row].cells[column], Pt(points))
        theirs.rows[row].cells[column].width = Pt(points)
    assert etree.tostring(ours._tbl) == etree.tostring(theirs._tbl)


def test_keep_with_next_is_the_xml_of_python_docx_setter():
    """Set without python-docx's search for every element that may follow ``w:keepNext``: on a new
    paragraph, a styled one, a numbered or aligned one, one kept already and one kept off."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from circolari.writers.docx import _keep_with_next

    document = docx.Document()
    setups = [lambda p: None, lambda p: _set_style(p, "CircCorpo"),
              lambda p: (_set_style(p, "CircCorpo"), setattr(p, "alignment", WD_ALIGN_PARAGRAPH.CENTER)),
              lambda p: setattr(p.paragraph_format, "left_indent", 20000),
              lambda p: (_set_style(p, "CircCorpo"), setattr(p.paragraph_format, "keep_with_next", True)),
              lambda p: (_set_style(p, "CircCorpo"), setattr(p.paragraph_format, "keep_with_next", False)),
              lambda p: setattr(p.paragraph_format, "page_break_before", True)]
    for index, setup in enumerate(setups):
        ours, theirs = document.add_paragraph(), document.add_paragraph()
        setup(ours), setup(theirs)
        _keep_with_next(ours)
        theirs.paragraph_format.keep_with_next = True
        assert xml(ours) == xml(theirs), index


def test_headers_and_footers_kept_from_the_previous_act_are_the_ones_written_anew(reference, monkeypatch):
    """A process keeps what it wrote in a header or footer (``docx._FURNITURE``) and copies it into
    the next DOCX with the same furniture and figures: the same bytes as writing it anew."""
    import datetime as dt

    from circolari.writers import docx as writer

    for kind in ("circolare", "delibera"):
        doc, fields = reference[kind].doc, reference[kind].fields
        when = dt.datetime(2020, 10, 15, 12, tzinfo=dt.timezone.utc)
        monkeypatch.setattr(writer, "_FURNITURE", {})
        anew = writer.write_docx(doc, {"title": doc.title}, fields, when=when)
        assert len(writer._FURNITURE) >= 2  # header and footer at least
        assert writer.write_docx(doc, {"title": doc.title}, fields, when=when) == anew


def test_furniture_with_a_list_is_written_anew_each_time(monkeypatch):
    """A list's numbering belongs to its document: a footer holding one (here inside columns) is
    never kept; in an act whose header has a list of its own, the footer's list is still decimal."""
    import datetime as dt
    import io
    import zipfile

    from circolari.document.tree import Columns, Document, ListBlock, Paragraph, Run
    from circolari.writers import docx as writer

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    item = [Paragraph("corpo", [Run("voce")])]
    footer = [Columns([[ListBlock("decimal", [item])], [Paragraph("corpo", [Run("a destra")])]])]
    monkeypatch.setattr(writer, "_FURNITURE", {})
    when = dt.datetime(2020, 10, 15, 12, tzinfo=dt.timezone.utc)
    for header in ([], [ListBlock("bullet", [item])]):
        act = Document("circolare", "prova", [Paragraph("corpo", [Run("testo")])], header=header, footer=footer)
        with zipfile.ZipFile(io.BytesIO(writer.write_docx(act, {}, {}, when=when))) as package:
            numbering = etree.fromstring(package.read("word/numbering.xml"))
            footers = [etree.fromstring(package.read(n)) for n in package.namelist() if n.startswith("word/footer")]
        abstract = {n.get(w + "numId"): n.find(w + "abstractNumId").get(w + "val") for n in numbering.iter(w + "num")}
        formats = {a.get(w + "abstractNumId"): a.find(f"{w}lvl/{w}numFmt").get(w + "val")
                   for a in numbering.iter(w + "abstractNum")}
        used = [n.get(w + "val") for f in footers for n in f.iter(w + "numId")]
        assert used and {formats[abstract[n]] for n in used} == {"decimal"}, header
        assert not any("voce" in key[0] for key in writer._FURNITURE)
