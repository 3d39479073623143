"""Old runs' temp folders deleted while the tests run, not after them.

pytest keeps the temp folders of the last three runs (``tmp_path_retention_count``) and deletes
the older ones when the run ends, in the process that started it, after the last test: ~17,000
files of a full run, seconds of waiting for the disk, added to every run's time on a machine
that ran the suite before (none on a fresh CI machine). A thread of that process deletes the
same folders, with pytest's own function and arguments, from the start of the session; the
session's end waits for it, and pytest's deletion then finds nothing left. Runs given a
``--basetemp``, policies that delete the current run's folder too (``none``) and runs that
only collect (no temp folder of their own) are left to pytest."""

from __future__ import annotations

import threading

_THREADS: list[threading.Thread] = []


def start(config) -> None:
    """In the process that holds the run's numbered temp folder, start deleting the old ones."""
    from _pytest.pathlib import LOCK_TIMEOUT, cleanup_numbered_dir  # fails loudly if pytest renames them

    factory = config._tmp_path_factory
    if factory._given_basetemp is not None or factory._retention_policy == "none" or config.option.collectonly:
        return
    keep = factory._retention_count
    if keep < 1:
        return
    basetemp = factory.getbasetemp()  # made now (as pytest-xdist makes it for its workers)
    thread = threading.Thread(target=cleanup_numbered_dir, name="old-temp-runs", daemon=True,
                              args=(basetemp.parent, "pytest-", keep, basetemp.stat().st_mtime - LOCK_TIMEOUT))
    thread.start()
    _THREADS.append(thread)


def join() -> None:
    """Wait for the deletion (before pytest's own, at the end of the session)."""
    while _THREADS:
        _THREADS.pop().join()
