"""Dates written in an act's text: found in every Italian spelling, and checked.

- a date that does not exist (31 aprile 2021, 30.02.2021);
- a weekday named wrongly ("lunedì 15 ottobre 2020" when it was a Thursday);
- an end of validity ("fino al", "entro il", "termine ... al") before the act's own date.
The act's own date in the future, for an adopted act, is checked in ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from circolari.compose.italian import GIORNI, MESI, data_breve, data_lunga

_WEEKDAY = r"(?:(?P<weekday>" + "|".join(g.replace("ì", "[iì]'?") for g in GIORNI) + r")\s*,?\s+)?"
DATE = re.compile(
    r"(?=[\d" + "".join(sorted({g[0] for g in GIORNI})) + "])"  # a weekday's or a day's first character:
    + r"(?=\d|" + "|".join(sorted({g[:3] for g in GIORNI})) + ")"  # elsewhere fail at once (3x faster); then
    + _WEEKDAY                                                   # its first three letters (a quarter less)
    + r"(?:(?P<d1>\d{1,2})(?:°|º)?\s+(?P<month>" + "|".join(MESI) + r")\s+(?P<y1>\d{4})"
    + r"|(?P<d2>\d{1,2})(?P<sep>[./-])(?P<m2>\d{1,2})(?P=sep)(?P<y2>\d{4}))\b",
    re.IGNORECASE)
_END = re.compile(r"(?:fino\s+al(?:la\s+data\s+del)?|sino\s+al|entro\s+(?:e\s+non\s+oltre\s+)?il|"
                  r"termine[\w\s']{0,40}?\bal|scadenza\s+(?:del|al)|valid[oaie]\s+fino\s+al)\s*$",
                  re.IGNORECASE)


@dataclass(frozen=True)
class FoundDate:
    text: str
    start: int
    date: dt.date | None       # None when it does not exist
    weekday: str | None        # the weekday written before it, if any
    is_end: bool               # introduced by "fino al", "entro il", ...


def find(text: str) -> list[FoundDate]:
    found = []
    for m in DATE.finditer(text):
        if m.group("d1"):
            day, month, year = int(m.group("d1")), MESI.index(m.group("month").lower()) + 1, int(m.group("y1"))
        else:
            day, month, year = int(m.group("d2")), int(m.group("m2")), int(m.group("y2"))
        try:
            date = dt.date(year, month, day)
        except ValueError:
            date = None
        before = text[max(0, m.start() - 60):m.start()]
        weekday = m.group("weekday")
        found.append(FoundDate(m.group(0), m.start(), date, weekday.lower() if weekday else None,
                               bool(_END.search(before))))
    return found


def _weekday_index(name: str) -> int:
    plain = name.replace("'", "").replace("ì", "i")
    return [g.replace("ì", "i") for g in GIORNI].index(plain)


def problems_in(text: str, act_date: dt.date | None) -> list[tuple[str, str, str]]:
    """(level, message, date text) for each wrong date in ``text``."""
    out = []
    for f in find(text):
        if f.date is None:
            out.append(("errore", f"la data «{f.text}» non esiste", f.text))
            continue
        if f.weekday:
            written, real = _weekday_index(f.weekday), f.date.weekday()
            if written != real:
                out.append(("errore", f"«{f.text}»: il {data_lunga(f.date)} "
                                      f"era {GIORNI[real]}, non {GIORNI[written]}", f.text))
        if f.is_end and act_date and f.date < act_date:
            out.append(("avviso", f"termine «{f.text}» precedente alla data dell'atto "
                                  f"({data_breve(act_date)})", f.text))
    return out
