"""Write an act's outputs all or nothing: temporary files, then renames."""

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


def write_all(folder: Path, files: dict[str, bytes], *, protected: set[str] = frozenset(),
              force: bool = False) -> list[Path]:
    """Write ``files`` into ``folder``.

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
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())
            temps.append((name, Path(tmp)))
        written = []
        for name, tmp in temps:
            os.replace(tmp, folder / name)
            written.append(folder / name)
        return written
    finally:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
