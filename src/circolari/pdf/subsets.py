"""Distinct, deterministic font subset tags (ISO 32000-1, 9.6.4).

ReportLab names the first subset of every font ``AAAAAA+``; the tag is meant to
tell subsets apart. Each tag becomes six letters derived from a hash of the
subset's font program, so the same input still gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re

import pikepdf
from pikepdf import Name

from circolari.pdf import walk as pdfwalk

_TAGGED = re.compile(r"^[A-Z]{6}\+")


def _letters(digest: bytes) -> str:
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def retag_subsets(doc: pikepdf.Pdf) -> None:
    """Give every embedded subset font a tag derived from its program, unique in ``doc``."""
    used: set[str] = set()
    for _, _, font in pdfwalk.fonts(doc):
        base = str(font.get("/BaseFont", ""))[1:]
        descriptor = font.get("/FontDescriptor")
        if not _TAGGED.match(base) or not isinstance(descriptor, pikepdf.Dictionary):
            continue
        program = next((descriptor[k] for k in pdfwalk.EMBEDDED_KEYS
                        if isinstance(descriptor.get(k), pikepdf.Stream)), None)
        if program is None:
            continue
        digest = hashlib.sha256(program.read_raw_bytes() + base[7:].encode()).digest()
        tag = _letters(digest)
        while tag in used:  # a clash of two different subsets: rehash, still deterministic
            digest = hashlib.sha256(digest).digest()
            tag = _letters(digest)
        used.add(tag)
        name = Name("/" + tag + base[6:])
        font.BaseFont = name
        if "/FontName" in descriptor:
            descriptor.FontName = name
