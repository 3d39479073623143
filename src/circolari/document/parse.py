"""Semantic HTML (the templates' output) to the document tree.

The templates may use only the tags below; anything else is a template
error, reported with its line, never silently dropped.

blocks   p h1-h4 (class = style), ul ol[type=a|1][start] li, table caption
         colgroup col[data-width][data-align] thead tbody tr th td,
         hr.salto-pagina[data-allegati], div/section/main/article
         (containers; data-keep="together", data-signature="Field_Name",
         class="colonne" > div.colonna, data-p="default paragraph style")
inline   strong b em i u br span[data-campo=page|pages|act-pages|annex-pages]
furniture header[data-pages=first|all] footer
head     only title, meta[charset] or meta[name][content], link[rel=stylesheet][href=stile.css]:
         the act's HTML is published as is, so a template's <script>, <style>, external
         image or any other element there (or outside <head>/<body>) is an error; so is an
         event-handler (on...) or style attribute anywhere
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from circolari.document.tree import (Block, Break, Column, Columns, Document, Field, Group, Inline,
                       ListBlock, PageBreak, Paragraph, Run, Table)
from circolari.errors import fail
from circolari.document.styles import STYLES

_VOID = {"br", "hr", "meta", "col", "link"}
_CONTAINERS = {"div", "section", "main", "article", "body", "html", "span"}
_INLINE = {"strong", "b", "em", "i", "u", "br", "span"}
_SPACES = re.compile(r"[ \t\n\r\f]+")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["Element | str"] = field(default_factory=list)
    raw: str = ""  # the start tag as written in the composed HTML
    at: int = -1  # where the start tag begins in the composed HTML (characters from its start)

    @property
    def cls(self) -> str:
        return self.attrs.get("class", "")


class _TreeBuilder(HTMLParser):
    def __init__(self, html: str = ""):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, 1)
        self.stack = [self.root]
        self.lines = [0] + [m.end() for m in re.finditer("\n", html)]  # where each line starts

    def at(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column if line <= len(self.lines) else -1

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.getpos()[0], raw=self.get_starttag_text() or "",
                          at=self.at())
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}, self.getpos()[0],
                                               raw=self.get_starttag_text() or ""))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise fail(f"tag di chiusura </{tag}> senza apertura", line=self.getpos()[0])

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str, *, source: str = "template", locate=None) -> Document:
    """Parse the composed HTML of an act into a ``Document``. ``locate(start_tag, tag)`` gives the
    template file and line an element was written on (errors name it), or None: the composed line."""
    builder = _TreeBuilder(html)
    builder.feed(html)
    builder.close()
    return _Converter(source, locate).document(builder.root)


class _Converter:
    def __init__(self, source: str, locate=None):
        self.source = source
        self.locate = locate
        self.at: dict[int, int] = {}  # id(block) -> where its element starts in the HTML

    def error(self, element: Element, message: str):
        found = self.locate(element.raw, element.tag) if self.locate else None
        file, line = found or (self.source, element.line)
        return fail(message, file=file, line=line,
                    hint="correggere il template: l'HTML ammesso è descritto in circolari/document/parse.py")

    # -- document ------------------------------------------------------
    def document(self, root: Element) -> Document:
        doc = Document(kind="", title="", body=[])
        body = root
        for child in _elements(root):
            if child.tag == "html":
                body = child
        for outer in (root, body) if body is not root else (root,):
            for child in _elements(outer):
                if child.tag not in ("html", "head", "body") or (outer is body and child.tag == "html"):
                    raise self.error(child, f"<{child.tag}> non ammesso fuori da <head> e <body>")
        for child in _elements(body):
            if child.tag == "head":
                self._head(child, doc)
            elif child.tag == "body":
                doc.kind = child.cls
                self._body(child, doc)
        self._attributes(root)
        return doc

    def _head(self, head: Element, doc: Document) -> None:
        """Only a title, metadata and the generated stylesheet: nothing that runs or loads."""
        allowed = ("nell'intestazione HTML (<head>) sono ammessi solo <title>, <meta charset>, "
                   "<meta name=… content=…> e <link rel=\"stylesheet\" href=\"stile.css\">")
        for child in head.children:
            if isinstance(child, str):
                if child.strip():
                    raise self.error(head, f"testo «{child.strip()[:40]}» in <head>: {allowed}")
                continue
            attrs = child.attrs
            if child.tag == "title" and not attrs and not _elements(child):
                doc.title = _text(child).strip()
            elif child.tag == "meta" and set(attrs) == {"charset"}:
                continue
            elif child.tag == "meta" and set(attrs) == {"name", "content"}:
                doc.meta[attrs["name"]] = attrs["content"]
            elif child.tag == "link" and attrs == {"rel": "stylesheet", "href": "stile.css"}:
                continue
            else:
                raise self.error(child, f"<{child.tag}> non ammesso in <head>: {allowed}")

    def _attributes(self, el: Element) -> None:
        """No attribute that runs script or styles the HTML copy beyond the generated sheet."""
        for name in el.attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc", "formaction", "background"):
                raise self.error(el, f"attributo «{name}» non ammesso in <{el.tag}>")
        for child in _elements(el):
            self._attributes(child)

    def _body(self, body: Element, doc: Document) -> None:
        for child in _elements(body):
            if child.tag == "header":
                blocks = self.blocks(child, "intestazione")
                if child.attrs.get("data-pages", "all") == "first":
                    doc.first_header = blocks
                else:
                    doc.header = blocks
            elif child.tag == "footer":
                doc.footer = self.blocks(child, "piede")
            else:
                blocks = self.blocks_of(child, "corpo")
                doc.body += blocks
                doc.body_at += [self.at.get(id(block), -1) for block in blocks]

    def number(self, el: Element, attr: str, kind, default):
        value = el.attrs.get(attr)
        if not value:
            return default
        try:
            return kind(value)
        except ValueError:
            raise self.error(el, f"{attr}=«{value}» non è un numero") from None

    def style_name(self, el: Element, name: str) -> str:
        if name not in STYLES:
            raise self.error(el, f"stile «{name}» sconosciuto (gli stili sono in circolari/document/styles.py)")
        return name

    # -- blocks --------------------------------------------------------
    def blocks(self, element: Element, default_style: str) -> list[Block]:
        style = element.attrs.get("data-p", default_style)
        blocks: list[Block] = []
        for child in element.children:
            if isinstance(child, str):
                if child.strip():
                    raise self.error(element, f"testo «{child.strip()[:40]}» fuori da un paragrafo in <{element.tag}>")
                continue
            blocks += self.blocks_of(child, style)
        return blocks

    def blocks_of(self, el: Element, style: str) -> list[Block]:
        blocks = self._blocks_of(el, style)
        for block in blocks:  # the innermost element a block came from (a container's blocks keep theirs)
            self.at.setdefault(id(block), el.at)
        return blocks

    def _blocks_of(self, el: Element, style: str) -> list[Block]:
        tag = el.tag
        if tag == "p" or tag in ("h1", "h2", "h3", "h4"):
            name = el.cls or (style if tag == "p" else f"titolo-{tag[1]}")
            return [Paragraph(self.style_name(el, name), self.inlines(el))]
        if tag in ("ul", "ol"):
            return [self.list_block(el)]
        if tag == "table":
            return [self.table(el)]
        if tag == "hr":
            if "salto-pagina" not in el.cls:
                raise self.error(el, "<hr> ammesso solo come <hr class=\"salto-pagina\">")
            return [PageBreak(annex="data-allegati" in el.attrs)]
        if tag in _CONTAINERS:
            if el.cls == "colonne":
                return [Columns([self.blocks(col, el.attrs.get("data-p", style)) for col in _elements(el)], style=el.cls)]
            inner = self.blocks(el, el.attrs.get("data-p", style))
            if "data-signature" in el.attrs or el.attrs.get("data-keep") == "together":
                return [Group(el.cls or "gruppo", inner, signature=el.attrs.get("data-signature") or None)]
            return inner
        raise self.error(el, f"tag <{tag}> non ammesso")

    def list_block(self, el: Element) -> ListBlock:
        if el.tag == "ul":
            kind = "bullet"
        else:
            kind = "alpha" if el.attrs.get("type") == "a" else "decimal"
        style = el.cls or "elenco"
        items = []
        for li in _elements(el):
            if li.tag != "li":
                raise self.error(li, f"<{li.tag}> dentro un elenco: ammesso solo <li>")
            items.append(self.list_item(li, style))
        return ListBlock(kind, items, start=self.number(el, "start", int, 1))

    def list_item(self, li: Element, style: str) -> list[Block]:
        blocks: list[Block] = []
        pending: list[Element | str] = []

        def flush():
            if any(isinstance(c, Element) or c.strip() for c in pending):
                blocks.append(Paragraph(style, self.inlines(Element("p", {}, li.line, list(pending)))))
            pending.clear()

        for child in li.children:
            if isinstance(child, Element) and child.tag not in _INLINE:
                flush()
                if child.tag == "p":
                    blocks.append(Paragraph(self.style_name(child, child.cls or style), self.inlines(child)))
                else:
                    blocks += self.blocks_of(child, style)
            else:
                pending.append(child)
        flush()
        return blocks

    def table(self, el: Element) -> Table:
        columns: list[Column] = []
        rows: list[list[list[Inline]]] = []
        title = None
        header: list[list[Inline]] = []
        for part in _elements(el):
            if part.tag == "caption":
                title = _text(part).strip()
            elif part.tag == "colgroup":
                for col in _elements(part):
                    columns.append(Column([], self.number(col, "data-width", float, 1.0),
                                          col.attrs.get("data-align", "left")))
            elif part.tag == "thead":
                for tr in _elements(part):
                    header = [self.inlines(cell) for cell in _elements(tr)]
            elif part.tag == "tbody":
                for tr in _elements(part):
                    rows.append([self.inlines(cell) for cell in _elements(tr)])
            else:
                raise self.error(part, f"<{part.tag}> non ammesso in <table>")
        if not columns:
            columns = [Column([]) for _ in header or (rows[0] if rows else [])]
        for column, head in zip(columns, header):
            column.header = head
        return Table(columns, rows, title)

    # -- inline --------------------------------------------------------
    def inlines(self, el: Element) -> list[Inline]:
        runs: list[Inline] = []
        self._collect(el, runs, bold=False, italic=False, underline=False)
        return _normalise(runs)

    def _collect(self, el: Element, out: list[Inline], *, bold, italic, underline):
        for child in el.children:
            if isinstance(child, str):
                out.append(Run(child, bold, italic, underline))
                continue
            tag = child.tag
            if tag == "br":
                out.append(Break())
            elif tag == "span" and "data-campo" in child.attrs:
                kind = child.attrs["data-campo"]
                if kind not in ("page", "pages", "act-pages", "annex-pages"):
                    raise self.error(child, f"campo «{kind}» sconosciuto")
                unit = child.attrs.get("data-unita")
                if unit is not None and unit.count("/") != 1:
                    raise self.error(child, "data-unita va scritto come «singolare/plurale», es. «pagina/pagine»")
                out.append(Field(kind, bold, italic, tuple(unit.split("/")) if unit else None))
            elif tag in _INLINE:
                self._collect(child, out, bold=bold or tag in ("strong", "b"),
                              italic=italic or tag in ("em", "i"), underline=underline or tag == "u")
            else:
                raise self.error(child, f"<{tag}> non ammesso dentro un paragrafo")


def _elements(el: Element) -> list[Element]:
    return [c for c in el.children if isinstance(c, Element)]


def _text(el: Element) -> str:
    return "".join(c if isinstance(c, str) else _text(c) for c in el.children)


def _normalise(runs: list[Inline]) -> list[Inline]:
    """Collapse HTML whitespace, merge equal neighbours, trim the ends."""
    out: list[Inline] = []
    for item in runs:
        if isinstance(item, Run):
            text = _SPACES.sub(" ", item.text)
            if not text:
                continue
            prev = out[-1] if out else None
            if prev is None or isinstance(prev, Break):
                text = text.lstrip(" ")
            elif isinstance(prev, Run) and prev.text.endswith(" "):
                text = text.lstrip(" ")
            if not text:
                continue
            if isinstance(prev, Run) and (prev.bold, prev.italic, prev.underline) == (item.bold, item.italic, item.underline):
                out[-1] = Run(prev.text + text, item.bold, item.italic, item.underline)
            else:
                out.append(Run(text, item.bold, item.italic, item.underline))
        else:
            if isinstance(item, Break) and out and isinstance(out[-1], Run):
                out[-1] = Run(out[-1].text.rstrip(" "), out[-1].bold, out[-1].italic, out[-1].underline)
            out.append(item)
    while out and isinstance(out[-1], Run) and not out[-1].text.strip():
        out.pop()
    if out and isinstance(out[-1], Run):
        last = out[-1]
        out[-1] = Run(last.text.rstrip(" "), last.bold, last.italic, last.underline)
    return [r for r in out if not (isinstance(r, Run) and not r.text)]
