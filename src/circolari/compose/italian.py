"""Dates and figures the Italian way, as the acts print them and as messages quote them.

One list of months and weekdays for the templates' filters (``data_lunga``, ``data_breve``),
the reading of dates in the text (``review/dates.py``), the ``fatti`` figures and the messages;
one number formatter (``numero``: CLDR's Italian decimal pattern ``#,##0.###`` and its
variants). Written by hand rather than with Babel: Babel loads its Italian locale data on
first use (about 40 ms of a cold render, a sixth of what circolari adds to its libraries);
``tests/test_compose_italian.py`` checks every month, weekday and number format against
Babel's ``format_date`` and ``format_decimal``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

MESI = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
        "agosto", "settembre", "ottobre", "novembre", "dicembre")
GIORNI = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


def data_lunga(value: dt.date) -> str:
    """15 ottobre 2020"""
    return f"{value.day} {MESI[value.month - 1]} {value.year}"


def data_breve(value: dt.date) -> str:
    """15/10/2020"""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def pagine(count: int) -> str:
    """1 pagina, 3 pagine"""
    return f"{count} pagin{'a' if count == 1 else 'e'}"


def numero(value: Decimal, decimals: tuple[int, int] = (0, 3)) -> str:
    """``value`` with Italian separators (28.000.000,5), rounded half-even to at most
    ``decimals[1]`` decimals and padded to at least ``decimals[0]``: Babel's
    ``format_decimal`` with pattern ``#,##0.###`` (0, 3), ``#,##0.00`` (2, 2) or ``#,##0`` (0, 0)."""
    least, most = decimals
    negative = value.is_signed()
    value = abs(value).normalize()
    if value.is_infinite():
        number = "∞"
    else:
        whole, _, fraction = f"{value.quantize(Decimal(10) ** -most):f}".partition(".")
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        number = ".".join([whole, *groups])
        fraction = (fraction or "0").ljust(least, "0")
        if most and (least or int(fraction)):
            number += "," + fraction.rstrip("0").ljust(least, "0")
    return "-" + number if negative else number
