"""openpyxl's private worksheet parser, used here and nowhere else.

``ReadOnlyWorksheet.iter_rows`` pads every row to the sheet's width (the declared
``<dimension>`` or the row's last cell) and yields an empty row for every missing row number:
a 5 KB workbook declaring ``A1:XFD1048576``, or holding one cell at ``XFD1048576``, costs 10^10
steps. The parser behind it (``openpyxl.worksheet._reader.WorkSheetParser``) yields only the
cells the sheet's XML holds, with their row and column: reading is linear in the XML.
``check()`` states what this assumes; ``tests/test_series_table.py`` runs it.
"""

from __future__ import annotations

from collections.abc import Iterator


def sparse_rows(ws) -> Iterator[tuple[int, dict[int, object]]]:
    """``(row number, {column number: value})`` for each row the XML of read-only sheet ``ws``
    holds, in order; values as ``iter_rows(values_only=True)`` gives them (shared strings, dates)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ws.parent
    with ws._get_source() as source:
        parser = WorkSheetParser(source, ws._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            yield number, {cell["column"]: cell["value"] for cell in cells}


def check() -> None:
    """A workbook with a gap, a date and a shared string reads as openpyxl's own rows say."""
    import io
    from datetime import datetime

    from openpyxl import Workbook, load_workbook

    book = Workbook()
    book.active["A1"], book.active["C1"] = "ente", "data"
    book.active["A4"], book.active["C4"] = "asst-lecco", datetime(2021, 5, 31)
    data = io.BytesIO()
    book.save(data)
    ws = load_workbook(data, read_only=True, data_only=True).active
    sparse = list(sparse_rows(ws))
    assert sparse == [(1, {1: "ente", 3: "data"}), (4, {1: "asst-lecco", 3: datetime(2021, 5, 31)})], sparse
    dense = {n: row for n, row in enumerate(ws.iter_rows(values_only=True), start=1) if any(row)}
    assert {n: tuple(cells.get(c) for c in range(1, 4)) for n, cells in sparse} == dense, dense
