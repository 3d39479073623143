"""Write files so that nothing is ever half-written: temporary files beside the target, then renames."""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from circolari.errors import fail


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(target: Path, data: bytes | list[bytes], *, fsync: bool = False) -> Path:
    """``data`` (bytes, or pieces written one after the other) in full in a temporary file
    beside ``target``, with the mode a new file would get (mkstemp's is owner-only:
    colleagues on a shared folder could not read the act)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(data) if isinstance(data, list) else handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Replace ``path`` with ``data``: readers see the old file or the new one, never a part.
    ``fsync`` flushes to disk first (for what cannot be made again, such as journals and receipts)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path, data, fsync=fsync)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def inside(base: Path, name: str) -> Path:
    """``base/name``, refused unless it resolves inside ``base`` (links followed) and is no file."""
    base, target = Path(base), Path(base) / name
    if target.is_symlink() and not target.exists():
        raise fail("è un collegamento simbolico che non porta a nulla", file=target,
                   hint="rimuoverlo, poi ripetere il comando")
    try:
        resolved_base, resolved = base.resolve(), target.resolve()
    except (OSError, RuntimeError):
        raise fail("percorso non risolvibile (collegamenti simbolici in ciclo?)", file=target) from None
    if resolved == resolved_base or resolved_base not in resolved.parents:
        raise fail(f"i file verrebbero scritti fuori dalla cartella di uscita ({resolved})", file=target,
                   hint=f"si scrive solo dentro {base}: rimuovere il collegamento o rinominare l'atto")
    if target.exists() and not target.is_dir():
        raise fail("al posto della cartella dell'atto c'è un file", file=target,
                   hint="spostarlo o rimuoverlo, poi ripetere il comando")
    return target


@contextmanager
def locked(folder: Path, *, message: str = "un altro comando sta scrivendo questa cartella",
           hint: str = "attendere che finisca, poi ripetere il comando"):
    """Hold an exclusive lock on ``folder`` itself, never waiting (two renders of one act, or two
    mail commands on one batch, never interleave); ``message`` says who holds it."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise fail(message, file=folder, hint=hint) from None
        yield
    finally:
        os.close(fd)


def _remove_stale(folder: Path, names) -> None:
    """Temporary files left by an interrupted write of these files (only ours: we hold the lock)."""
    for name in names:
        for stale in folder.glob(f".{glob.escape(name)}.*.tmp"):
            stale.unlink(missing_ok=True)


def write_all(folder: Path, files: dict[str, bytes], *, protected: set[str] = frozenset(),
              force: bool = False, last: str | None = None) -> list[Path]:
    try:
        return _write_all(Path(folder), files, protected, force, last)
    except OSError as exc:
        from circolari.os_errors import os_failure

        raise os_failure(exc, folder) from None


def _write_all(folder: Path, files: dict[str, bytes], protected, force: bool, last) -> list[Path]:
    """Write ``files`` into ``folder``, all or nothing, under the folder's lock.

    Every file is first written in full to a temporary name beside its target;
    only when all are written are they renamed into place, so a failure leaves
    the folder as it was. ``last`` (the manifest) is removed before the others are
    renamed and put back after them: a folder whose manifest is missing or does not
    match its files is unfinished. A file named in ``protected`` (an issued act) that
    already exists with other content is not replaced unless ``force``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        _remove_stale(folder, files)
        if not force:
            for name in protected:
                target = folder / name
                if target.exists() and (not target.is_file() or target.read_bytes() != files[name]):
                    raise fail("l'atto risulta già emesso (ha protocollo o numero) e il file esistente è diverso",
                               file=target, hint="usare --forza per sostituirlo, o cambiare cartella di uscita")
        for name in files:
            if (folder / name).is_dir() and not (folder / name).is_symlink():
                raise fail("al posto del file c'è una cartella", file=folder / name,
                           hint="spostarla o rimuoverla, poi ripetere il comando")
        temps: dict[str, Path] = {}
        try:
            for name, data in files.items():
                temps[name] = _temporary(folder / name, data)
            if last in temps:
                (folder / last).unlink(missing_ok=True)
            order = [n for n in temps if n != last] + ([last] if last in temps else [])
            for name in order:
                os.replace(temps[name], folder / name)
            return [folder / name for name in files]
        finally:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
