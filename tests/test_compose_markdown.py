"""The clerk's Markdown dialect: lettered lists where a list may start, and only there."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from circolari.compose.markdown import markdown_to_html, plain_paragraphs


def test_lettered_list_after_a_blank_line_and_under_a_bullet():
    html = markdown_to_html("Premessa:\n\na. primo;\nb. secondo:\n   - sotto\nc. terzo.\n\n- voce\n  a) annidata\n  b) seconda")
    assert html.count('<ol type="a">') == 2
    assert "<li>primo;</li>" in html and "terzo." in html and "annidata" in html


def test_running_text_starting_with_a_letter_stays_text():
    html = markdown_to_html("come previsto alla lettera\na) del comma 2 dell'articolo 4.")
    assert "<ol" not in html
    assert "lettera\na) del comma 2" in html


def test_numbered_list_keeps_its_start():
    assert '<ol start="0">' in markdown_to_html("0. zero\n1. uno")
    assert '<ol start="3">' in markdown_to_html("3. tre\n4. quattro")
    assert "<ol>" in markdown_to_html("1. uno\n2. due")


def test_html_and_template_syntax_stay_text():
    html = markdown_to_html("<b>x</b> & {{ 7*7 }} {% include 'a' %} `codice`")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; {{ 7*7 }} {% include 'a' %} `codice`" in html


# Characters and lines that matter to CommonMark's block and inline rules, and some that do not.
PIECES = ["a", "Z", "é", "1", "3.", "2)", " ", "  ", "\n", "\n\n", " \n", "-", "+", "*", "_", "#", "=", ">",
          "<", "&", "&amp;", '"', "'", "(", ")", ":", "!", "[", "]", "\\", "`", "~", "|", "\t", "\u00a0",
          "\u2028", "\r", "\x0b", "a. ", "b) ", "www.x.it", "x@y.it"]


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
@settings(max_examples=500, deadline=None, derandomize=True)
def test_plain_paragraphs_are_what_markdown_it_writes(text):
    from circolari.compose.markdown import _parser

    plain = plain_paragraphs(text)
    if plain is not None:
        assert plain == _parser().render(text)


def test_a_letter_of_plain_paragraphs_needs_no_markdown_it():
    text = ('Nelle scorse settimane (SRC di AREU) "plasma" S/D anti-SARS-CoV-2 del/i progetto/i.\n'
            "Seconda riga: 3,5 %!\n\n  \nSi confida in una fattiva collaborazione.\n")
    assert plain_paragraphs(text) == ('<p>Nelle scorse settimane (SRC di AREU) &quot;plasma&quot; S/D '
                                      "anti-SARS-CoV-2 del/i progetto/i.\nSeconda riga: 3,5 %!</p>\n"
                                      "<p>Si confida in una fattiva collaborazione.</p>\n")
    for markdown in ("- voce", "testo *enfasi*", "1. uno", "a\n2) due", "riga  \naltra", "\tx", "a &amp; b"):
        assert plain_paragraphs(markdown) is None, markdown
