"""Reading input files: an Italian message naming the file for every failure.

Apart from ``load`` (YAML) so that commands reading only PDFs (``verify``, ``sign``) do not
load the YAML parser.
"""

from __future__ import annotations

from pathlib import Path

from circolari.errors import fail


def regular_file(path: Path, what: str = "file", hint: str = "controllare il percorso") -> Path:
    """``path``, if it is a regular file (links followed); else a clear error: missing, a folder, or a
    FIFO or device, which are never read (a FIFO would hang, ``/dev/zero`` would fill the memory)."""
    path = Path(path)
    if path.is_file():
        return path
    if path.is_dir():
        raise fail(f"{what}: è una cartella, non un file", file=path, hint=hint)
    if path.exists():
        raise fail(f"{what}: non è un file normale (è un dispositivo, una coda FIFO o simile)", file=path, hint=hint)
    raise fail(f"{what} non trovato", file=path, hint=hint)


def confined(path: Path, root: Path, what: str = "il file") -> Path:
    """``path`` if it resolves (links followed) inside ``root``; else an Italian error: a link in a
    project's templates or registry must not make the program read, print or copy a file elsewhere."""
    path, resolved = Path(path), Path(path).resolve()
    if not resolved.is_relative_to(Path(root).resolve()):
        raise fail(f"{what} è un collegamento a un file fuori dalla cartella {root} ({resolved})", file=path,
                   hint="copiare il file nella cartella al posto del collegamento")
    return path


def read_bytes(path: Path) -> bytes:
    """Read a regular file or fail with a clear message."""
    regular_file(path)
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
        raise fail("è una cartella, non un file", file=path, hint="al suo posto serve un file: spostarla o rinominarla")
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


def in_copy(file, old: Path, new: Path):
    """Where ``file`` (a path under folder ``old``) is in ``new``, a copy of ``old``; any other
    ``file`` (elsewhere, or not a path) as it is. For results kept from one folder and given for
    a copy that reads the same (the registry, the template checks)."""
    return new / file.relative_to(old) if isinstance(file, Path) and file.is_relative_to(old) else file
