"""The words of a rendered act's text, each with its page and section.

The text is the act's ``<act>.txt``. Its sections come from the document tree
(premessa, point of the dispositivo, heading, paragraph of the body); its pages from
the render's layout (the text the PDF writer drew on each page), aligned word by word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import assert_never

from circolari.document.tree import Columns, Group, ListBlock, PageBreak, Paragraph, Run, Table

_HEADINGS = {"allegato-titolo", "titolo-1", "titolo-2", "titolo-3", "titolo-4", "delibera"}
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Word:
    text: str
    line: int
    section: str
    page: int | None


def _short(text: str, size: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


_ANNEX = re.compile(r"ALLEGATO\s+(\S+)(?:\s*[–-]\s*(.+))?", re.IGNORECASE)


def annex_label(title: str) -> str:
    """'Allegato 1' (with its title, shortened, when it has one) from the annex heading."""
    match = _ANNEX.match(" ".join(title.split()))
    if not match:
        return _short(title, 40)
    number, name = match.groups()
    return f"Allegato {number}" + (f" «{_short(name, 40)}»" if name else "")


def _sections(document) -> list[tuple[str, list]]:
    """(section label, blocks) in body order; inside an annex every label starts with 'Allegato N'."""
    out: list[tuple[str, list]] = []
    heading, premessa, paragraph, annex = None, 0, 0, ""
    current = "inizio"
    for block in document.body:
        match block:
            case Paragraph():
                style, text = block.style, block.text
                if style == "allegato-titolo":
                    annex, heading, paragraph = annex_label(text), None, 0
                    current = annex
                elif style in _HEADINGS:
                    heading, paragraph = _short(text), 0
                    current = "DELIBERA" if style == "delibera" else ", ".join(x for x in (annex, heading) if x)
                elif style == "premessa" and block.inlines and isinstance(block.inlines[0], Run) and block.inlines[0].bold:
                    premessa += 1
                    current = f"premessa {premessa} ({block.inlines[0].text.strip()})"
                elif style.startswith(("destinatari", "epc")):
                    current = "destinatari"
                elif style.startswith("dgr-"):
                    current = "frontespizio"
                elif style in ("oggetto", "data", "saluti"):
                    current = {"oggetto": "oggetto", "data": "data e protocollo", "saluti": "saluti"}[style]
                elif style in ("corpo", "dispositivo"):
                    paragraph += 1
                    current = ", ".join(x for x in (annex, heading, f"paragrafo {paragraph}") if x)
                out.append((current, [block]))
            case ListBlock() if block.items and any(
                    isinstance(b, Paragraph) and b.style == "dispositivo" for b in block.items[0]):
                for number, item in enumerate(block.items, start=block.start):
                    out.append((f"punto {number} del dispositivo", [ListBlock(block.kind, [item], number)]))
                current = "dopo il dispositivo"
            case Table():
                table = f"tabella «{_short(block.title, 40)}»" if block.title else None
                out.append((", ".join(x for x in (annex, table) if x) if table else f"{current}, tabella", [block]))
            case Group() if block.signature:
                out.append(("firma", [block]))
            case Columns() if current == "inizio":
                out.append(("intestazione", [block]))
            case Group() | Columns():
                if current in ("oggetto", "data e protocollo", "inizio"):
                    current = "destinatari"
                out.append((current, [block]))
            case ListBlock() | PageBreak():
                out.append((current, [block]))
            case _:
                assert_never(block)
    return out


def line_sections(document) -> list[str]:
    """The section of each line of ``write_text(document)`` (same number of lines)."""
    from circolari.writers.text import block_lines

    parts: list[list[str]] = []
    header = block_lines(document.first_header or document.header)
    if header:
        parts.append(["intestazione"] * len(header))
    body: list[str] = []
    for label, blocks in _sections(document):
        body += [label] * len(block_lines(blocks))
    if body:
        parts.append(body)
    footer = block_lines(document.footer)
    if footer:
        parts.append(["piè di pagina"] * len(footer))
    labels: list[str] = []
    for i, part in enumerate(parts):
        if i:
            labels.append(labels[-1] if labels else "")
        labels += part
    return labels + [labels[-1] if labels else ""]


def act_words(text: str, document, layout) -> list[Word]:
    """Every word of the act's text with its line, section (from ``document``, the tree the
    text was written from) and page (from ``layout``, what the PDF writer drew where); None
    for a stored text."""
    lines = text.split("\n")
    labels = line_sections(document) if document is not None else []
    if len(labels) != len(lines):
        labels = [""] * len(lines)
    words = [(m.group(0), n) for n, line in enumerate(lines) for m in _WORD.finditer(line)]
    pages = _pages([w for w, _ in words], layout) if layout is not None else [None] * len(words)
    return [Word(w, n, labels[n], p) for (w, n), p in zip(words, pages)]


def _pages(words: list[str], layout) -> list[int | None]:
    """The page of each word, by aligning the text with the words the layout drew on each page."""
    from circolari.review.align import matching_blocks

    drawn = [(w, page) for page, text in layout.drawn for w in _WORD.findall(text)]
    pages: list[int | None] = [None] * len(words)
    for a, b, size in matching_blocks(words, [w for w, _ in drawn]):
        for k in range(size):
            pages[a + k] = drawn[b + k][1]
    last = next((p for p in pages if p), 1)
    for i, page in enumerate(pages):  # unmatched words: the page of the word before
        if page is None:
            pages[i] = last
        else:
            last = page
    return pages
