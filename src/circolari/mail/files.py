"""Small file helpers: content hashes and the per-act lock (atomic writes: circolari.output)."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

from circolari.errors import fail
from circolari.output import _temporary as temporary_file  # noqa: F401  (re-exported)
from circolari.output import write_atomic  # noqa: F401  (re-exported for the mail modules)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def exclusive_lock(folder: Path):
    """Hold ``folder/.lock`` exclusively: one prepare/send/receipts at a time per act."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise fail("un'altra operazione di invio è in corso su questo atto", file=folder,
                       hint="attendere che finisca (o chiudere l'altro terminale) "
                            "e riprovare") from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


SENDING_MARK = ".invio"


@contextmanager
def sending_mark(folder: Path):
    """Held by ``mail send`` while it runs, so that ``mail status`` can tell a message
    being sent right now ("in invio") from one left behind by a stopped run."""
    import fcntl

    with open(folder / SENDING_MARK, "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def sending_in_progress(folder: Path) -> bool:
    """Whether a ``mail send`` holds ``folder``'s sending mark (read-only probe)."""
    import fcntl

    try:
        f = open(folder / SENDING_MARK, "rb")
    except FileNotFoundError:
        return False
    with f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        return False
