"""ReportLab's private page hook (``writers/reportlab_compat.py``): an upgrade that breaks it fails here."""

from __future__ import annotations

import io


def test_reportlab_start_page_gives_a_fresh_page():
    from circolari.writers.reportlab_compat import check

    check()


def test_deferred_pages_canvas_finishes_every_page_with_the_total():
    from pypdf import PdfReader

    from circolari.writers.reportlab_compat import deferred_pages_canvas

    calls = []

    def finish(canvas, number, total):
        calls.append((number, total))
        canvas.drawString(72, 40, f"pagina {number} di {total}")

    buffer = io.BytesIO()
    canvas = deferred_pages_canvas(finish)(buffer)
    for number in (1, 2, 3):
        canvas.drawString(72, 700, f"corpo {number}")
        canvas.showPage()
    assert buffer.getvalue() == b""  # nothing written before save
    canvas.save()
    assert calls == [(1, 3), (2, 3), (3, 3)]
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages]
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"corpo {number}" in text and f"pagina {number} di 3" in text
        assert all(f"corpo {other}" not in text for other in (1, 2, 3) if other != number)


def test_library_privates_only_in_compat_modules():
    """ReportLab's, python-docx's, pyHanko's and openpyxl's private names appear in their compat modules only."""
    import ast
    from pathlib import Path

    from helpers.source_trees import source_tree

    src = Path(__file__).resolve().parents[1] / "src" / "circolari"
    compat = {src / "writers" / "reportlab_compat.py", src / "writers" / "docx_compat.py",
              src / "signature" / "pyhanko_compat.py", src / "series" / "openpyxl_compat.py"}
    private = {"_p", "_tr", "_tbl", "_blob", "_code", "_startPage", "_update_meta", "_info",
               "_get_source", "_shared_strings", "_date_formats", "_timedelta_formats"}
    found = []
    for path in sorted(src.rglob("*.py")):
        if path in compat:
            continue
        for node in ast.walk(source_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr in private:
                found.append(f"{path.relative_to(src)}:{node.lineno} .{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and not node.module.startswith("circolari"):
                found += [f"{path.relative_to(src)}:{node.lineno} {node.module}.{a.name}"
                          for a in node.names if a.name.startswith("_") or "._" in node.module]
    assert found == []


def test_a_long_word_is_cut_as_reportlab_cuts_it_measuring_each_character_once(monkeypatch):
    """reportlab_compat._split_word replaces ReportLab's ``paragraph._splitWord``: the same pieces
    for a word wider than its column, with one width measurement per distinct character (ReportLab
    measured each of its 20,000 characters at every layout of the paragraph)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import paragraph

    from circolari.writers import reportlab_compat
    from circolari.writers.pdf import paragraph_style, register_fonts

    font = register_fonts()
    reportlab_compat.fast_split_words()
    assert paragraph._splitWord is reportlab_compat._split_word
    word = "àbc0123456789" * 1500
    calls = []
    measure = pdfmetrics.stringWidth
    monkeypatch.setattr(pdfmetrics, "stringWidth", lambda *a: calls.append(a[0]) or measure(*a))
    ours = reportlab_compat._split_word(word, 20.0, [300.0, 250.0], 0, font, 11)
    assert sorted(calls) == sorted(set(word))
    theirs = reportlab_compat._reportlab_split_word(word, 20.0, [300.0, 250.0], 0, font, 11)
    assert [(type(p), str(p)) for p in ours] == [(type(p), str(p)) for p in theirs] and len(ours) > 50
    assert "".join(map(str, ours)) == word
    lines = paragraph.Paragraph(f"avvio {word} fine", paragraph_style("corpo")).breakLines([300.0])
    assert "".join(str(w) for line in lines.lines for w in line[1]).replace("avvio", "").replace("fine", "") == word


def test_the_rest_of_a_long_word_gets_the_pieces_of_its_kept_cut(monkeypatch):
    """ReportLab joins the pieces of a long word left over by a page and cuts them again at the
    next: ``_split_word`` gives the rest of the word it cut last (same font, size and line width),
    from the start of one of its lines, the pieces it kept, measuring nothing; any other word, or
    the rest from inside a line, is cut afresh. Each cut as ReportLab's."""
    from reportlab.pdfbase import pdfmetrics

    from circolari.writers import reportlab_compat
    from circolari.writers.pdf import register_fonts

    font = register_fonts()

    def pieces(split, word):
        return [(type(p), str(p)) for p in split(word, 0, [300.0], 2, font, 11)]

    word = "àbc0123456789" * 1500
    whole = pieces(reportlab_compat._split_word, word)
    assert whole == pieces(reportlab_compat._reportlab_split_word, word) and len(whole) > 200
    calls = []
    measure = pdfmetrics.stringWidth
    monkeypatch.setattr(pdfmetrics, "stringWidth", lambda *a: calls.append(a[0]) or measure(*a))
    start = sum(len(text) for _, text in whole[:150])
    for rest in (word[start:], word[len(word) - len(whole[-1][1]):]):  # from the start of a line: kept
        assert pieces(reportlab_compat._split_word, rest) == pieces(reportlab_compat._reportlab_split_word, rest)
    assert calls == []  # ours measured nothing (ReportLab's measures through its own import)
    for rest in (word[start + 1:], word[start:-1], "x" + word[start:], "àbc" * 700):  # cut afresh
        calls.clear()
        assert pieces(reportlab_compat._split_word, rest) == pieces(reportlab_compat._reportlab_split_word, rest)
        assert sorted(calls) == sorted(set(rest))


def test_a_long_styled_word_is_measured_as_reportlab_measures_it_once_per_character(monkeypatch):
    """reportlab_compat._frag_word_iter replaces ``paragraph._fragWordIter`` (what ``_splitFragWord``
    cuts a styled word with): the same fragments and widths, one measurement per distinct character
    of a font and size; a bold and italic 20,000-character word keeps every character in order."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import paragraph

    from circolari.writers import reportlab_compat
    from circolari.writers.pdf import paragraph_style, register_fonts

    register_fonts()  # as a render does: the style's family must be registered in this process
    reportlab_compat.fast_split_words()
    assert paragraph._fragWordIter is reportlab_compat._frag_word_iter
    style = paragraph_style("corpo")
    text = "<b>" + "àbc012" * 1700 + "</b><i>" + "xyz" * 3300 + "</i>"
    (word,) = reportlab_compat.frag_words(paragraph.Paragraph(text, style).frags, 300)
    calls = []
    measure = pdfmetrics.stringWidth
    monkeypatch.setattr(pdfmetrics, "stringWidth", lambda *a: calls.append(a[:3]) or measure(*a))
    ours = list(reportlab_compat._frag_word_iter(word))
    assert len(calls) == len(set(calls)) == len(set("àbc012")) + len(set("xyz"))
    assert ours == list(reportlab_compat._reportlab_frag_word_iter(word))
    lines = paragraph.Paragraph(text, style).breakLines([300.0])
    drawn = "".join(getattr(frag, "text", "") for line in lines.lines for frag in line.words)
    assert drawn == "àbc012" * 1700 + "xyz" * 3300 and len(lines.lines) > 50


def test_fragments_are_compared_as_rl_accel_compares_them(monkeypatch):
    """reportlab_compat._same_frag replaces ``paragraph.sameFrag`` (rl_accel's C function, which
    raises and clears an AttributeError per missing style attribute): the same answer on every
    pair (missing, None, NaN, the same object, callbacks, line breaks), the same lines for a
    paragraph of mixed styles."""
    from reportlab.platypus import paragraph

    from circolari.writers import reportlab_compat
    from circolari.writers.pdf import paragraph_style, register_fonts

    register_fonts()
    assert paragraph.sameFrag is reportlab_compat._same_frag  # put in place with the PDF writer
    pairs = reportlab_compat.same_frag_cases()
    ours = [reportlab_compat._same_frag(f, g) for f, g in pairs]
    assert ours == [bool(reportlab_compat._reportlab_same_frag(f, g)) for f, g in pairs]
    assert ours.count(True) >= 10 and ours.count(False) >= 20
    text = " ".join(f"<b>b{i}</b>" if i % 7 == 0 else f"p{i}" for i in range(600))

    def lines():
        broken = paragraph.Paragraph(text, paragraph_style("corpo")).breakLines([300.0])
        return [(line.extraSpace, [(w.fontName, w.text) for w in line.words]) for line in broken.lines]

    fast = lines()
    monkeypatch.setattr(paragraph, "sameFrag", reportlab_compat._reportlab_same_frag)
    assert fast == lines() and len(fast) > 20


def test_registered_fonts_have_their_faces_ascent_and_descent():
    """``pdfmetrics.getAscentDescent`` (once per word of a paragraph of mixed styles) finds a
    registered face's ascent and descent on the font itself, not by catching an AttributeError."""
    from reportlab.pdfbase import pdfmetrics

    from circolari.writers.pdf import register_fonts

    name = register_fonts()
    for suffix in ("", "-Bold", "-Italic", "-BoldItalic"):
        font = pdfmetrics.getFont(name + suffix)
        assert (vars(font)["ascent"], vars(font)["descent"]) == (font.face.ascent, font.face.descent) != (0, 0)
        assert pdfmetrics.getAscentDescent(name + suffix, 10) == (font.face.ascent / 100, font.face.descent / 100)
