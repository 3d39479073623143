"""Reading a tagged PDF back with tools this project did not write: poppler's pdfinfo and pikepdf."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

_ROLE = re.compile(r"^(Object \d+ \d+|[A-Za-z][A-Za-z0-9]*( \((block|inline)\))?:?)$")
SHOW_TEXT = {"Tj", "TJ", "'", '"'}


@dataclass
class Node:
    role: str
    text: str = ""
    attrs: list[str] = field(default_factory=list)
    kids: list["Node"] = field(default_factory=list)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def all_text(self) -> str:
        return self.text + "".join(kid.all_text() for kid in self.kids)


def squeeze(text: str) -> str:
    """Text without any whitespace: text extraction joins lines differently from the source."""
    return re.sub(r"\s+", "", text)


def struct_tree(pdf: Path, text: bool = True) -> Node:
    """The structure tree as ``pdfinfo -struct-text`` prints it (roles, attributes, text).

    Without ``text``, ``pdfinfo -struct``: poppler extracts each element's text by going
    over its page again, which takes minutes for thousands of table cells.
    The tree is read once per file content (several tests read the same act); treat it as read-only.
    """
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    if (digest, text) not in _TREES:
        _TREES[digest, text] = _parse(_pdfinfo(pdf, digest, "-struct-text" if text else "-struct"))
    return _TREES[digest, text]


_TREES: dict[tuple[str, bool], Node] = {}  # by content: a handful of acts per test session


def _pdfinfo(pdf: Path, digest: str, option: str) -> str:
    """``pdfinfo OPTION PDF``'s output; once per file content in a test run, whichever worker
    asks first (the reference acts are read by tests spread over the workers)."""
    from helpers import once_per_run

    return once_per_run.text(f"pdfinfo-{digest}{option}", lambda: subprocess.run(
        ["pdfinfo", option, str(pdf)], capture_output=True, text=True, check=True).stdout)


def _parse(out: str) -> Node:
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    text_of: Node | None = None  # inside a quoted text running over several lines
    for line in out.splitlines():
        if text_of is not None:
            text_of.text += "\n" + (line[:-1] if line.endswith('"') else line)
            text_of = None if line.endswith('"') else text_of
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if not stripped:
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        if stripped.startswith('"'):
            body = stripped[1:]
            if body.endswith('"'):
                stack[-1][1].text += body[:-1]
            else:
                stack[-1][1].text += body
                text_of = stack[-1][1]
        elif stripped.startswith("/"):
            stack[-1][1].attrs.append(stripped)
        else:
            assert _ROLE.match(stripped), line
            node = Node("Object" if stripped.startswith("Object") else stripped.split()[0].rstrip(":"))
            stack[-1][1].kids.append(node)
            stack.append((indent, node))
    return root.kids[0] if len(root.kids) == 1 else root


def signing_changes(original: Path, signed: Path) -> list[str]:
    """What signing ``original`` into ``signed`` changed beyond adding a signature (none: ``[]``).

    Nothing, when ``signed`` is ``original``'s bytes plus an incremental update that redefines only
    the Info dictionary and the XMP metadata, the catalog by adding ``/Extensions``, the AcroForm by
    adding ``/SigFlags``, and signature widgets in their ``/V`` and ``/AP`` (an appearance with no
    marked content that has an MCID); every other object ``original`` defines is the same (its
    dictionary, its raw stream bytes), as qpdf reads both files without repairing either."""
    before, after = original.read_bytes(), signed.read_bytes()
    if not after.startswith(before):
        return ["not an incremental update: the original bytes are not the start of the signed file"]
    problems = []
    with pikepdf.open(original, attempt_recovery=False) as old, pikepdf.open(signed, attempt_recovery=False) as new:
        root = old.Root
        if root.objgen != new.Root.objgen:
            problems.append("another catalog object")
        free = {root.Metadata.objgen, old.trailer.Info.objgen if "/Info" in old.trailer else None}
        allowed = {root.objgen: {"/Extensions"}, root.AcroForm.objgen: {"/SigFlags"}}
        for was in old.objects:
            now = new.get_object(was.objgen)  # as the newest revision defines it
            if was.objgen in free or _raw(was) == _raw(now):
                continue
            dicts = isinstance(was, pikepdf.Dictionary) and isinstance(now, pikepdf.Dictionary)
            changed = {k for k in {*was.keys(), *now.keys()} if _entry(was, k) != _entry(now, k)} if dicts else {""}
            if dicts and was.get("/Subtype") == "/Widget" and was.get("/FT") == "/Sig":
                problems += [f"signature widget {was.objgen}: {p}" for p in _appearance_mcids(now.get("/AP"))]
                allowed[was.objgen] = {"/V", "/AP"}
            what = was.get("/Type", "") if isinstance(was, (pikepdf.Dictionary, pikepdf.Stream)) else ""
            problems += [f"object {was.objgen} {what} changed {k}".replace("  ", " ").rstrip()
                         for k in sorted(changed - allowed.get(was.objgen, set()))]
    return problems


def _raw(obj) -> bytes | None:
    """An object as written (the indirect objects inside it by their number), a stream with its
    raw bytes; a value that is an indirect object: its number."""
    if not isinstance(obj, pikepdf.Object):
        return None if obj is None else repr(obj).encode()  # a number or a boolean
    if isinstance(obj, pikepdf.Stream):
        return obj.stream_dict.unparse() + b" stream " + obj.read_raw_bytes()
    return obj.unparse(resolved=True)


def _entry(dictionary, key) -> bytes | None:
    value = dictionary.get(key)
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return b"%d %d R" % value.objgen
    return _raw(value)


def _appearance_mcids(appearance) -> list[str]:
    """Marked content with an MCID (or properties not written inline) in an appearance's streams and
    the forms they draw: text a structure reader could take for the page's."""
    problems, todo, seen = [], [appearance] if appearance is not None else [], set()
    while todo:
        obj = todo.pop()
        if isinstance(obj, pikepdf.Stream):
            if obj.objgen in seen and obj.objgen != (0, 0):
                continue
            seen.add(obj.objgen)
            for operands, operator in pikepdf.parse_content_stream(obj):
                if str(operator) == "BDC" and not (isinstance(operands[1], pikepdf.Dictionary)
                                                   and "/MCID" not in operands[1]):
                    problems.append(f"appearance {obj.objgen}: BDC {operands[0]} with an MCID or named properties")
            todo += list(obj.get("/Resources", {}).get("/XObject", {}).values())
        elif isinstance(obj, pikepdf.Dictionary):
            todo += list(obj.values())  # /N, /R, /D: a stream or a dictionary of states
    return problems


