"""Reading a series table from hostile .xlsx files: cost linear in the file, Italian errors, no traceback."""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import pytest

from circolari.errors import CircolariError
from circolari.series.table import MAX_XLSX_BYTES, read_table
from helpers.hang import no_hang

SHEET = "xl/worksheets/sheet1.xml"


@lru_cache(maxsize=1)
def _plain_workbook() -> bytes:
    """A two-column table (header and two bodies) as openpyxl saves it, made once per process."""
    from openpyxl import Workbook

    book = Workbook()
    for row in (["ente", "importo"], ["asst-lecco", 10], ["asst-lodi", 20]):
        book.active.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _workbook(path: Path, edit=None) -> Path:
    """The plain table at ``path``, its first sheet's XML changed by ``edit``."""
    with zipfile.ZipFile(BytesIO(_plain_workbook())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == SHEET and edit:
                data = edit(data.decode()).encode()
            target.writestr(member.filename, data)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(CircolariError) as info:
        read_table(path)
    return str(info.value.problems[0].message)


def test_openpyxl_private_parser_is_where_the_table_reader_expects():
    from circolari.series.openpyxl_compat import check

    check()


def test_xlsx_declaring_the_whole_sheet_with_a_far_cell_reads_only_its_cells(tmp_path):
    """5 KB declaring A1:XFD1048576 with a cell at XFD1048576: openpyxl's rows padded to it cost 10^10."""
    def far(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t>'
                                           "</is></c></row></sheetData>")

    path = _workbook(tmp_path / "tabella.xlsx", far)
    with no_hang():
        table = read_table(path)
    assert table.columns == ["ente", "importo"]
    assert [(r.number, r.value("ente"), r.value("importo")) for r in table.rows] == [
        (2, "asst-lecco", 10), (3, "asst-lodi", 20)]  # row 1048576 has nothing in these columns


def test_xlsx_header_with_a_far_cell_names_the_first_empty_column(tmp_path):
    path = _workbook(tmp_path / "tabella.xlsx", lambda xml: xml.replace(
        "</row>", '<c r="XFD1" t="inlineStr"><is><t>lontana</t></is></c></row>', 1))
    with no_hang():
        assert _refused(path) == "foglio «Sheet», riga 1, colonna C: intestazione vuota"


@pytest.mark.parametrize("edit", [
    lambda xml: xml[: len(xml) // 2],  # truncated
    lambda xml: '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'  # entity amplification
                + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
                + "]>" + xml.replace("<t>asst-lodi</t>", "<t>&i;</t>"),
    lambda xml: xml.replace('r="A2"', 'r="ZZZZ2"'),  # a column beyond Excel's
], ids=["troncato", "entita", "colonna"])
def test_unreadable_sheet_xml_is_an_italian_error(tmp_path, edit):
    message = _refused(_workbook(tmp_path / "tabella.xlsx", edit))
    assert message.startswith("il foglio della cartella Excel non si può leggere ("), message


def test_xlsx_inflating_beyond_the_bound_is_refused_before_reading(tmp_path):
    path = tmp_path / "tabella.xlsx"
    _workbook(path)
    # deflate's fastest level: 51 MB of zeros in half the time, still under 1% of the bound
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/media/zeri.bin", "w", force_zip64=True) as member:
            block = bytes(2**20)
            for _ in range(MAX_XLSX_BYTES // len(block) + 1):
                member.write(block)
    assert path.stat().st_size < MAX_XLSX_BYTES // 100
    assert _refused(path).startswith("la cartella Excel è troppo grande: 51 MB una volta decompressa")
