"""A paragraph's lines are broken once per width until it is drawn (``pdf_tags.TaggedParagraph.wrap``),
with the same layout as ReportLab breaking them at every wrap."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph as RLParagraph

from circolari.writers.pdf import paragraph_style, register_fonts, write_pdf
from circolari.writers.pdf_tags import TaggedParagraph

TEXT = "Le ATS verificano entro il 30 novembre che ogni struttura abbia trasmesso i dati richiesti. " * 6


@pytest.fixture
def breaks(monkeypatch) -> list[float]:
    """The widths ReportLab breaks lines at, call by call."""
    register_fonts()
    calls = []
    original = RLParagraph.breakLines
    monkeypatch.setattr(RLParagraph, "breakLines", lambda self, widths: (calls.append(widths[1]),
                                                                          original(self, widths))[1])
    return calls


def test_wrapping_again_at_the_same_width_breaks_the_lines_once(breaks):
    para = TaggedParagraph(TEXT, paragraph_style("corpo"))
    first = para.wrap(300, 800)
    lines = para.blPara
    assert para.wrap(300, 50) == first and para.blPara is lines and breaks == [300]
    assert para.wrap(200, 800)[1] > first[1] and breaks == [300, 200]
    assert para.wrap(300, 800) == first and breaks == [300, 200, 300]


def test_a_drawn_paragraph_is_broken_again(breaks):
    para = TaggedParagraph(TEXT, paragraph_style("corpo"))
    size = para.wrap(300, 800)
    para.drawOn(Canvas(io.BytesIO()), 0, 0)
    assert para.wrap(300, 800) == size and breaks == [300, 300]


def test_a_paragraph_reportlab_could_not_split_is_broken_again(breaks):
    """ReportLab's split throws the lines away when no line fits: the next wrap makes them anew."""
    para = TaggedParagraph(TEXT, paragraph_style("corpo"))
    size = para.wrap(300, 800)
    assert para.split(300, 1) == [] and not hasattr(para, "blPara")
    assert para.wrap(300, 800) == size and breaks == [300, 300]
    para.drawOn(Canvas(io.BytesIO()), 0, 0)


def test_the_reference_dgr_lays_out_the_same_as_when_every_wrap_breaks_lines(reference, monkeypatch):
    """Its table cells are wrapped when their row is measured and again when drawn."""
    document = reference["delibera"].doc
    meta = {"title": document.title}
    once, _ = write_pdf(document, meta)
    monkeypatch.setattr(TaggedParagraph, "wrap", RLParagraph.wrap)
    again, _ = write_pdf(document, meta)
    assert once == again
