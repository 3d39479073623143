"""The Italian dates of acts and messages (``compose/italian.py``) agree with Babel's CLDR data."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date

from circolari.compose.italian import GIORNI, data_breve, data_lunga


@pytest.mark.parametrize("month", range(1, 13))
def test_dates_are_written_as_babel_writes_them(month):
    for day in (1, 9, 28):
        date = dt.date(2020, month, day)
        assert data_lunga(date) == format_date(date, "d MMMM y", locale="it_IT")
        assert data_breve(date) == format_date(date, "dd/MM/y", locale="it_IT")
        assert GIORNI[date.weekday()] == format_date(date, "EEEE", locale="it_IT")


def test_the_template_filters_are_these_formatters():
    from circolari.compose.jinja import environment
    from conftest import ROOT

    filters = environment((ROOT / "templates").resolve()).filters
    assert filters["data_lunga"] is data_lunga and filters["data_breve"] is data_breve
