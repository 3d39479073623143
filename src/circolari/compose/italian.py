"""Dates the Italian way, as the acts print them and as messages quote them.

One list of months and weekdays for the templates' filters (``data_lunga``, ``data_breve``),
the reading of dates in the text (``review/dates.py``) and the messages. Written by hand rather
than with Babel's ``format_date``: Babel loads its Italian locale data on first use (about
0.2 s, a third of a cold render of a circolare); ``tests/test_compose_italian.py`` checks every
month and weekday against Babel's CLDR names.
"""

from __future__ import annotations

import datetime as dt

MESI = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
        "agosto", "settembre", "ottobre", "novembre", "dicembre")
GIORNI = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


def data_lunga(value: dt.date) -> str:
    """15 ottobre 2020"""
    return f"{value.day} {MESI[value.month - 1]} {value.year}"


def data_breve(value: dt.date) -> str:
    """15/10/2020"""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"
