"""The Italian dates and figures of acts and messages (``compose/italian.py``) agree with Babel's CLDR data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal

from circolari.compose.italian import GIORNI, data_breve, data_lunga, numero, pagine
from circolari.compose.placeholders import format_value
from circolari.model.fatti import FORMATI, Fatto


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


NUMBERS = ["0", "-0", "1", "-1", "0.5", "2.5", "3.5", "0.0005", "0.0015", "-0.0001", "12.5", "190", "999.9995",
           "1000", "-1234.5", "28000000", "10000000.004", "1234567.891", "0.125", "1E+3", "1.10", "7E-10",
           "123456789012345678.25", "Infinity", "-Infinity"]


@pytest.mark.parametrize("text", NUMBERS)
def test_figures_are_written_as_babel_writes_them(text):
    value = Decimal(text)
    assert numero(value) == format_decimal(value, locale="it_IT")
    assert numero(value, (2, 2)) == format_decimal(value, format="#,##0.00", locale="it_IT")
    assert numero(value, (0, 0)) == format_decimal(value, format="#,##0", locale="it_IT")


BABEL_DATES = {"lunga": "d MMMM y", "settimana": "EEEE d MMMM y", "punti": "dd.MM.y",
               "barre": "dd/MM/y", "barre-corta": "d/M/y"}
BABEL_NUMBERS = {"euro": "€ {:#,##0.00}", "euro-intero": "€ {:#,##0}", "intero": "{:#,##0}",
                 "decimali": "{:#,##0.00}", "numero": "{:#,##0.###}", "percentuale": "{:#,##0.###}%"}


@pytest.mark.parametrize("kind", sorted(FORMATI))
def test_every_fatti_format_is_babels(kind):
    values = ([dt.date(2021, 5, 31), dt.date(2020, 1, 9), dt.date(987, 12, 1)] if kind == "data"
              else [Decimal(t) for t in ("28000000", "190", "12.5", "-0.25", "1234.5678")])
    for formato in FORMATI[kind]:
        for value in values:
            if kind == "data":
                expected = format_date(value, BABEL_DATES[formato], locale="it_IT")
            else:
                prefix, pattern, suffix = BABEL_NUMBERS[formato].replace("}", "{").split("{")
                expected = prefix + format_decimal(value, format=pattern[1:], locale="it_IT") + suffix
            assert format_value(Fatto(**{kind: value}), formato) == expected, (formato, value)


def test_page_counts_agree_in_number():
    assert [pagine(n) for n in (0, 1, 2, 16)] == ["0 pagine", "1 pagina", "2 pagine", "16 pagine"]
