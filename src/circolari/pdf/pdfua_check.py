"""PDF/UA-1 (and PDF/A-2a) rules a machine can check, by Matterhorn Protocol checkpoint.

Run by ``pdfa_check.check_pdfa`` on a PDF that claims PDF/UA (``pdfuaid:part``) or
PDF/A level A. Each failure names its checkpoint ("MP 01" … "MP 31"); what is not
checked (alternative texts' meaning, reading order as a person reads the page, colour
contrast …) is listed in docs/pdfa.md. Cost is linear in the structure and content size.
"""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf
from pikepdf import Name

from circolari.pdf import walk as pdfwalk

# Standard structure types of ISO 32000-1, 14.8.4.
STANDARD = frozenset(
    "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private "
    "P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot "
    "Span Quote Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP "
    "Figure Formula Form".split())
# Allowed parents (ISO 32000-1, Tables 336 and 337).
PARENTS = {"LI": {"L"}, "Lbl": {"LI"}, "LBody": {"LI"},
           "TR": {"Table", "THead", "TBody", "TFoot"}, "TH": {"TR"}, "TD": {"TR"},
           "THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"}}
_PAINT = {"Tj", "TJ", "'", '"', "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do",
          "INLINE IMAGE"}  # pikepdf's operator of an inline image (BI ... ID ... EI)
# The operators _content reads: qpdf's parser hands back only these (with their own operands), so
# the text state, positioning and colour operators (4 in 5 of a page's) never become Python objects.
_READ = " ".join(sorted({"BDC", "BMC", "EMC", "BI", "ID", "EI"} | _PAINT - {"INLINE IMAGE"}))
_LIMIT = 1_000_000  # structure elements visited at most (a hostile file cannot loop us)


def claims_accessibility(ua_part: str | None, conformance: str | None) -> bool:
    return bool(ua_part) or conformance == "A"


def check_pdfua(doc: pikepdf.Pdf, ua_part: str | None, title: str | None) -> Iterator[tuple[str, str]]:
    """Failed checkpoints of a PDF claiming PDF/UA or PDF/A-2a, as (checkpoint, Italian message)."""
    if ua_part is not None and ua_part != "1":
        yield "MP 06", f"pdfuaid:part è {ua_part!r} invece di '1'"
    if not (title or "").strip():
        yield "MP 06", "i metadati XMP non hanno il titolo (dc:title)"
    root = doc.Root
    viewer = root.get("/ViewerPreferences")
    if not isinstance(viewer, pikepdf.Dictionary) or viewer.get("/DisplayDocTitle") is not True:
        yield "MP 07", "/ViewerPreferences non ha /DisplayDocTitle true: il lettore mostrerebbe il nome del file"
    if not str(root.get("/Lang", "")).strip():
        yield "MP 11", "il catalogo non dichiara la lingua del documento (/Lang)"
    mark = root.get("/MarkInfo")
    if not isinstance(mark, pikepdf.Dictionary) or mark.get("/Marked") is not True:
        yield "MP 01", "il catalogo non ha /MarkInfo << /Marked true >>: il PDF non si dichiara etichettato"
    elif mark.get("/Suspects") is True:
        yield "MP 01", "/MarkInfo ha /Suspects true"
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        yield "MP 01", "manca l'albero di struttura (/StructTreeRoot): un lettore di schermo non ha un ordine di lettura"
        return
    owners = _parent_tree(tree.get("/ParentTree"))
    yield from _structure(tree, owners)
    yield from _content(doc, owners)
    yield from _annotations(doc, owners)
    for where, name, font in pdfwalk.fonts(doc):
        if font.get("/Subtype") in (Name.Type0, Name.TrueType, Name.Type1) and "/ToUnicode" not in font \
                and font.get("/Subtype") != Name.CIDFontType2:
            base = str(font.get("/BaseFont", name)).lstrip("/")
            yield "MP 31", f"{where}: il carattere {base} non ha /ToUnicode: il testo non si può leggere ad alta voce"


def _parent_tree(node) -> dict[int, pikepdf.Object]:
    """The ParentTree number tree as a dict (bounded: each node read once)."""
    found: dict[int, pikepdf.Object] = {}
    queue, seen = [node], set()
    while queue:
        node = queue.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen and node.objgen != (0, 0):
            continue
        seen.add(node.objgen)
        nums = node.get("/Nums")
        if isinstance(nums, pikepdf.Array):
            for i in range(0, len(nums) - 1, 2):
                if isinstance(nums[i], int) or str(nums[i]).lstrip("-").isdigit():
                    found[int(nums[i])] = nums[i + 1]
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            queue.extend(kids)
    return found


def _role(elem, rolemap) -> str:
    role = str(elem.get("/S", "")).lstrip("/")
    for _ in range(8):  # RoleMap chains are short; a cycle stops here
        if role in STANDARD or not isinstance(rolemap, pikepdf.Dictionary) or "/" + role not in rolemap:
            break
        role = str(rolemap["/" + role]).lstrip("/")
    return role


def _attribute(elem, key: str):
    attrs = elem.get("/A")
    for attr in (attrs if isinstance(attrs, pikepdf.Array) else [attrs]):
        if isinstance(attr, pikepdf.Dictionary) and key in attr:
            return attr[key]
    return None


