"""Citations of other acts in the text: ``DGR n. XI/3681/2020``, ``l.r. n. 33/2009``, ``DL 44/2021``.

The legislature numeral of a regional act must fit its year; an act type nobody knows
(``FGR XI/3529/2020``, a typo for DGR) is flagged with the nearest known one.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from circolari.errors import did_you_mean
from circolari.model.delibera import LEGISLATURE, legislature_problem

# Act types, written without dots, spaces and case: "D.G.R." -> "dgr".
KNOWN_TYPES = {
    "dgr", "delibera", "delibere", "deliberazione", "deliberazioni", "dcr", "dpgr", "lr", "l", "legge",
    "dl", "dlgs", "dlg", "dpr", "dpcm", "dm", "ddg", "dds", "ddus", "decreto", "decreti", "circolare",
    "nota", "ordinanza", "rr", "reg", "regolamento", "ue", "ce", "cee",
}
REGIONAL = {"dgr", "delibera", "delibere", "deliberazione", "deliberazioni", "dcr", "dpgr"}

CITATION = re.compile(
    r"(?=\b[A-Za-z]|n|\d)"                                   # where one can start: elsewhere fail at once
    r"(?:(?P<type>\b[A-Za-z][A-Za-z.]{0,13}?)\.?\s+)?"        # DGR, D.G.R., d.g.r., l.r., Delibere
    r"(?:(?P<n>n\.|n°|nn\.)\s*)?"                            # n.
    r"(?:(?P<leg>\b[IVXL]{1,5})\s*/\s*)?"                    # XI/
    r"(?P<num>\b\d{1,5})\s*/\s*(?P<year>(?:19|20)\d\d)\b")   # 3681/2020
# In every citation: ``3681/2020``. A citation holds letters, digits, white space and «./°» only: any
# other character that is no word character (punctuation, brackets, quotes) ends a stretch of text no
# citation crosses, and ``\b`` reads it as it reads the end of the text. So the citations are sought
# only in the stretches that hold a number/year, the same matches as a search of the whole text.
_NUMBER_YEAR = re.compile(r"\d\s*/\s*(?:19|20)\d\d")
_STOP = re.compile(r"[^\w\s./°]")


@dataclass(frozen=True)
class Citation:
    text: str
    start: int
    kind: str | None   # normalised type, None when the citation continues a list ("e n. X/1185/2013")
    legislature: str | None
    number: int
    year: int


def _normal(kind: str | None) -> str | None:
    return re.sub(r"[.\s]", "", kind).lower() if kind else None


def _stretches(text: str):
    """(start, end) of each stretch of ``text`` between two stops that holds a number/year, in order."""
    stops = None
    last = (0, 0)
    for core in _NUMBER_YEAR.finditer(text):
        if core.start() < last[1]:
            continue  # in the stretch just given
        if stops is None:
            stops = [m.start() for m in _STOP.finditer(text)]
        i = bisect.bisect_left(stops, core.start())
        last = (stops[i - 1] + 1 if i else 0, stops[i] if i < len(stops) else len(text))
        yield last


def find(text: str) -> list[Citation]:
    found = []
    for m in (m for start, end in _stretches(text) for m in CITATION.finditer(text, start, end)):
        kind, formal = m.group("type"), bool(m.group("n") or m.group("leg"))
        if kind and _normal(kind) not in KNOWN_TYPES:
            if not _looks_like_type(kind) or not (formal or _closest_type(_normal(kind))):
                kind = None  # "e n. X/1185/2013" continues a list; "entro 31/2020" is no citation
        if kind is None and not formal:
            continue
        start = m.start() if kind else min(m.start(g) for g in ("n", "leg", "num") if m.group(g))
        found.append(Citation(text[start:m.end()], start, _normal(kind), m.group("leg"),
                              int(m.group("num")), int(m.group("year"))))
    return found


@functools.lru_cache(maxsize=1024)
def _closest_type(kind: str) -> str | None:
    """The hint naming the known act type closest to ``kind`` (the same words recur in an act's texts)."""
    return did_you_mean(kind, sorted(KNOWN_TYPES), show=str.upper)


def _looks_like_type(word: str) -> bool:
    """An abbreviation (DGR, D.G.R., FGR) rather than an ordinary word."""
    return bool(re.fullmatch(r"(?:[A-Z]{2,6}|(?:[A-Za-z]{1,4}\.){2,5}[A-Za-z]{0,4})", word))


def problems_in(text: str, act_year: int | None = None) -> list[tuple[str, str, str]]:
    """(level, message, cited text) for each wrong citation in ``text``."""
    out = []
    for c in find(text):
        kind = c.kind
        if kind is not None and kind not in KNOWN_TYPES:
            close = _closest_type(kind)
            hint = f": {close}" if close else ""
            out.append(("avviso", f"tipo di atto sconosciuto nella citazione «{c.text.strip()}»{hint}", c.text))
        if c.legislature:
            if c.legislature not in LEGISLATURE:
                out.append(("errore", f"«{c.legislature}» non è una legislatura regionale "
                                      f"({', '.join(LEGISLATURE)}) nella citazione «{c.text.strip()}»", c.text))
            elif kind is None or kind in REGIONAL or kind not in KNOWN_TYPES:
                why = legislature_problem(c.legislature, c.year)
                if why:
                    out.append(("errore", f"citazione «{c.text.strip()}»: {why}", c.text))
        if act_year and c.year > act_year:
            out.append(("avviso", f"la citazione «{c.text.strip()}» è di un anno ({c.year}) successivo "
                                  f"a quello dell'atto ({act_year})", c.text))
    return out
