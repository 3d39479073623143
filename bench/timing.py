"""CPU time of a call, for the bench scripts that time in process."""

from __future__ import annotations

import time


def best(run, rounds: int = 5, repeat: int = 10) -> float:
    """Milliseconds of CPU per call of ``run``, the best of ``rounds`` rounds of ``repeat`` calls
    (after one call to warm up)."""
    run()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeat):
            run()
        times.append((time.process_time() - start) / repeat * 1000)
    return min(times)
