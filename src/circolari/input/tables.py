"""Rows of an allegato's tables: inline, or read from a CSV/YAML file beside the act."""

from __future__ import annotations

import csv
from pathlib import Path

from circolari.errors import CircolariError, Problem, fail
from circolari.input.load import YamlDoc, load_yaml
from circolari.model.base import CONTROL_CHARS
from circolari.model.delibera import Tabella


def table_rows(table: Tabella, act: YamlDoc, at: tuple) -> list[list[str]]:
    """The rows of ``table``; ``at`` is its path in the act, for locating errors."""
    if table.righe is not None:
        return [list(row) for row in table.righe]
    path = (act.path.parent / table.file).resolve()
    root = _project_root(act.path)
    if root not in path.parents:
        raise fail(f"il file della tabella «{table.file}» è fuori dalla cartella del progetto ({path})",
                   file=act.path, line=act.line_of(at + ("file",)), field="file",
                   hint=f"copiarlo in {root} e indicarne il percorso relativo all'atto")
    if path.exists() and not path.is_file():
        raise fail(f"il file della tabella «{table.file}» è una cartella, una coda FIFO o un dispositivo ({path})",
                   file=act.path, line=act.line_of(at + ("file",)), field="file",
                   hint="indicare un file .csv o .yaml")
    if not path.is_file():
        raise fail(f"file della tabella «{table.file}» non trovato ({path})", file=act.path,
                   line=act.line_of(at + ("file",)), field="file",
                   hint="il percorso è relativo alla cartella dell'atto")
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(load_yaml(path), table)
    elif path.suffix.lower() in (".csv", ".tsv", ".txt"):
        rows = _csv_rows(path, len(table.colonne))
    else:
        raise fail("formato della tabella non riconosciuto: usare .csv o .yaml", file=act.path,
                   line=act.line_of(at + ("file",)), field="file")
    return rows


def _project_root(act: Path) -> Path:
    """The act's project folder (the one holding templates/ and recipients/), else its own folder."""
    folder = Path(act).resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / "templates").is_dir() and (candidate / "recipients").is_dir():
            return candidate
    return folder


def _check_cell(value: str, path: Path, line: int | None) -> str:
    match = CONTROL_CHARS.search(value)
    if match:
        raise fail(f"la cella contiene il carattere di controllo U+{ord(match.group()):04X}", file=path,
                   line=line, hint="toglierlo dal file")
    return value.strip()


MAX_ERRORS = 20  # a file with every row wrong says so after this many


def _csv_rows(path: Path, width: int) -> list[list[str]]:
    """CSV in UTF-8 with a header row; the delimiter (, ; or tab) is detected from the header.
    Read as a stream; after ``MAX_ERRORS`` wrong rows the check stops and says so."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return _csv_records(handle, path, width)
    except UnicodeDecodeError:
        raise fail("il file non è in codifica UTF-8", file=path, line=_first_bad_line(path),
                   hint="salvarlo come UTF-8 dall'editor") from None


def _first_bad_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8 (the file read in blocks)."""
    import codecs

    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            for i in range(0, len(block), 4096):
                piece = block[i:i + 4096]
                try:
                    decoder.decode(piece)
                except UnicodeDecodeError as exc:
                    return line + piece[:max(exc.start, 0)].count(b"\n")
                line += piece.count(b"\n")
    return None


def _csv_records(handle, path: Path, width: int) -> list[list[str]]:
    first = handle.readline()
    delimiter = max("\t;,", key=first.count)
    handle.seek(0)
    if handle.read(1) != "\ufeff":
        handle.seek(0)
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    problems, rows, line = [], [], 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise fail("CSV non valido: virgolette non chiuse o caratteri dopo una virgoletta di chiusura",
                       file=path, line=line, hint="controllare le virgolette da questa riga in poi") from None
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        while len(record) > width and not record[-1].strip():
            record = record[:-1]  # trailing empty cells (a common spreadsheet export)
        if len(record) != width:
            problems.append(Problem(f"la riga ha {len(record)} celle ma la tabella ha {width} colonne",
                                    file=path, line=start, hint=f"separatore rilevato: {delimiter!r}"))
            if len(problems) == MAX_ERRORS:
                problems.append(Problem(f"controllo interrotto dopo {MAX_ERRORS} righe errate: correggere "
                                        "queste e ripetere", file=path, line=start))
                break
            continue
        rows.append([_check_cell(cell, path, start) for cell in record])
    if problems:
        raise CircolariError(problems)
    return rows[1:]  # the first row is the header


def _yaml_rows(doc: YamlDoc, table: Tabella) -> list[list[str]]:
    """A YAML list of rows: each a list of cells, or a mapping from column header to cell."""
    headers = [c.intestazione for c in table.colonne]
    if not isinstance(doc.data, list):
        raise fail("il file della tabella deve essere un elenco di righe", file=doc.path, line=1)
    rows, problems = [], []
    for index, item in enumerate(doc.data):
        line = doc.line_of((index,))
        if isinstance(item, dict):
            unknown = set(item) - set(headers)
            if unknown:
                problems.append(Problem(f"colonne sconosciute: {', '.join(sorted(unknown))}", file=doc.path,
                                        line=line, hint=f"colonne: {', '.join(headers)}"))
                continue
            item = [item.get(h, "") for h in headers]
        if not isinstance(item, list) or len(item) != len(headers):
            size = len(item) if isinstance(item, list) else 1
            problems.append(Problem(f"la riga ha {size} celle ma la tabella ha {len(headers)} colonne",
                                    file=doc.path, line=line))
            continue
        rows.append([_check_cell("" if c is None else str(c), doc.path, line) for c in item])
    if problems:
        raise CircolariError(problems)
    return rows
