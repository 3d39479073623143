"""A test result made once per run, whichever xdist worker asks first; the others wait for it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

FOLDER: Path | None = None  # set by conftest: a folder of this run that every test worker sees


def text(key: str, make: Callable[[], str]) -> str:
    """``make()``'s text for ``key``, made by the first test process of the run that asks (under a
    lock: one that asks meanwhile waits instead of making it again); made here when no run folder
    is set. Callers treat what it describes as read-only."""
    if FOLDER is None:
        return make()
    import fcntl

    FOLDER.mkdir(parents=True, exist_ok=True)
    kept = FOLDER / f"{key}.txt"
    with open(FOLDER / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if make() fails
        if not kept.is_file():
            partial = kept.with_name(f"{kept.name}.{os.getpid()}")
            partial.write_text(make(), encoding="utf-8")
            os.replace(partial, kept)
        return kept.read_text(encoding="utf-8")
