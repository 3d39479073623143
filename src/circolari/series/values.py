"""A table cell as a figure: numbers written the Italian way or as Excel numbers, dates."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from circolari.compose.italian import data_breve

_ITALIAN_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def to_number(value) -> Decimal:
    """12 / 12.5 (Excel) / «1.234,56» / «1234,56» / «1234.56» / «€ 1.234» / «50%» -> Decimal."""
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime)):
        raise ValueError
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = str(value).replace("€", "").replace("%", "").replace("\u00a0", "").replace(" ", "").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _ITALIAN_THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def to_date(value) -> dt.date:
    """An Excel date, «2021-05-31» or «31/05/2021» -> date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError


EXPECTED = {"importo": "un importo (es. 1.234,56)", "numero": "un numero (es. 12)",
            "percentuale": "una percentuale (es. 50)", "data": "una data (es. 31/05/2021)"}


def convert(value, kind: str):
    """The cell's value as the figure kind wants it; ``ValueError`` if it is not one."""
    return to_date(value) if kind == "data" else to_number(value)


def show(value) -> str:
    """A cell as the clerk typed it, for messages."""
    if isinstance(value, dt.datetime):
        return data_breve(value)
    return str(value)
