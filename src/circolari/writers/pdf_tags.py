"""Tagged PDF: marked content while ReportLab draws, the structure tree when the PDF is finished.

While the flowables are built, :class:`Tagger` records one structure element per block of
the document tree, in logical (reading) order: ``Document`` → ``H1``…``H4``, ``P``,
``L``/``LI``/``Lbl``/``LBody``, ``Table``/``Caption``/``TR``/``TH``/``TD``, ``Sect`` per
allegato, ``Form`` for a signature field. While drawing, each tagged flowable wraps its
operators in ``/P <</MCID n>> BDC … EMC`` and records (page, MCID) on its element; page
furniture, table rules and repeated header rows are wrapped in ``/Artifact``.
:func:`write_structure` then builds ``/StructTreeRoot``, its ``/ParentTree`` and each page's
``/StructParents`` with pikepdf.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import pikepdf
from pikepdf import Array, Dictionary, Name
from reportlab.platypus import ListFlowable, Table
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus.flowables import BulletDrawer

from circolari.document import styles as S
from circolari.writers.reportlab_compat import emit

# Heading level wanted per style (document/styles.py); a level never exceeds the previous heading's plus one.
HEADINGS = {name: st.heading for name, st in S.STYLES.items() if st.heading}
CAPTIONS = {"tabella-titolo"}
SECTION_START = "allegato-riferimento"  # each allegato opens with its reference line


class Elem:
    """A structure element: its role, children (elements or (page, MCID)) and attributes."""

    __slots__ = ("role", "kids", "attrs", "form")

    def __init__(self, role: str, attrs: dict | None = None, form: str | None = None):
        self.role, self.kids, self.attrs, self.form = role, [], attrs, form

    def used(self) -> bool:
        """True if some content or a form field hangs below this element."""
        return self.form is not None or any(not isinstance(k, Elem) or k.used() for k in self.kids)


ARTIFACT = Elem("Artifact")  # tag of content drawn again as furniture (repeated header cells)


class Tagger:
    """Structure elements in logical order, and the MCIDs handed out page by page."""

    def __init__(self):
        self.root = Elem("Document")
        self._parents = [self.root]
        self._mcids: dict[int, int] = {}
        self._level = 0
        self._sect: Elem | None = None
        self.drawn: list[tuple[int, str]] = []  # (page, text) of each piece of content, as drawn
        self.made: list[Elem] = []  # every element added, in document order

    def first_pages(self, starts: list[int]) -> list[int | None]:
        """The first page drawn on by the elements made from ``starts[i]`` up to the next start
        (the blocks of the body, one after the other); None if none was drawn."""
        bounds = [*starts, len(self.made)]
        return [min((kid[0] for elem in self.made[bounds[i]:bounds[i + 1]] for kid in elem.kids
                     if isinstance(kid, tuple)), default=None) for i in range(len(starts))]

    # -- building (at flowable creation, in document order) ---------------
    def add(self, role: str, attrs: dict | None = None, form: str | None = None) -> Elem:
        elem = Elem(role, attrs, form)
        self._parents[-1].kids.append(elem)
        self.made.append(elem)
        return elem

    @contextmanager
    def under(self, role: str, attrs: dict | None = None):
        """Elements added inside the block go below a new ``role`` element."""
        elem = self.add(role, attrs)
        self._parents.append(elem)
        try:
            yield elem
        finally:
            self._parents.pop()

    def paragraph(self, style: str) -> Elem:
        """The element of a paragraph of ``style``; an allegato's first line opens its ``Sect``."""
        if style == SECTION_START and self._parents[-1] in (self.root, self._sect):
            self._sect = Elem("Sect")
            self.root.kids.append(self._sect)
            self._parents[:] = [self.root, self._sect]
        if style in CAPTIONS:
            return self.add("Caption")
        if style in HEADINGS:
            self._level = min(HEADINGS[style], self._level + 1)
            return self.add(f"H{self._level}")
        return self.add("P")

    # -- drawing ------------------------------------------------------------
    def begin(self, canv, elem: Elem) -> None:
        if elem is ARTIFACT:
            emit(canv, "/Artifact BMC")
            return
        page = canv.getPageNumber()
        mcid = self._mcids.get(page, 0)
        self._mcids[page] = mcid + 1
        elem.kids.append((page, mcid))
        emit(canv, f"/{elem.role} <</MCID {mcid}>> BDC")


def end(canv) -> None:
    emit(canv, "EMC")


@contextmanager
def artifact(canv, kind: str = "Pagination"):
    """Everything drawn inside is page furniture, not content."""
    emit(canv, f"/Artifact <</Type /{kind}>> BDC")
    yield
    emit(canv, "EMC")


