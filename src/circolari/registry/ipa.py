"""Read IndicePA (IPA) open-data files as a user downloads them, one row at a time.

Two files matter: the entities file (one row per body, with its domicilio digitale in
Mail1..Mail5) and the AOO file (registry offices, each with its protocol PEC). Both come
in today's layout (CSV or JSON with ``Codice_IPA``, ``Denominazione_ente``,
``Codice_fiscale_ente``, ``Mail1``/``Tipo_Mail1`` ...) and in the older tab-separated one
(``amministrazioni.txt`` / ``aoo.txt`` with ``cod_amm``, ``des_amm``, ``Cf``, ``mail1``/
``tipo_mail1`` ..., where empty cells read ``null``). Columns are found by name, so their
order and any extra column do not matter. Rows stream: memory does not grow with the file.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from circolari.errors import fail

_ALIASES = {  # our name -> header names (lowercase) in the current and the old layout
    "codice_ipa": ("codice_ipa", "cod_amm"),
    "denominazione": ("denominazione_ente", "des_amm"),
    "codice_fiscale": ("codice_fiscale_ente", "cf"),
    "codice_aoo": ("codice_uni_aoo", "cod_aoo"),
    "descrizione_aoo": ("denominazione_aoo", "descrizione_aoo", "des_aoo"),
    "data": ("data_aggiornamento",),
}
_MAILS = tuple((f"mail{i}", f"tipo_mail{i}") for i in range(1, 6))
_EMPTY = ("", "null")
csv.field_size_limit(1 << 20)


@dataclass(frozen=True)
class IpaRow:
    """One body (``codice_aoo`` None) or one registry office of a body, with its PEC addresses."""

    codice_ipa: str
    denominazione: str
    codice_fiscale: str | None
    pecs: tuple[str, ...]
    codice_aoo: str | None
    descrizione_aoo: str | None
    data: str | None
    file: Path
    line: int

    @property
    def pec(self) -> str | None:
        return self.pecs[0] if self.pecs else None

    @property
    def is_aoo(self) -> bool:
        return self.codice_aoo is not None


Keep = Callable[[str, str], bool]
"""``keep(codice_ipa_lowercase, codice_fiscale)``: whether a row is worth building (speed)."""
OnHeader = Callable[[bool], bool]
"""``on_header(is_aoo_file)``, called once the header is read: False stops the reading there."""


def read_rows(path: Path, keep: Keep | None = None, on_header: OnHeader | None = None) -> Iterator[IpaRow]:
    """The rows of one IPA file (entities or AOO, any layout) that ``keep`` accepts;
    bad files fail with file and line."""
    path = Path(path)
    if not path.is_file():
        raise fail("file IndicePA non trovato" if not path.exists() else "non è un file", file=path,
                   hint="indicare il file scaricato da indicepa.gov.it (enti o AOO)")
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            head = handle.read(4096)
            handle.seek(0)
            if head.lstrip()[:1] in ("[", "{"):
                yield from _json_rows(handle, path, keep, on_header)
            else:
                delimiter = "\t" if "\t" in head.split("\n", 1)[0] else _delimiter(head)
                yield from _csv_rows(handle, path, delimiter, keep, on_header)
    except UnicodeDecodeError:
        raise fail("il file non è in codifica UTF-8", file=path,
                   hint="riscaricarlo da indicepa.gov.it senza aprirlo e risalvarlo con un foglio di calcolo") from None
    except OSError as exc:
        raise fail(f"impossibile leggere il file: {exc.strerror}", file=path) from None


def _delimiter(head: str) -> str:
    first = head.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


class _Columns:
    """Where each needed field is in a row, from the header."""

    def __init__(self, header: list[str], path: Path):
        names = {h.strip().lower(): i for i, h in enumerate(header)}
        self.index = {key: next((names[a] for a in aliases if a in names), None) for key, aliases in _ALIASES.items()}
        self.mails = [(names[m], names[t]) for m, t in _MAILS if m in names and t in names]
        missing = [] if self.index["codice_ipa"] is not None else ["Codice_IPA (o cod_amm)"]
        if missing or not self.mails:
            raise fail("non è un file IndicePA degli enti o delle AOO: mancano le colonne "
                       + ", ".join(missing + ([] if self.mails else ["Mail1/Tipo_Mail1"])), file=path, line=1,
                       hint="usare il file 'Enti' o 'Aree Organizzative Omogenee' di indicepa.gov.it (CSV, JSON "
                            "o amministrazioni.txt)")

    @property
    def is_aoo(self) -> bool:
        return self.index["codice_aoo"] is not None

    def row(self, cells, path: Path, line: int, keep: Keep | None = None) -> IpaRow | None:
        get = self._getter(cells)
        code = get("codice_ipa")
        if not code or (keep is not None and not keep(code.lower(), get("codice_fiscale"))):
            return None
        pecs = []
        for mail, kind in self.mails:
            address = _cell(cells, mail)
            if address and _cell(cells, kind).lower() == "pec" and address not in pecs:
                pecs.append(address)
        aoo = get("codice_aoo") if self.index["codice_aoo"] is not None else None
        return IpaRow(code, get("denominazione"), get("codice_fiscale") or None, tuple(pecs), aoo,
                      get("descrizione_aoo") or None, get("data") or None, path, line)

    def _getter(self, cells):
        return lambda key: _cell(cells, self.index[key]) if self.index[key] is not None else ""


def _cell(cells, index) -> str:
    value = cells[index].strip() if index < len(cells) else ""
    return "" if value.lower() in _EMPTY else value


def _csv_rows(handle, path: Path, delimiter: str, keep, on_header) -> Iterator[IpaRow]:
    reader = csv.reader(handle, delimiter=delimiter, strict=True,
                        quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL)
    try:
        header = next(reader, None)
        if header is None:
            raise fail("file vuoto", file=path)
        columns = _Columns(header, path)
        if on_header is not None and on_header(columns.is_aoo) is False:
            return
        for cells in reader:
            row = columns.row(cells, path, reader.line_num, keep)
            if row is not None:
                yield row
    except csv.Error:
        raise fail("CSV non valido: virgolette non chiuse o riga malformata", file=path, line=reader.line_num,
                   hint="il file è troncato o modificato: riscaricarlo da indicepa.gov.it") from None


def _json_rows(handle, path: Path, keep, on_header) -> Iterator[IpaRow]:
    """A JSON array of records streams; an object holding one (``records``, ``result.records``) is read whole."""
    first = handle.read(1)
    while first.isspace():
        first = handle.read(1)
    records = _stream_array(handle, path) if first == "[" else iter(_records_in(_load_rest(first, handle, path), path))
    header, columns = None, None
    for number, record in records:
        if not isinstance(record, dict):
            raise fail('JSON non valido: ogni voce deve essere un oggetto {"Codice_IPA": ...}', file=path, line=number)
        keyed = {str(k).strip().lower(): v for k, v in record.items()}
        if columns is None:
            header = list(keyed)
            columns = _Columns(header, path)
            if on_header is not None and on_header(columns.is_aoo) is False:
                return
        cells = ["" if keyed.get(name) is None else str(keyed[name]) for name in header]
        row = columns.row(cells, path, number, keep)
        if row is not None:
            yield row


def _load_rest(first: str, handle, path: Path):
    try:
        return json.loads(first + handle.read())
    except json.JSONDecodeError as exc:
        raise fail("JSON non valido: file troncato o malformato", file=path, line=exc.lineno,
                   hint="riscaricarlo da indicepa.gov.it") from None


def _records_in(data, path: Path):
    for holder in (data, data.get("result") if isinstance(data, dict) else None):
        if isinstance(holder, dict) and isinstance(holder.get("records"), list):
            return list(enumerate(holder["records"], start=1))
    raise fail("JSON non riconosciuto: atteso un elenco di enti o un oggetto con 'records'", file=path, line=1)


def _stream_array(handle, path: Path, chunk: int = 1 << 16):
    """(line, value) for each element of a JSON array, decoding one element at a time."""
    decoder = json.JSONDecoder()
    buffer, line, done = "", 1, False
    while True:
        stripped = buffer.lstrip(" \t\r\n,")
        line += buffer[: len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if buffer.startswith("]"):
            return
        try:
            value, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError as exc:
            if done:
                raise fail("JSON non valido: file troncato o malformato", file=path, line=line + exc.lineno - 1,
                           hint="riscaricarlo da indicepa.gov.it") from None
            more = handle.read(chunk)
            done = not more
            buffer += more
            continue
        yield line, value
        line += buffer[:end].count("\n")
        buffer = buffer[end:]


def normalize(text: str) -> str:
    """Casefolded, accents and apostrophes removed: for matching words of a name."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def search(paths: list[Path], query: str, limit: int = 20) -> list[IpaRow]:
    """Bodies (not AOO) whose IPA code or fiscal code is ``query``, or whose name holds all its words."""
    wanted = query.strip()
    words = normalize(wanted).split()
    if not words:
        raise fail("indicare un codice IPA, un codice fiscale o parole del nome", field="CERCA")
    exact, by_name = [], []
    for path in paths:
        for row in read_rows(path):
            if row.is_aoo:
                continue
            if row.codice_ipa.lower() == wanted.lower() or (row.codice_fiscale and row.codice_fiscale == wanted):
                exact.append(row)
            elif len(by_name) <= limit:
                name = f" {normalize(row.denominazione)} "
                if all(f" {w} " in name or (len(w) > 3 and w in name) for w in words):
                    by_name.append(row)
    return exact or by_name
