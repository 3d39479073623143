"""series.parallel: the first item is done in the calling process, before the workers fork."""

from __future__ import annotations

import os

from circolari.series.parallel import parallel_map

_STARTED: list[int] = []
_DONE: set[int] = set()


def _start(tag: str) -> None:
    _STARTED.append(os.getpid())


def _record(item: int) -> tuple[int, int, bool]:
    """(item, process, whether this process had the first item done when it got this one)."""
    first_done = 0 in _DONE
    _DONE.add(item)
    return item, os.getpid(), first_done


def test_first_item_is_done_here_and_the_workers_forked_after_it_inherit_it():
    _STARTED.clear()
    _DONE.clear()
    results = list(parallel_map(_record, [0, 1, 2, 3], 2, _start, ("x",)))
    assert results[0] == (0, os.getpid(), False)        # here, first
    assert sorted(item for item, _, _ in results[1:]) == [1, 2, 3]
    assert all(pid != os.getpid() and first_done for _, pid, first_done in results[1:])
    assert _STARTED == [os.getpid()]                     # here once; the workers' runs are in their copies


def test_two_items_or_fewer_are_all_done_here():
    for items in ([], [0], [0, 1]):
        _DONE.clear()
        results = list(parallel_map(_record, items, 2, _start, ("x",)))
        assert [r[:2] for r in results] == [(i, os.getpid()) for i in items]
