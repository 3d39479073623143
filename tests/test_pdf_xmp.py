"""PDF dates (``pdf/xmp.py``): written by hand, read back with pikepdf's decoder."""

from __future__ import annotations


def test_pdf_dates_read_back_what_is_written():
    """Written by hand (the PDF's bytes), read by pikepdf's decoder: the same instant, offset kept."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from circolari.pdf.xmp import parse_pdf_date, pdf_date

    for when in (dt.datetime(2020, 10, 26, 12, tzinfo=ZoneInfo("Europe/Rome")),
                 dt.datetime(2021, 5, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
                 dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)):
        text = pdf_date(when)
        assert text.endswith("'") and parse_pdf_date(text) == when
        assert parse_pdf_date(text).utcoffset() == when.utcoffset()
    assert parse_pdf_date("D:20201326120000") is None and parse_pdf_date("") is None and parse_pdf_date(None) is None
