"""ReportLab's private page hook, used here and nowhere else.

"pagina X di Y" needs the page count before a page is written, so the PDF canvas holds
every page back (ReportLab's usual recipe): ``showPage`` keeps a shallow copy of the
canvas's state and starts the next page with the private ``Canvas._startPage``, which must
give the new page fresh accumulators (a new ``_code`` list) rather than clear the old ones;
``save`` puts each page's state back, lets the caller draw on it, and writes it.
``check()`` states the assumption; ``tests/test_writers_reportlab_compat.py`` runs it on an upgrade.
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
