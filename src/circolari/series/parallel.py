"""Run one function over a series' letters in worker processes (here, if one job)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed


def parallel_map(function, items: list, jobs: int | None, initializer, initargs):
    """``function`` over ``items`` in ``jobs`` processes (default: the machine's cores), in
    completion order; ``initializer(*initargs)`` first runs here, and again in each worker that is
    started rather than forked (where ``fork`` does not exist).

    The first item is done here, before the workers fork: they inherit what it and the
    initializer loaded (modules, parsed templates, fonts, pyHanko, the initializer's state)
    instead of each loading it again. Two items or fewer are all done here."""
    jobs = jobs or os.cpu_count() or 1
    initializer(*initargs)
    if items:
        yield function(items[0])
    rest = items[1:]
    if jobs <= 1 or len(rest) <= 1:
        for item in rest:
            yield function(item)
        return
    import multiprocessing

    forking = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forking else None)
    with ProcessPoolExecutor(max_workers=min(jobs, len(rest)), mp_context=context,
                             initializer=None if forking else initializer, initargs=initargs) as pool:
        for future in as_completed([pool.submit(function, item) for item in rest]):
            yield future.result()
