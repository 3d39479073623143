"""Write files so that nothing is ever half-written: temporary files beside the target, then renames."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .errors import fail


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(target: Path, data: bytes, *, fsync: bool = False) -> Path:
    """``data`` in full in a temporary file beside ``target``, with the mode a new file would get
    (mkstemp's is owner-only: colleagues on a shared folder could not read the act)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
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


def write_all(folder: Path, files: dict[str, bytes], *, protected: set[str] = frozenset(),
              force: bool = False) -> list[Path]:
    """Write ``files`` into ``folder``, all or nothing.

    Every file is first written in full to a temporary name beside its target;
    only when all are written are they renamed into place, so a failure leaves
    the folder as it was. A file named in ``protected`` (an issued act) that
    already exists with other content is not replaced unless ``force``.
    """
    folder = Path(folder)
    if not force:
        for name in protected:
            target = folder / name
            if target.exists() and target.read_bytes() != files[name]:
                raise fail("l'atto risulta già emesso (ha protocollo o numero) e il file esistente è diverso",
                           file=target, hint="usare --forza per sostituirlo, o cambiare cartella di uscita")
    folder.mkdir(parents=True, exist_ok=True)
    temps: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            temps.append((name, _temporary(folder / name, data)))
        written = []
        for name, tmp in temps:
            os.replace(tmp, folder / name)
            written.append(folder / name)
        return written
    finally:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
