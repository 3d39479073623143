"""Run one function in a forked child while this process goes on (the second core of a cold command).

``start(function, *args)`` returns a callable that gives ``function(*args)``'s result. The child
is forked only from a single-threaded process on a system with ``fork``; the result comes back
pickled through a pipe. Whenever the child cannot give a result (no fork, it raised, it died,
the result does not pickle), the function runs again here, so the caller sees exactly what a
plain call would give, exceptions included.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def start(function: Callable[..., T], *args) -> Callable[[], T]:
    """Start ``function(*args)`` in a child if possible; call the result to wait for it."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return lambda: function(*args)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return lambda: function(*args)
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, function, args)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0 and data:
            import pickle

            try:
                return pickle.loads(data)
            except Exception:  # noqa: S110 (a damaged result: compute it here instead)
                pass
        return function(*args)

    return result


def _child(write_end: int, function: Callable, args: tuple) -> None:
    code = 1
    try:
        import pickle

        data = pickle.dumps(function(*args), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        code = 0
    except BaseException:  # noqa: S110 (the parent computes it again and sees the error itself)
        pass
    finally:
        os._exit(code)  # no atexit handlers, no flush of buffers inherited from the parent
