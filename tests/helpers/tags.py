"""Reading a tagged PDF back with tools this project did not write: poppler's pdfinfo and pikepdf."""

from __future__ import annotations

import hashlib
import os
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
SHARED: Path | None = None  # set by conftest: pdfinfo's output by file content, for every test worker


def _pdfinfo(pdf: Path, digest: str, option: str) -> str:
    """``pdfinfo OPTION PDF``'s output; once per file content in a test session, whichever
    worker asks first (the reference acts are read by tests spread over the workers; one that
    asks meanwhile waits for that output instead of computing it again)."""
    run = lambda: subprocess.run(["pdfinfo", option, str(pdf)], capture_output=True, text=True,  # noqa: E731
                                 check=True).stdout
    if SHARED is None:
        return run()
    import fcntl

    SHARED.mkdir(parents=True, exist_ok=True)
    kept = SHARED / f"{digest}{option}.txt"
    with open(SHARED / f"{digest}{option}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if pdfinfo fails
        if not kept.is_file():
            partial = kept.with_name(f"{kept.name}.{os.getpid()}")
            partial.write_text(run(), encoding="utf-8")
            os.replace(partial, kept)
        return kept.read_text(encoding="utf-8")


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
