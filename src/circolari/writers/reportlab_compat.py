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

**Long words.** A word wider than its column is cut by ``paragraph._splitWord`` (plain text) or
``_splitFragWord`` (styled text, through ``_fragWordIter``), which measure it one character at a
time through the font's full ``stringWidth`` call (a 20,000-character pasted code: 20,000 calls
at each layout of its paragraph). ``fast_split_words`` puts in their place the same algorithms
measuring each distinct character (of a font and size) once: the same cuts, to the bit.

**Font metrics.** ``pdfmetrics.getAscentDescent``, called for every word of a paragraph of mixed
styles, reads ``font.ascent`` and, for a TrueType font (which has none), falls back on
``font.face.ascent`` through a bare ``except``: an AttributeError raised and caught per word
(0.63 µs a call instead of 0.16). ``fast_font_metrics`` copies the face's values onto the font
once; nothing else in ReportLab reads or tests a font's ``ascent``/``descent`` (4.2-5.1).

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


def _split_word(w, lineWidth, maxWidths, lineno, fontName, fontSize, encoding="utf8"):
    """ReportLab 4.2-5.1's ``paragraph._splitWord`` (BSD licence), each distinct character
    measured once: ``w`` cut into pieces that fit ``maxWidths[lineno]``, ``maxWidths[lineno + 1]``…"""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus.paragraph import _SplitWord, _SplitWordEnd, bidiStrWrap, isBidiStr, isBytes

    pieces = []
    maxlineno = len(maxWidths) - 1
    wordText = ""
    maxWidth = maxWidths[min(maxlineno, lineno)]
    maxWidthNext = maxWidths[min(maxlineno, lineno + 1)]
    if isBytes(w):
        w = w.decode(encoding)
    bidi = isBidiStr(w)
    widths: dict[str, float] = {}
    for c in w:
        cw = widths.get(c)
        if cw is None:
            cw = widths[c] = stringWidth(c, fontName, fontSize, encoding)
        newLineWidth = lineWidth + cw
        if newLineWidth > maxWidth and (wordText or cw <= maxWidthNext):
            pieces.append(bidiStrWrap(_SplitWord(wordText), w) if bidi else _SplitWord(wordText))
            lineno += 1
            maxWidth = maxWidths[min(maxlineno, lineno)]
            newLineWidth = cw
            wordText = ""
        wordText += c
        lineWidth = newLineWidth
    pieces.append(bidiStrWrap(_SplitWordEnd(wordText), w) if bidi else _SplitWordEnd(wordText))
    return pieces


def _frag_word_iter(w):
    """ReportLab 4.2-5.1's ``paragraph._fragWordIter`` (BSD licence), each distinct character of
    a font and size measured once: (fragment, width, character) for each character of the frag
    word ``w`` (a drawn callback: its width and text)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus.paragraph import isBytes

    widths: dict[tuple, float] = {}
    for f, s in w[1:]:
        if hasattr(f, "cbDefn"):
            yield f, getattr(f.cbDefn, "width", 0), s
        elif s:
            if isBytes(s):
                s = s.decode("utf8")
            font, size = f.fontName, f.fontSize
            for c in s:
                cw = widths.get((c, font, size))
                if cw is None:
                    cw = widths[c, font, size] = stringWidth(c, font, size)
                yield f, cw, c
        else:
            yield f, 0, s


_reportlab_split_word = _reportlab_frag_word_iter = None  # ReportLab's own, once replaced (``check``)


def fast_split_words() -> None:
    """Put ``_split_word`` and ``_frag_word_iter`` in place of ReportLab's ``paragraph._splitWord``
    and ``paragraph._fragWordIter`` (idempotent)."""
    global _reportlab_split_word, _reportlab_frag_word_iter
    from reportlab.platypus import paragraph

    if paragraph._splitWord is not _split_word:
        _reportlab_split_word = paragraph._splitWord
        paragraph._splitWord = _split_word
    if paragraph._fragWordIter is not _frag_word_iter:
        _reportlab_frag_word_iter = paragraph._fragWordIter
        paragraph._fragWordIter = _frag_word_iter


def fast_font_metrics(font) -> None:
    """Give a registered ``TTFont`` its face's ascent and descent, where ``getAscentDescent`` looks first."""
    font.ascent, font.descent = font.face.ascent, font.face.descent


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
    import inspect

    from reportlab.platypus import paragraph

    fast_split_words()
    assert "_splitWord(word,currentWidth+spaceWidth,maxWidths,lineno,fontName,fontSize,self.encoding)" in \
        inspect.getsource(paragraph.Paragraph.breakLines), "Paragraph.breakLines no longer calls _splitWord so"
    for word, start, widths in (("0123456789" * 40, 30.5, [100.0, 80.0, 120.0]), ("x" * 50, 0, [1.0, 40.0]),
                                ("\u05d0\u05d1\u05d2abc" * 30, 12.0, [55.5]), (b"bytes" * 20, 3.0, [20.0, 30.0])):
        ours, theirs = (split(word, start, widths, 0, "Helvetica", 10) for split in (_split_word, _reportlab_split_word))
        assert [(type(p), str(p)) for p in ours] == [(type(p), str(p)) for p in theirs], \
            "paragraph._splitWord cuts words differently"
    assert "for g,cw,c in _fragWordIter(w):" in inspect.getsource(paragraph._splitFragWord), \
        "paragraph._splitFragWord no longer measures through _fragWordIter"
    styled = Paragraph("<b>" + "grassetto" * 30 + "</b><i>" + "corsivo" * 30 + "</i>", ParagraphStyle("prova"))
    for word in frag_words(styled.frags, 100):
        ours, theirs = list(_frag_word_iter(word)), list(_reportlab_frag_word_iter(word))
        assert ours == theirs and len(ours) > 400, "paragraph._fragWordIter measures differently"
    from reportlab.pdfbase import pdfmetrics

    assert "ascent = font.ascent" in inspect.getsource(pdfmetrics.getAscentDescent) and \
        "font.face.ascent" in inspect.getsource(pdfmetrics.getAscentDescent), \
        "pdfmetrics.getAscentDescent no longer reads font.ascent before font.face.ascent"
