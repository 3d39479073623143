"""The clerk's Markdown dialect: lettered lists where a list may start, and only there."""

from __future__ import annotations

from circolari.compose.markdown import markdown_to_html


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
