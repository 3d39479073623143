"""The mail folder's lock and sending mark (atomic writes, hashes and folder locks: circolari.output)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from circolari.output import locked


MAIL_DIR = "mail"


def mail_dir_of(act_dir: Path) -> Path:
    """The act's mail folder (messages, journal, receipts): here, not in ``prepare``, so that
    send, status, receipts and imap load none of preparing's machinery (pydantic, the project)."""
    return Path(act_dir) / MAIL_DIR


def exclusive_lock(folder: Path):
    """Hold ``folder`` exclusively: one prepare/send/receipts at a time per act."""
    folder.mkdir(parents=True, exist_ok=True)
    return locked(folder, message="un'altra operazione di invio è in corso su questo atto",
                  hint="attendere che finisca (o chiudere l'altro terminale) e riprovare")


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
