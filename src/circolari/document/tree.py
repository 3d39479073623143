"""The intermediate document: blocks of inline runs plus page furniture.

Every writer (PDF, DOCX, text) reads only this tree; none sees markup.
Style names are the CSS classes of the template's HTML and are defined
once in ``document/styles.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal, Union, assert_never


@dataclass(frozen=True)
class Run:
    """A piece of text with one formatting."""

    text: str
    bold: bool = False
    italic: bool = False
    underline: bool = False


@dataclass(frozen=True)
class Break:
    """A line break inside a paragraph."""


FieldKind = Literal["page", "pages", "act-pages", "annex-pages"]


@dataclass(frozen=True)
class Field:
    """A figure known only after layout: page number, page count, annex page count."""

    kind: FieldKind
    bold: bool = False
    italic: bool = False
    unit: tuple[str, str] | None = None  # ("pagina", "pagine"): the noun agrees with the figure

    def text(self, value: int) -> str:
        if self.unit is None:
            return str(value)
        return f"{value} {self.unit[0] if value == 1 else self.unit[1]}"


Inline = Union[Run, Break, Field]


@dataclass
class Paragraph:
    style: str
    inlines: list[Inline]

    @property
    def text(self) -> str:
        return "".join(i.text if isinstance(i, Run) else "\n" if isinstance(i, Break) else "#" for i in self.inlines)


@dataclass
class ListBlock:
    """A bulleted, numbered (1. 2.) or lettered (a. b.) list; items hold blocks (nested lists too)."""

    kind: Literal["bullet", "decimal", "alpha"]
    items: list[list["Block"]]
    start: int = 1


@dataclass
class Column:
    header: list[Inline]
    width: float = 1.0
    align: Literal["left", "center", "right"] = "left"


@dataclass
class Table:
    """A table whose header row repeats on every page it runs over."""

    columns: list[Column]
    rows: list[list[list[Inline]]]
    title: str | None = None


@dataclass
class Group:
    """Blocks kept together on one page; ``signature`` names the signature field placed over them."""

    style: str
    blocks: list["Block"]
    signature: str | None = None


@dataclass
class Columns:
    """Side-by-side columns (letterhead, the Assessori of a DGR)."""

    columns: list[list["Block"]]
    style: str = "colonne"


@dataclass
class PageBreak:
    """Start a new page; ``annex`` marks the first page of the allegati parte integrante."""

    annex: bool = False


Block = Union[Paragraph, ListBlock, Table, Group, Columns, PageBreak]


@dataclass
class Document:
    """One act, ready for the writers."""

    kind: str
    title: str
    body: list[Block]
    first_header: list[Block] = field(default_factory=list)
    header: list[Block] = field(default_factory=list)
    footer: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    body_at: list[int] = field(default_factory=list)  # where each body block starts in the HTML (-1: unknown)


def all_inlines(doc: Document) -> Iterator[list[Inline]]:
    """Every run of inlines in the document (furniture and body, in order): paragraphs, table
    headers and cells, inside lists, groups and columns. An unknown block stops the walk."""

    def walk(blocks):
        for block in blocks:
            match block:
                case Paragraph():
                    yield block.inlines
                case ListBlock():
                    for item in block.items:
                        yield from walk(item)
                case Table():
                    for column in block.columns:
                        yield column.header
                    for row in block.rows:
                        yield from row
                case Group():
                    yield from walk(block.blocks)
                case Columns():
                    for column in block.columns:
                        yield from walk(column)
                case PageBreak():
                    pass
                case _:
                    assert_never(block)

    for part in (doc.first_header, doc.header, doc.body, doc.footer):
        yield from walk(part)
