"""ReportLab's private parts, used here and nowhere else.

**Deferred pages.**
"pagina X di Y" needs the page count before a page is written, so the PDF canvas holds
every page back (ReportLab's usual recipe): ``showPage`` keeps a shallow copy of the
canvas's state and starts the next page with the private ``Canvas._startPage``, which must
give the new page fresh accumulators (a new ``_code`` list) rather than clear the old ones;
``save`` puts each page's state back, lets the caller draw on it, and writes it.

**Marked content.** A tagged PDF needs ``BDC``/``EMC`` operators around what is drawn;
ReportLab has no public call for them, so they go into the page's content list
(``Canvas._code``) directly (``emit``).

**Long paragraphs** are broken in pieces with ReportLab's own word splitting
(``paragraph._getFragWords``) and its test of an unfinished line (``_processed_frags``).

``check()`` states the assumptions; ``tests/test_writers_reportlab_compat.py`` runs it on an upgrade.
"""

from __future__ import annotations

from typing import Callable

from reportlab.pdfgen.canvas import Canvas


def deferred_pages_canvas(finish_page: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A Canvas class that writes no page before ``save``; then it calls
    ``finish_page(canvas, number, total)`` on each page (from 1) and writes it."""

    class DeferredPagesCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._deferred: list[dict] = []

        def showPage(self):
            self._deferred.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._deferred)
            for number, state in enumerate(self._deferred, start=1):
                self.__dict__.update(state)
                finish_page(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return DeferredPagesCanvas


def emit(canvas: Canvas, operator: str) -> None:
    """Append a raw operator line (marked content) to the page being drawn."""
    canvas._code.append(operator)


def frag_words(frags, width: float) -> list:
    """ReportLab's words of a paragraph's fragments (each word a list of styled parts)."""
    from reportlab.platypus.paragraph import _getFragWords

    return _getFragWords(frags, width)


def line_is_finished(frags) -> bool:
    """Whether ReportLab considers ``frags`` already processed into lines (ReportLab's ``_processed_frags``)."""
    from reportlab.platypus.paragraph import _processed_frags

    return bool(_processed_frags(frags))


def check() -> None:
    """Raise AssertionError if ``Canvas._startPage`` no longer starts a page with fresh accumulators."""
    import io

    canvas = Canvas(io.BytesIO())
    assert callable(getattr(Canvas, "_startPage", None)), "reportlab Canvas._startPage is gone"
    canvas.drawString(10, 10, "uno")
    code, number = canvas._code, canvas.getPageNumber()
    canvas._startPage()
    assert canvas._code is not code and not canvas._code, "_startPage no longer gives a new _code list"
    assert code and canvas.getPageNumber() == number + 1, "_startPage no longer counts the page"
    emit(canvas, "EMC")
    assert canvas._code == ["EMC"], "Canvas._code is no longer the page's list of operators"
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    para = Paragraph("due parole", ParagraphStyle("prova"))
    words = frag_words(para.frags, 100)
    assert [w[1][1] for w in words] == ["due", "parole"], "paragraph._getFragWords changed its result"
    assert not line_is_finished(para.frags), "paragraph._processed_frags changed"
