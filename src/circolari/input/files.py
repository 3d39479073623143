"""Reading input files: an Italian message naming the file for every failure.

Apart from ``load`` (YAML) so that commands reading only PDFs (``verify``, ``sign``) do not
load the YAML parser.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from circolari.errors import fail


def _mode(path: Path) -> int | None:
    """``st_mode`` of ``path``, links followed (one system call); None when nothing is there (as
    ``Path.exists``: missing, a dangling link, a file on the way); any other OS error (a link loop,
    a folder that may not be read) as an Italian error."""
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
        return None
    except OSError as exc:
        from circolari.os_errors import os_failure

        raise os_failure(exc, path) from None


def regular_file(path: Path, what: str = "file", hint: str = "controllare il percorso") -> Path:
    """``path``, if it is a regular file (links followed); else a clear error: missing, a folder, or a
    FIFO or device, which are never read (a FIFO would hang, ``/dev/zero`` would fill the memory)."""
    path = Path(path)
    mode = _mode(path)
    if mode is None:
        raise fail(f"{what} non trovato", file=path, hint=hint)
    if stat.S_ISREG(mode):
        return path
    if stat.S_ISDIR(mode):
        raise fail(f"{what}: è una cartella, non un file", file=path, hint=hint)
    raise fail(f"{what}: non è un file normale (è un dispositivo, una coda FIFO o simile)", file=path, hint=hint)


def within(resolved: str, top: str) -> bool:
    """Whether the resolved path ``resolved`` is the resolved folder ``top`` or inside it."""
    return resolved == top or resolved.startswith(top.rstrip(os.sep) + os.sep)


def confined(path: Path, root: Path, what: str = "il file", *, top: str | None = None) -> Path:
    """``path`` if it resolves (links followed) inside ``root``; else an Italian error: a link in a
    project's templates or registry must not make the program read, print or copy a file elsewhere.
    (``os.path.realpath``, not ``Path.resolve``: that raises RuntimeError on a link loop, and adds a
    ``stat`` and two paths built per call; a loop inside ``root`` is then the reader's error.)
    ``top``: ``os.path.realpath(root)``, given by a caller that checks many files of one folder."""
    path, resolved, top = Path(path), os.path.realpath(path), top or os.path.realpath(root)
    if not within(resolved, top):
        raise fail(f"{what} è un collegamento a un file fuori dalla cartella {root} ({resolved})", file=path,
                   hint="copiare il file nella cartella al posto del collegamento")
    return path


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        from circolari.os_errors import os_problem

        problem = os_problem(exc, path)
        raise fail(f"impossibile leggere il file: {problem.message}", file=path, hint=problem.hint) from None


def read_bytes(path: Path) -> bytes:
    """Read a regular file or fail with a clear message."""
    return _read(regular_file(path))


def read_text(path: Path) -> str:
    """Read a UTF-8 text file or fail with a clear message."""
    path = Path(path)
    mode = _mode(path)
    if mode is not None and stat.S_ISDIR(mode):
        raise fail("è una cartella, non un file", file=path, hint="al suo posto serve un file: spostarla o rinominarla")
    if mode is None:
        raise fail("file non trovato", file=path, hint="controllare il percorso")
    if not stat.S_ISREG(mode):
        raise fail("non è un file normale (è un dispositivo, una coda FIFO o simile)", file=path,
                   hint="indicare un file di testo")
    data = _read(path)
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
