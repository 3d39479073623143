"""A series table: rows keyed by registry id, from XLSX (openpyxl, read-only), CSV or YAML.

The first row (CSV, XLSX) holds the field names; every cell keeps its place (sheet, row,
column letter) so that each problem names it the way the clerk finds it in Excel.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import fail
from circolari.input.files import read_text
from circolari.input.load import load_yaml


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as Excel names columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Cell:
    value: object  # str, int, float, datetime, date or None (empty)
    letter: str    # Excel column letter; empty for YAML


@dataclass
class Row:
    number: int                      # row of the sheet, line of the CSV or YAML file
    cells: dict[str, Cell] = field(default_factory=dict)

    def value(self, column: str):
        cell = self.cells.get(column)
        return None if cell is None else cell.value


@dataclass
class Table:
    path: Path
    sheet: str | None                # XLSX sheet name
    columns: list[str]
    rows: list[Row]

    def where(self, row: Row | int | None, column: str | None = None) -> str:
        """«foglio «Riparto», riga 5, colonna C (importo)»: how the clerk finds the cell."""
        number = row.number if isinstance(row, Row) else row
        parts = [f"foglio «{self.sheet}»"] if self.sheet else []
        if number:
            parts.append(f"riga {number}")
        if column:
            letter = ""
            if column in self.columns and self.path.suffix.lower() not in (".yaml", ".yml"):
                letter = column_letter(self.columns.index(column))
            parts.append(f"colonna {letter} ({column})" if letter else f"campo «{column}»")
        return ", ".join(parts)


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read the table at ``path``; a located Italian error if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise fail("tabella della serie non trovata", file=path,
                   hint="il percorso in 'serie.tabella' è relativo alla cartella dell'atto")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(path, sheet)
    if sheet is not None:
        raise fail("'serie.foglio' vale solo per una cartella Excel (.xlsx)", file=path)
    if suffix in (".csv", ".txt"):
        return _csv(path)
    if suffix in (".yaml", ".yml"):
        return _yaml(path)
    raise fail("formato della tabella non riconosciuto", file=path,
               hint="usare una cartella Excel .xlsx, un file .csv o un file .yaml")


def _header(cells: dict[int, object], path: Path, where: str) -> list[str]:
    """The column names of the first row, ``cells`` by 0-based column (sparse: a sheet may hold one
    cell at column XFD); names stop at the first empty cell with nothing after it."""
    names = []
    for index in range(len(cells) + 1):  # a gap is found within len(cells) + 1 columns
        value = cells.get(index)
        name = "" if value is None else str(value).strip()
        if not name:
            if any(v not in (None, "") for i, v in cells.items() if i > index):
                raise fail(f"{where}, colonna {column_letter(index)}: intestazione vuota", file=path, line=1,
                           hint="la prima riga deve dare un nome a ogni colonna usata")
            break
        if name in names:
            raise fail(f"{where}, colonna {column_letter(index)}: colonna «{name}» ripetuta", file=path, line=1,
                       hint="ogni colonna deve avere un nome diverso")
        names.append(name)
    if not names:
        raise fail(f"{where}: manca la riga di intestazione", file=path, line=1,
                   hint="la prima riga deve contenere i nomi delle colonne (es. ente, importo)")
    return names


def _rows(records, columns: list[str], first: int) -> list[Row]:
    rows = []
    for number, values in records:
        if number < first or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        cells = {}
        for index, name in enumerate(columns):
            value = values[index] if index < len(values) else None
            if isinstance(value, str):
                value = value.strip() or None
            cells[name] = Cell(value, column_letter(index))
        rows.append(Row(number, cells))
    return rows


MAX_XLSX_BYTES = 50 * 2**20  # an .xlsx's members, uncompressed (a series table is a few hundred KB)


def _xlsx(path: Path, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from circolari.series.openpyxl_compat import sparse_rows

    unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, IndexError,
                  SyntaxError)  # SyntaxError: the XML parsers' errors (expat's, lxml's)
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(member.file_size for member in archive.infolist())
        if size > MAX_XLSX_BYTES:  # zipfile never inflates a member beyond its declared size
            raise fail(f"la cartella Excel è troppo grande: {size // 2**20} MB una volta decompressa "
                       f"(al massimo {MAX_XLSX_BYTES // 2**20} MB)", file=path,
                       hint="tenere nella cartella solo la tabella della serie")
        book = load_workbook(path, read_only=True, data_only=True)
    except unreadable as exc:
        raise fail(f"la cartella Excel non si può leggere ({type(exc).__name__})", file=path,
                   hint="salvarla da Excel come «Cartella di lavoro Excel (.xlsx)»") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise fail(f"foglio «{sheet}» non presente nella cartella Excel", file=path, field="serie.foglio",
                       hint="fogli presenti: " + ", ".join(book.sheetnames))
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        name = ws.title
        records = [(number, {column - 1: value for column, value in cells.items()})
                   for number, cells in sparse_rows(ws)]
    except unreadable as exc:
        raise fail(f"il foglio della cartella Excel non si può leggere ({type(exc).__name__})", file=path,
                   hint="salvarla da Excel come «Cartella di lavoro Excel (.xlsx)»") from None
    finally:
        book.close()
    if not records:
        raise fail(f"foglio «{name}» vuoto", file=path, hint="la prima riga contiene i nomi delle colonne")
    columns = _header(records[0][1] if records[0][0] == 1 else {}, path, f"foglio «{name}», riga 1")
    width = len(columns)
    return Table(path, name, columns, _rows([(number, [cells.get(i) for i in range(width)])
                                             for number, cells in records], columns, 2))


def _csv(path: Path) -> Table:
    text = read_text(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = max("\t;,", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    try:
        start = 1
        for values in reader:
            records.append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise fail(f"CSV non valido alla riga {reader.line_num}: {exc}", file=path, line=reader.line_num,
                   hint="controllare le virgolette") from None
    if not records:
        raise fail("file CSV vuoto", file=path, hint="la prima riga contiene i nomi delle colonne")
    columns = _header(dict(enumerate(records[0][1])), path, "riga 1")
    return Table(path, None, columns, _rows(records[1:], columns, 2))


def _yaml(path: Path) -> Table:
    doc = load_yaml(path)
    if not isinstance(doc.data, list) or not all(isinstance(item, dict) for item in doc.data):
        raise fail("la tabella YAML deve essere un elenco di voci '- ente: ...'", file=path, line=1)
    columns: list[str] = []
    for item in doc.data:
        columns += [str(k) for k in item if str(k) not in columns]
    rows = []
    for index, item in enumerate(doc.data):
        rows.append(Row(doc.line_of((index,)) or index + 1,
                        {name: Cell(item.get(name) if not isinstance(item.get(name), str)
                                    else (item[name].strip() or None), "") for name in columns}))
    return Table(path, None, columns, rows)
