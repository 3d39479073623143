"""Reading input files: an Italian message naming the file for every failure.

Apart from ``load`` (YAML) so that commands reading only PDFs (``verify``, ``sign``) do not
load the YAML parser.
"""

from __future__ import annotations

from pathlib import Path

from circolari.errors import fail


def read_bytes(path: Path) -> bytes:
    """Read a file or fail with a clear message."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        from circolari.os_errors import os_problem

        problem = os_problem(exc, path)
        raise fail(f"impossibile leggere il file: {problem.message}", file=path, hint=problem.hint) from None


def read_text(path: Path) -> str:
    """Read a UTF-8 text file or fail with a clear message."""
    path = Path(path)
    if path.is_dir():
        raise fail("è una cartella, non un file", file=path)
    if not path.exists():
        raise fail("file non trovato", file=path, hint="controllare il percorso")
    if not path.is_file():
        raise fail("non è un file normale (è un dispositivo, una coda FIFO o simile)", file=path,
                   hint="indicare un file di testo")
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail("il file non è in codifica UTF-8", file=path, line=line,
                   hint="salvarlo come UTF-8 dall'editor") from None
