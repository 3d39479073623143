"""What each page of a PDF draws, as a hash: two pages with the same key render the same pixels.

The key covers everything reachable from the page that a renderer reads (content streams,
resources with their fonts and images, annotations with their appearances, the boxes, the
rotation), by value and never by object number, so a page that did not change keeps its key
when the objects around it are renumbered. The way up (``/Parent``, an annotation's ``/P``) and
the structure-tree links (``/StructParent(s)``), which do not change the drawing, are left out.
``preview --watch`` re-encodes only the pages whose key changed.
"""

from __future__ import annotations

import hashlib
import io

_SKIP = {"/Parent", "/P", "/StructParent", "/StructParents", "/Metadata", "/PieceInfo", "/Thumb"}


def page_keys(pdf: bytes) -> list[str]:
    """One hex key per page of ``pdf``."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        memo: dict[tuple[int, int], bytes] = {}
        return [hashlib.sha256(_digest(page.obj, memo)).hexdigest() for page in doc.pages]


def _digest(obj, memo: dict) -> bytes:
    """A digest of ``obj``'s value; indirect objects are hashed once (cycles end at a marker)."""
    import pikepdf

    if not isinstance(obj, pikepdf.Object):  # pikepdf hands numbers and booleans as Python values
        return b"N" + repr(obj).encode("ascii")
    if obj.is_indirect:
        key = obj.objgen
        if key in memo:
            return memo[key]
        memo[key] = b"cycle"
        memo[key] = digest = _value(obj, memo, pikepdf)
        return digest
    return _value(obj, memo, pikepdf)


def _value(obj, memo: dict, pikepdf) -> bytes:
    h = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream):
        h.update(b"S")
        h.update(_dictionary(obj.stream_dict, memo, skip={"/Length"}))
        h.update(obj.read_raw_bytes())
    elif isinstance(obj, pikepdf.Dictionary):
        h.update(b"D")
        h.update(_dictionary(obj, memo))
    elif isinstance(obj, pikepdf.Array):
        h.update(b"A")
        for item in obj:
            h.update(_digest(item, memo))
    else:
        h.update(b"V")
        h.update(obj.unparse())
    return h.digest()


def _dictionary(obj, memo: dict, skip: set[str] = frozenset()) -> bytes:
    h = hashlib.sha256()
    for key in sorted(obj.keys()):
        if key in _SKIP or key in skip:
            continue
        h.update(key.encode("utf-8", "surrogateescape") + b"\0")
        h.update(_digest(obj[key], memo))
    return h.digest()
