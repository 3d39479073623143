"""Every reader of the document tree dispatches on the block's type and stops on one it does not
know (``typing.assert_never``): a new kind of block can never silently vanish from one output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from circolari.document.tree import Break, Document, Group, ListBlock, Paragraph, Run, all_inlines


@dataclass
class Strange:
    """A block no writer knows."""

    text: str = "sparirebbe"


@dataclass(frozen=True)
class StrangeInline:
    text: str = "sparirebbe"


def _writers():
    from circolari.review.textmap import line_sections
    from circolari.writers.docx import write_docx
    from circolari.writers.pdf import missing_characters, write_pdf
    from circolari.writers.text import write_text

    when = dt.datetime(2020, 10, 26, 12, tzinfo=dt.timezone.utc)
    return {
        "pdf": lambda doc: write_pdf(doc, {"title": "t"}),
        "docx": lambda doc: write_docx(doc, {"title": "t"}, {"act-pages": 1, "annex-pages": 0}, when=when),
        "text": write_text,
        "sections": line_sections,
        "characters": missing_characters,
    }


WRITERS = ("characters", "docx", "pdf", "sections", "text")  # _writers()'s, named without importing them


@pytest.mark.parametrize("writer", WRITERS)
def test_an_unknown_block_stops_every_writer(writer):
    writers = _writers()
    assert sorted(writers) == list(WRITERS)  # a reader added to _writers is tested here too
    doc = Document("circolare", "t", [Paragraph("corpo", [Run("prima")]),
                                      ListBlock("bullet", [[Group("firma", [Strange()])]])])
    with pytest.raises(AssertionError, match="Strange"):
        writers[writer](doc)


@pytest.mark.parametrize("writer", ["pdf", "docx", "text"])
def test_an_unknown_inline_stops_every_writer(writer):
    doc = Document("circolare", "t", [Paragraph("corpo", [Run("prima"), Break(), StrangeInline()])])
    with pytest.raises(AssertionError, match="StrangeInline"):
        _writers()[writer](doc)


def test_all_inlines_reaches_headers_lists_tables_and_columns():
    from circolari.document.tree import Column, Columns, PageBreak, Table

    cell = [Run("cella")]
    doc = Document("delibera", "t",
                   body=[ListBlock("alpha", [[Paragraph("elenco", [Run("voce")])]]), PageBreak(annex=True),
                         Table([Column([Run("intestazione")])], [[cell]])],
                   first_header=[Columns([[Paragraph("corpo", [Run("sinistra")])], []])],
                   footer=[Group("piede", [Paragraph("piede", [Run("piè")])])])
    texts = ["".join(i.text for i in inlines) for inlines in all_inlines(doc)]
    assert texts == ["sinistra", "voce", "intestazione", "cella", "piè"]
