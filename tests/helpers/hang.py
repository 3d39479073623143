"""A safety net for tests of inputs that could hang a command (a FIFO read, a cost bomb)."""

from __future__ import annotations

import signal
from contextlib import contextmanager


@contextmanager
def no_hang(seconds: int = 120):
    """Not a timing assertion: a command that reads a FIFO, or whose cost explodes, would never end."""
    def stop(*_):
        raise AssertionError("the command hung")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
