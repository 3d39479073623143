"""The page and section of each word of a rendered act's text (review/textmap.py)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from circolari.review.textmap import act_words


@pytest.fixture(scope="module")
def dgr(reference):
    rendered = reference["delibera"].rendered  # the reference DGR as the CLI rendered it
    text = rendered.files[f"{rendered.name}.txt"].decode("utf-8")
    return rendered, act_words(text, rendered.document, rendered.layout)


def test_word_pages_come_from_the_layout_and_agree_with_the_pdf(dgr):
    rendered, words = dgr
    pdf = PdfReader(io.BytesIO(rendered.files[f"{rendered.name}.pdf"]))
    assert {w.page for w in words} == set(range(1, len(pdf.pages) + 1))
    for number, page in enumerate(pdf.pages, start=1):
        on_page = [w.text for w in words if w.page == number and w.text != "|"]  # "|": between table cells
        text = re.sub(r"\s+", " ", page.extract_text())
        assert " ".join(on_page[:6]) in text and " ".join(on_page[-6:]) in text, number


def test_words_after_a_page_break_inside_a_paragraph_are_on_the_next_page(dgr):
    """Regression: the piece of a split paragraph drawn on the next page (its lines, not the
    paragraph's whole text) gives that page to its words."""
    _, words = dgr
    texts = [w.text for w in words]
    at = next(i for i in range(len(texts)) if texts[i:i + 2] == ["trasformazione", "provvisoria"])
    assert words[at].page == 3 and words[at - 1].page == 2
    assert words[at].section == words[at - 1].section  # one paragraph across the break


def test_a_stored_text_has_sections_and_pages_only_from_a_render():
    words = act_words("uno due\ntre", None, None)
    assert [(w.text, w.line, w.section, w.page) for w in words] == [("uno", 0, "", None), ("due", 0, "", None),
                                                                  ("tre", 1, "", None)]
