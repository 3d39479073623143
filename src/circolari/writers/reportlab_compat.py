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
measuring each distinct character (of a font and size) once: the same cuts, to the bit; and as
ReportLab cuts again at each page the rest of a word that runs over pages (the pieces left over,
joined), ``_split_word`` gives that rest the pieces of its last cut.

**Font metrics.** ``pdfmetrics.getAscentDescent``, called for every word of a paragraph of mixed
styles, reads ``font.ascent`` and, for a TrueType font (which has none), falls back on
``font.face.ascent`` through a bare ``except``: an AttributeError raised and caught per word
(0.63 µs a call instead of 0.16). ``fast_font_metrics`` copies the face's values onto the font
once; nothing else in ReportLab reads or tests a font's ``ascent``/``descent`` (4.2-5.1).

**Comparing fragments.** ``Paragraph.breakLines`` asks ``sameFrag`` (rl_accel's C function) whether
each word of a paragraph of mixed styles continues the fragment before it; the C function looks
up eight attributes that a fragment mostly lacks through ``PyObject_GetAttrString``, an
AttributeError raised and cleared for each (5-6 µs a call, some 54,000 calls for a paragraph of
6,000 words, one in seven bold). ``fast_same_frag`` puts in its place ``_same_frag``, the same
comparison in Python with ``getattr``'s default (no exception raised): about 1.4 µs.

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


_SPLITS: dict[tuple, tuple[str, dict[int, int], list[str]]] = {}  # see _split_word


def _split_word(w, lineWidth, maxWidths, lineno, fontName, fontSize, encoding="utf8"):
    """ReportLab 4.2-5.1's ``paragraph._splitWord`` (BSD licence), each distinct character
    measured once: ``w`` cut into pieces that fit ``maxWidths[lineno]``, ``maxWidths[lineno + 1]``…

    A word cut from a line's start on lines of one width is kept (one per font, size, encoding
    and width): ReportLab joins the pieces a page leaves over into one word again and cuts that
    at the next page, so a word over many pages was cut again at each (quadratic in its length).
    The rest of the kept word from the start of one of its lines gets the kept pieces from there:
    the same cuts, as each line starts afresh (``check()`` compares them with ReportLab's)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus.paragraph import _SplitWord, _SplitWordEnd, bidiStrWrap, isBidiStr, isBytes

    if isBytes(w):
        w = w.decode(encoding)
    bidi = isBidiStr(w)
    key = None
    if not bidi and lineWidth == 0 and all(width == maxWidths[0] for width in maxWidths):
        key = (fontName, fontSize, encoding, maxWidths[0])
        word, starts, texts = _SPLITS.get(key, ("", {}, []))
        first = starts.get(len(word) - len(w))
        if first is not None and word.endswith(w):
            return [_SplitWord(text) for text in texts[first:-1]] + [_SplitWordEnd(texts[-1])]
    pieces = []
    maxlineno = len(maxWidths) - 1
    wordText = ""
    maxWidth = maxWidths[min(maxlineno, lineno)]
    maxWidthNext = maxWidths[min(maxlineno, lineno + 1)]
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
    if key is not None:
        texts, starts, offset = [str(piece) for piece in pieces], {}, 0
        for index, text in enumerate(texts):
            starts[offset] = index
            offset += len(text)
        if len(_SPLITS) >= 16:
            _SPLITS.clear()
        _SPLITS[key] = (w, starts, texts)
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

_MISSING = object()
_FRAG_STYLE = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")


def _same_frag(f, g) -> bool:
    """rl_accel's ``sameFrag`` (ReportLab 4.2-5.1, BSD licence): whether fragments ``f`` and ``g``
    draw alike (never a fragment with a callback or a line break). An attribute missing on both
    counts as equal, missing on one as different; present on both, compared with ``!=`` unless
    it is the same object (``PyObject_RichCompareBool``)."""
    if hasattr(f, "cbDefn") or hasattr(g, "cbDefn") or hasattr(f, "lineBreak") or hasattr(g, "lineBreak"):
        return False
    for name in _FRAG_STYLE:
        a, b = getattr(f, name, _MISSING), getattr(g, name, _MISSING)
        if a is not b and (a is _MISSING or b is _MISSING or a != b):
            return False
    return True


_reportlab_same_frag = None  # rl_accel's, once replaced (``check``)


def fast_same_frag() -> None:
    """Put ``_same_frag`` in place of ``paragraph.sameFrag`` (idempotent)."""
    global _reportlab_same_frag
    from reportlab.platypus import paragraph

    if paragraph.sameFrag is not _same_frag:
        _reportlab_same_frag = paragraph.sameFrag
        paragraph.sameFrag = _same_frag


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
    word = "àbc0123456789xyz" * 60
    pieces = _split_word(word, 0, [90.0, 90.0], 0, "Helvetica", 10)
    offset = len(pieces[0]) + len(pieces[1])
    for rest in (word[offset:], word[offset + 1:], word[offset:][:-1], word[-3:]):  # kept or cut again
        ours, theirs = (split(rest, 0, [90.0], 3, "Helvetica", 10) for split in (_split_word, _reportlab_split_word))
        assert [(type(p), str(p)) for p in ours] == [(type(p), str(p)) for p in theirs], \
            "the rest of a word is cut differently"
    assert "for g,cw,c in _fragWordIter(w):" in inspect.getsource(paragraph._splitFragWord), \
        "paragraph._splitFragWord no longer measures through _fragWordIter"
    styled = Paragraph("<b>" + "grassetto" * 30 + "</b><i>" + "corsivo" * 30 + "</i>", ParagraphStyle("prova"))
    for word in frag_words(styled.frags, 100):
        ours, theirs = list(_frag_word_iter(word)), list(_reportlab_frag_word_iter(word))
        assert ours == theirs and len(ours) > 400, "paragraph._fragWordIter measures differently"
    fast_same_frag()
    assert "elif not sameFrag(g,f):" in inspect.getsource(paragraph.Paragraph.breakLines), \
        "Paragraph.breakLines no longer compares fragments with sameFrag"
    for f, g in same_frag_cases():
        assert _same_frag(f, g) == bool(_reportlab_same_frag(f, g)), "rl_accel.sameFrag compares differently"
    from reportlab.pdfbase import pdfmetrics

    assert "ascent = font.ascent" in inspect.getsource(pdfmetrics.getAscentDescent) and \
        "font.face.ascent" in inspect.getsource(pdfmetrics.getAscentDescent), \
        "pdfmetrics.getAscentDescent no longer reads font.ascent before font.face.ascent"


def same_frag_cases() -> list[tuple]:
    """Pairs of fragments on which ``_same_frag`` and rl_accel's ``sameFrag`` must agree: those of a
    paragraph of mixed styles, and attributes equal, different, missing on one or both, None,
    the same object, NaN, a callback, a line break."""
    from reportlab.lib.colors import Color, black
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph
    from reportlab.platypus.paraparser import ParaFrag

    frags = Paragraph('a <b>b</b> c <i>d</i> <font color="red">e</font> <u>f</u> <a href="x">g</a> h',
                      ParagraphStyle("prova")).frags
    pairs = [(f, g) for f in frags for g in frags]
    base = dict(fontName="A", fontSize=11.0, textColor=Color(0, 0, 0, 1), rise=0, us_lines=[], link=[])

    def frag(**changes):
        made = ParaFrag()
        made.__dict__.update({**base, **changes})
        for name in [n for n, v in changes.items() if v is _MISSING]:
            del made.__dict__[name]
        return made

    nan = float("nan")
    for changes in ({}, {"backColor": None}, {"fontSize": 11}, {"fontSize": 12.0}, {"textColor": black},
                    {"link": _MISSING}, {"rise": nan}, {"cbDefn": None}, {"lineBreak": False}, {"nobr": 1},
                    {"bold": 1, "text": "x"}):
        pairs += [(frag(), frag(**changes)), (frag(**changes), frag())]
    same = frag(rise=nan)
    pairs += [(same, same), (frag(backColor=None), frag(backColor=None)), (frag(rise=nan), frag(rise=nan))]
    return pairs
