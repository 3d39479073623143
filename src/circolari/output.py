"""Write files so that nothing is ever half-written: temporary files beside the target, then renames."""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

from circolari.errors import fail


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_PASSED: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """Fault-injection hook for the kill -9 tests: with ``CIRCOLARI_TEST_STOP=<name>`` (or
    ``<name>#<n>``) the process stops itself (SIGSTOP) the first (n-th) time it gets here; the
    test then kills it or lets it go on."""
    point, _, nth = os.environ.get("CIRCOLARI_TEST_STOP", "").partition("#")
    if point == name:
        _PASSED[name] = _PASSED.get(name, 0) + 1
        if _PASSED[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGSTOP)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temporary_file(target: Path, data: bytes | list[bytes], *, fsync: bool = False) -> Path:
    """``data`` (bytes, or pieces written one after the other) in full in a temporary file
    beside ``target``, with the mode a new file would get (mkstemp's is owner-only:
    colleagues on a shared folder could not read the act)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _about(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(data) if isinstance(data, list) else handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _about(exc, target) from None
        raise
    return Path(tmp)


def _about(exc: OSError, target: Path) -> OSError:
    """``exc`` naming ``target`` (what the clerk knows), not a temporary file or nothing."""
    return OSError(exc.errno, exc.strerror, str(target)) if exc.errno else exc


def write_atomic(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Replace ``path`` with ``data``: readers see the old file or the new one, never a part.
    ``fsync`` flushes to disk first (for what cannot be made again, such as journals and receipts)."""
    path = Path(path)
    if path.exists() and not path.is_dir() and not path.is_file():  # the rename would replace it
        raise fail("non è un file normale (è un dispositivo, una coda FIFO o simile): non viene sostituito",
                   file=path, hint="indicare il percorso di un file")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_file(path, data, fsync=fsync)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise _about(exc, path) from None
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
    mail commands on one batch, never interleave); ``message`` says who holds it. A folder replaced
    between opening and locking (a render swaps its act folder) is opened and locked again."""
    fd = _lock(Path(folder), message, hint)
    try:
        yield
    finally:
        os.close(fd)


def _lock(folder: Path, message: str, hint: str, attempts: int = 5) -> int:
    import fcntl

    for _ in range(attempts):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        checkpoint("lock-opened")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _same_inode(fd, folder):
                checkpoint("locked")
                return fd
        except BlockingIOError:
            os.close(fd)
            raise fail(message, file=folder, hint=hint) from None
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    raise fail(message, file=folder, hint=hint)


def _same_inode(fd: int, folder: Path) -> bool:
    try:
        here = os.stat(folder)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (here.st_dev, here.st_ino)


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` into ``folder``, all or nothing, under the folder's lock: every file is first
    written in full to a temporary name beside its target, then all are renamed into place.
    (An act's output folder is replaced whole instead: ``folder_swap.replace_folder``.)"""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with locked(folder):
            remove_stale_files(folder, files)
            temps: dict[str, Path] = {}
            try:
                for name, data in files.items():
                    temps[name] = temporary_file(folder / name, data)
                for name, tmp in temps.items():
                    os.replace(tmp, folder / name)
                return [folder / name for name in files]
            finally:
                for tmp in temps.values():
                    tmp.unlink(missing_ok=True)
    except OSError as exc:
        from circolari.os_errors import os_failure

        raise os_failure(exc, folder) from None


def remove_stale_files(folder: Path, names) -> None:
    """Temporary files left by an interrupted write of these files (only ours: we hold the lock)."""
    for name in names:
        for stale in folder.glob(f".{glob.escape(name)}.*.tmp"):
            stale.unlink(missing_ok=True)