def unmarked_text(pdf: Path) -> list[tuple[int, str]]:
    """Text-showing operators outside any marked-content sequence: (page number, operator)."""
    found = []
    with pikepdf.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            depth = 0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    depth += 1
                elif op == "EMC":
                    depth -= 1
                    assert depth >= 0, f"page {number}: EMC without BDC"
                elif op in SHOW_TEXT and depth == 0:
                    found.append((number, op))
            assert depth == 0, f"page {number}: unbalanced marked content"
    return found


def mcid_problems(pdf: Path) -> list[str]:
    """Each MCID in a page's content must have its structure element in the ParentTree, and back."""
    problems = []
    with pikepdf.open(pdf) as doc:
        nums = doc.Root.StructTreeRoot.ParentTree.Nums
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page in enumerate(doc.pages, start=1):
            used = []
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                    used.append(int(operands[1].MCID))
            owners = tree.get(int(page.obj.StructParents))
            if owners is None:
                problems.append(f"page {number}: no ParentTree entry")
                continue
            if sorted(used) != list(range(len(owners))):
                problems.append(f"page {number}: MCIDs {sorted(used)[:5]}… vs {len(owners)} ParentTree entries")
            for mcid, owner in enumerate(owners):
                if not isinstance(owner, pikepdf.Dictionary) or owner.get("/Type") != "/StructElem":
                    problems.append(f"page {number}: MCID {mcid} has no structure element")
    return problems