class TaggedParagraph(RLParagraph):
    """A paragraph whose drawing is marked content of its element (``tag``), also when split.

    Its lines are broken once per width until it is drawn: ReportLab wraps a table cell when
    its row is measured and again when it draws it, a paragraph kept with the next block when
    the group is measured and again in its frame (half of the reference acts' wraps)."""

    tag: Elem | None = None
    tagger: Tagger | None = None
    _wrapped: tuple | None = None  # (what decides the lines, the lines, the height) of the last wrap

    def wrap(self, availWidth, availHeight):
        style = self.style  # Paragraph.wrap reads these, the frags and the width, not availHeight
        key = (availWidth, style, style.leftIndent, style.firstLineIndent, style.rightIndent, style.wordWrap,
               style.leading, getattr(self, "autoLeading", None), getattr(style, "autoLeading", None), self.frags)
        done, lines = self._wrapped, self.__dict__.get("blPara")
        if done is not None and lines is done[1] and done[0] == key:
            self.width = availWidth
            self.height = done[2]
            return availWidth, done[2]
        size = super().wrap(availWidth, availHeight)
        fresh = self.__dict__.get("blPara")
        self._wrapped = (key, fresh, size[1]) if fresh is not lines else None
        return size

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for part in parts:
            part.tag, part.tagger = self.tag, self.tagger
        return parts

    def drawOn(self, canvas, x, y, _sW=0):
        self._wrapped = None  # drawing may rearrange the lines (right-to-left ones): broken again next time
        if self.tag is None:
            return super().drawOn(canvas, x, y, _sW)
        self.tagger.begin(canvas, self.tag)
        super().drawOn(canvas, x, y, _sW)
        end(canvas)
        if self.tag is not ARTIFACT:
            self.tagger.drawn.append((canvas.getPageNumber(), drawn_text(self)))

    def as_artifact(self) -> "TaggedParagraph":
        """A copy drawn as furniture (a header row repeated on a following page)."""
        if self.tagger is None:
            return self
        twin = copy.copy(self)
        twin.tag, twin._wrapped = ARTIFACT, None
        return twin


def drawn_text(paragraph: RLParagraph) -> str:
    """The words of the lines a laid-out paragraph (or the piece of one drawn on a page) draws."""
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:  # plain lines: (extra space, [word, …])
        return " ".join(" ".join(words) for _, words in lines)
    return " ".join("".join(getattr(frag, "text", "") for frag in line.words) for line in lines)


def tag(paragraph: TaggedParagraph, tagger: Tagger | None, elem: Elem | None) -> TaggedParagraph:
    paragraph.tag, paragraph.tagger = elem, tagger
    return paragraph


class _TaggedBullet(BulletDrawer):
    tag: Elem | None = None
    tagger: Tagger | None = None

    def drawOn(self, indenter, canv, x, y, _sW=0):
        if self.tag is None or not self.value:
            return super().drawOn(indenter, canv, x, y, _sW)
        self.tagger.begin(canv, self.tag)
        super().drawOn(indenter, canv, x, y, _sW)
        end(canv)
        self.tagger.drawn.append((canv.getPageNumber(), str(self.value)))


class TaggedList(ListFlowable):
    """A list whose bullets and numbers are the ``Lbl`` elements given, item by item."""

    def __init__(self, items, labels: list[Elem | None], tagger: Tagger | None, **kwargs):
        self._labels, self._tagger = iter(labels), tagger
        super().__init__(items, **kwargs)

    def _makeBullet(self, value, params=None):
        bullet = super()._makeBullet(value, params)
        bullet.__class__ = _TaggedBullet
        bullet.tag, bullet.tagger = next(self._labels, None), self._tagger
        return bullet


class Grid(Table):
    """A table whose backgrounds and rules are artifacts (its cells are tagged paragraphs)."""

    def _drawBkgrnd(self):
        with artifact(self.canv, "Layout"):
            super()._drawBkgrnd()

    def _drawLines(self):
        with artifact(self.canv, "Layout"):
            super()._drawLines()


# -- the structure tree, in the finished PDF ------------------------------------
def write_structure(doc: pikepdf.Pdf, tagger: Tagger, widgets: dict[str, pikepdf.Dictionary]) -> None:
    """Build /StructTreeRoot from ``tagger``; ``widgets`` are signature fields by name."""
    pages = [p.obj for p in doc.pages]
    parents: list[list] = [[] for _ in pages]  # per page, the element of each MCID
    extra: list[tuple[int, pikepdf.Object]] = []  # (StructParent key, element) of annotations
    next_key = len(pages)

    root = doc.make_indirect(Dictionary(Type=Name.StructTreeRoot))

    def build(elem: Elem, parent) -> pikepdf.Object:
        nonlocal next_key
        node = doc.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + elem.role), P=parent))
        if elem.attrs:
            node.A = Dictionary({"/" + k: Name("/" + v) for k, v in elem.attrs.items()})
        kids = []
        first_page = next((k[0] for k in elem.kids if not isinstance(k, Elem)), None)
        if first_page is not None:
            node.Pg = pages[first_page - 1]
        for kid in elem.kids:
            if isinstance(kid, Elem):
                if kid.used():
                    kids.append(build(kid, node))
                continue
            page, mcid = kid
            owners = parents[page - 1]
            owners.extend([None] * (mcid + 1 - len(owners)))
            owners[mcid] = node
            kids.append(mcid if page == first_page else
                        Dictionary(Type=Name.MCR, Pg=pages[page - 1], MCID=mcid))
        widget = widgets.get(elem.form) if elem.form else None
        if widget is not None:
            page = widget.get("/P")
            kids.append(Dictionary(Type=Name.OBJR, Obj=widget, **({"Pg": page} if page is not None else {})))
            widget.StructParent = next_key
            extra.append((next_key, node))
            next_key += 1
        if kids:
            node.K = kids[0] if len(kids) == 1 and not isinstance(kids[0], pikepdf.Object) else Array(kids)
        return node

    root.K = build(tagger.root, root)
    nums = []
    for index, (page, owners) in enumerate(zip(pages, parents)):
        page.StructParents = index
        nums += [index, doc.make_indirect(Array(owners))]
    for key, node in extra:
        nums += [key, node]
    root.ParentTree = doc.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = next_key
    doc.Root.StructTreeRoot = root
    doc.Root.MarkInfo = Dictionary(Marked=True)
    viewer = doc.Root.get("/ViewerPreferences")
    if not isinstance(viewer, pikepdf.Dictionary):
        viewer = doc.Root.ViewerPreferences = Dictionary()
    viewer.DisplayDocTitle = True
    for page in pages:
        if "/Annots" in page:
            page.Tabs = Name.S  # tab order follows the structure
