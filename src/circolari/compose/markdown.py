"""Markdown of the clerk's free text to HTML, with raw HTML disabled.

CommonMark plus lettered lists: a list whose first item starts with ``a.``
or ``a)`` is a lettered list (a. b. c.). markdown-it has no such list, so
lettered items are rewritten to CommonMark ``1)`` items before parsing, and
every ``)``-delimited ordered list is emitted as ``<ol type="a">``; numeric
``1)`` items written by the clerk are first normalised to ``1.``.

A text that is only paragraphs of plain text (most letters) is written without markdown-it
(``plain_paragraphs``), which spares a cold render its import (~20 ms); the HTML is the
same, as ``tests/test_compose_markdown.py`` checks against markdown-it on generated texts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

_NUMERIC_PAREN = re.compile(r"^(\s*)(\d{1,9})\)(\s)", re.M)
_LETTER_ITEM = re.compile(r"^(\s*)([a-z])[.)](\s+)(?=\S)")
_ANY_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)]|[a-z][.)])\s+\S")


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "link", "autolink", "html_block", "html_inline", "code", "fence", "backticks", "heading", "lheading", "hr"])

    def ordered_list_open(renderer, tokens, idx, options, env):
        token = tokens[idx]
        if token.markup == ")":
            return '<ol type="a">\n'
        start = token.attrGet("start")
        return f'<ol start="{start}">\n' if start is not None else "<ol>\n"

    md.add_render_rule("ordered_list_open", ordered_list_open)
    return md


def _letters_to_paren_items(text: str) -> str:
    """Rewrite runs of ``a. b. c.`` items (same indent, starting at ``a``) as ``1)`` items.

    A run starts only where a list may: after a blank line or under another list item.
    A line of running text that happens to begin with "a)" ("...alla lettera\na) del
    comma 2") stays text.
    """
    out: list[str] = []
    run_indent: str | None = None
    expected, previous = "a", ""
    for line in text.split("\n"):
        match = _LETTER_ITEM.match(line)
        starts = bool(match) and match.group(2) == "a" and (not previous.strip() or _ANY_ITEM.match(previous))
        continues = bool(match) and run_indent == match.group(1) and match.group(2) == expected
        if starts or continues:
            run_indent, expected = match.group(1), chr(ord(match.group(2)) + 1)
            # keep the marker width so continuation lines stay aligned
            line = f"{match.group(1)}1){match.group(3)}{line[match.end():]}"
        elif run_indent is not None and line.strip() and not previous.strip():
            if len(line) - len(line.lstrip()) <= len(run_indent):  # a new block, not inside the item
                run_indent, expected = None, "a"
        out.append(line)
        previous = line
    return "\n".join(out)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def _escape_literal(text: str) -> str:
    """Backslash-escape Markdown's punctuation so that ``text`` reads as itself."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(1), text)


def markdown_to_html(text: str, formula: str | None = None, fatti: dict | None = None) -> Markup:
    """Render the clerk's Markdown as safe HTML (any HTML in the input is shown as text).

    ``formula`` (a DGR recital's VISTA, RITENUTO, ...) is put in bold at the start of the
    first paragraph, as plain text: its characters are never read as Markdown.
    ``fatti`` are the act's declared figures: each ``[[nome]]`` citation is replaced by
    the formatted figure first (see ``circolari.compose.placeholders``), escaped as literal text.
    """
    if "[[" in text:
        from circolari.compose.placeholders import substitute

        text = substitute(text, fatti, escape=_escape_literal)
    if formula:
        separator = "" if text[:1] in ",;:." else " "
        escaped = _escape_literal(formula)
        text = f"**{escaped}**{separator}{text}"
    text = _NUMERIC_PAREN.sub(r"\1\2.\3", text)
    text = _letters_to_paren_items(text)
    plain = plain_paragraphs(text)
    return Markup(plain if plain is not None else _parser().render(text))


# What may make CommonMark read more than paragraphs of text: a character that opens inline
# markup, an escape or an entity; whitespace other than spaces and newlines; a control
# character; a line that may open a block (list item, heading, rule, indented or spaced line).
_NOT_PLAIN = re.compile(r"[\\`*_\[\]<>&~]|[^\S \n]|[\x00-\x09\x0b-\x1f\x7f-\x9f]|^[0-9+=#-]|^ +\S|\S +$", re.M)
_BLANK_LINES = re.compile(r"\n(?: *\n)+")


def plain_paragraphs(text: str) -> str | None:
    """The HTML markdown-it writes for ``text`` if it is only paragraphs of plain text
    (separated by blank lines), else None."""
    if _NOT_PLAIN.search(text):
        return None
    paragraphs = _BLANK_LINES.split(text.strip(" \n"))
    # of the characters markdown-it escapes (& < > "), only the quote can be left
    return "".join("<p>" + p.replace('"', "&quot;") + "</p>\n" for p in paragraphs if p)