def _structure(tree: pikepdf.Dictionary, owners) -> Iterator[tuple[str, str]]:
    rolemap = tree.get("/RoleMap")
    kids = tree.get("/K")
    stack = [(k, "") for k in reversed(list(kids) if isinstance(kids, pikepdf.Array) else [kids])]
    seen: set = set()
    headings: list[int] = []
    plain_h = False
    bad_types: set[str] = set()
    while stack and len(seen) < _LIMIT:
        elem, parent = stack.pop()
        if not isinstance(elem, pikepdf.Dictionary) or "/S" not in elem:
            continue  # an MCID, a marked-content or object reference
        if elem.objgen != (0, 0):
            if elem.objgen in seen:
                continue
            seen.add(elem.objgen)
        role = _role(elem, rolemap)
        if role not in STANDARD:
            if role not in bad_types:
                bad_types.add(role)
                yield "MP 02", f"il tipo di struttura «{role}» non è standard né mappato su un tipo standard (/RoleMap)"
        elif role in PARENTS and parent not in PARENTS[role]:
            yield "MP 09", f"un elemento {role} sta dentro {parent or 'la radice'} invece che in " \
                              f"{' o '.join(sorted(PARENTS[role]))} (ISO 32000-1, tabelle 336-337)"
        if role == "H":
            plain_h = True
        elif len(role) == 2 and role[0] == "H" and role[1].isdigit():
            headings.append(int(role[1]))
        if role == "TH" and _attribute(elem, "/Scope") is None and _attribute(elem, "/Headers") is None:
            yield "MP 15", "una cella d'intestazione (TH) non ha l'attributo Scope"
        children = elem.get("/K")
        children = list(children) if isinstance(children, pikepdf.Array) else [children]
        if role == "L" and any(isinstance(c, pikepdf.Dictionary) and _role(c, rolemap) == "LI" and
                               any(isinstance(g, pikepdf.Dictionary) and _role(g, rolemap) == "Lbl"
                                   for g in _kids(c)) for c in children) \
                and _attribute(elem, "/ListNumbering") is None:
            yield "MP 16", "un elenco con etichette (Lbl) non ha l'attributo ListNumbering"
        stack.extend((c, role) for c in reversed(children))
    if headings and plain_h:
        yield "MP 14", "il documento usa sia H sia H1…H6"
    if headings and headings[0] != 1:
        yield "MP 14", f"il primo titolo è H{headings[0]} invece di H1"
    for previous, current in zip(headings, headings[1:]):
        if current > previous + 1:
            yield "MP 14", f"i livelli dei titoli saltano da H{previous} a H{current}"
            break


def _kids(elem) -> list:
    kids = elem.get("/K")
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _content(doc: pikepdf.Pdf, owners) -> Iterator[tuple[str, str]]:
    """Every painted thing inside marked content; each MCID owned by an element; none inside an Artifact."""
    for number, page in enumerate(doc.pages, start=1):
        key = page.obj.get("/StructParents")
        mcids = owners.get(int(key)) if key is not None else None
        stack: list[bool] = []  # True: inside an Artifact
        unmarked = tagged_in_artifact = unowned = False
        try:
            instructions = pikepdf.parse_content_stream(page, _READ)
        except pikepdf.PdfError:
            yield "MP 01", f"pagina {number}: il contenuto non si può leggere"
            continue
        for operands, operator in instructions:
            op = str(operator)
            if op in ("BDC", "BMC"):
                artifact = str(operands[0]) == "/Artifact"
                props = operands[1] if op == "BDC" and len(operands) > 1 else None
                if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                    if any(stack):
                        tagged_in_artifact = True
                    mcid = int(props.MCID)
                    if not isinstance(mcids, pikepdf.Array) or mcid >= len(mcids) \
                            or not isinstance(mcids[mcid], pikepdf.Dictionary):
                        unowned = True
                stack.append(artifact or bool(stack and stack[-1]))
            elif op == "EMC":
                if stack:
                    stack.pop()
            elif op in _PAINT and not stack:
                unmarked = True
        if unmarked:
            yield "MP 01", f"pagina {number}: contenuto né etichettato né marcato come artefatto"
        if tagged_in_artifact:
            yield "MP 01", f"pagina {number}: contenuto etichettato dentro un artefatto"
        if unowned:
            yield "MP 01", f"pagina {number}: contenuto marcato (MCID) senza elemento di struttura (/ParentTree)"


def _annotations(doc: pikepdf.Pdf, owners) -> Iterator[tuple[str, str]]:
    pages_with_annots = set()
    for index, annot in pdfwalk.annotations(doc):
        subtype = str(annot.get("/Subtype", ""))
        if subtype == "/Popup":
            continue
        pages_with_annots.add(index)
        where = f"pagina {index + 1}: annotazione {subtype.lstrip('/')}"
        key = annot.get("/StructParent")
        owner = owners.get(int(key)) if key is not None else None
        if not isinstance(owner, pikepdf.Dictionary):
            yield "MP 28", f"{where} fuori dall'albero di struttura"
        elif subtype == "/Widget" and str(owner.get("/S")) != "/Form":
            yield "MP 28", f"{where}: il campo è in un elemento {str(owner.get('/S')).lstrip('/')} invece che Form"
        if subtype == "/Widget" and not str(annot.get("/TU", annot.get("/Contents", ""))).strip():
            yield "MP 28", f"{where}: il campo non ha una descrizione (/TU) per il lettore di schermo"
    for index in sorted(pages_with_annots):
        if doc.pages[index].obj.get("/Tabs") != Name.S:
            yield "MP 28", f"pagina {index + 1}: ha annotazioni ma non /Tabs /S (ordine di tabulazione)"
