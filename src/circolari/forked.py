"""Work in a forked child while this process goes on (the second core of a cold command).

``start(function, *args)`` returns a callable that gives ``function(*args)``'s result. The child
is forked only from a single-threaded process on a system with ``fork``; the result comes back
pickled through a pipe. Whenever the child cannot give a result (no fork, it raised, it died,
the result does not pickle), the function runs again here, so the caller sees exactly what a
plain call would give, exceptions included.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def start(function: Callable[..., T], *args) -> Callable[[], T]:
    """Start ``function(*args)`` in a child if possible; call the result to wait for it."""
    forked = _fork(pipes=1)
    if forked is None:
        return lambda: function(*args)
    pid, (read_end, write_end) = forked
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, function, args)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        if _reap(pid) == 0 and data:
            import pickle

            try:
                return pickle.loads(data)
            except Exception:  # noqa: S110 (a damaged result: compute it here instead)
                pass
        return function(*args)

    return result


def _fork(pipes: int) -> tuple[int, list[int]] | None:
    """Open ``pipes`` pipes (their ends in order: read, write, read, write…), then fork: the
    child's pid here, 0 in the child (bound to end with this process); ``None``, nothing left
    open, in a process with other threads (never forked), without ``fork``, or if the system
    refuses a pipe or the fork (too many open files or processes)."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return None
    parent, ends = os.getpid(), []
    try:
        for _ in range(pipes):
            ends += os.pipe()
        pid = os.fork()
    except OSError:
        for end in ends:
            os.close(end)
        return None
    if pid == 0:
        _end_with(parent)
    return pid, ends


def _reap(pid: int) -> int:
    """Wait for child ``pid`` to end; its exit code, or 0 if the system reaped it itself (a
    caller that ignores SIGCHLD passes that on: no status is kept, and ``waitpid`` fails). What
    the child sent says then whether it finished: a pickle cut short does not load."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return 0
    return os.waitstatus_to_exitcode(status)


def _end_with(parent: int) -> None:
    """In a child just forked: be killed when ``parent`` ends, however it ends (Linux's
    parent-death signal). Else a parent killed mid-command (SIGKILL, SIGTERM, a caller's timeout)
    would leave the child working on, holding the caller's output pipes open until it is done."""
    import signal

    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (ImportError, OSError, AttributeError):  # not Linux: it ends when its pipe is next used
        pass
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


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


class Worker:
    """A child forked now, that gets ready (``warm``: imports, fonts) while this process goes
    on, then runs the jobs handed to it later, one at a time.

    A job is a generator function; each item it yields comes back pickled as soon as it is
    yielded. Whenever the child cannot give an item (no fork, it raised, it died, an item does
    not pickle), that job runs here from the start and every later job too, the items already
    received being skipped: the caller sees exactly what iterating ``function(*args)`` here
    gives, exceptions included. ``fork=False`` runs every job here.
    """

    def __init__(self, warm: Callable[[], object], *, fork: bool = True) -> None:
        self._pid = None
        self._unread = False
        forked = _fork(pipes=2) if fork else None
        if forked is None:
            return
        pid, (jobs_read, jobs_write, items_read, items_write) = forked
        if pid == 0:  # the child: never returns
            os.close(jobs_write)
            os.close(items_read)
            _serve(jobs_read, items_write, warm)
        os.close(jobs_read)
        os.close(items_write)
        self._pid = pid
        self._jobs = os.fdopen(jobs_write, "wb")
        self._results = os.fdopen(items_read, "rb")

    def run(self, function: Callable[..., Iterator[T]], *args) -> Iterator[T]:
        """The items of ``function(*args)``, computed in the child if it can (the job is
        handed over now, before the first item is asked for)."""
        if self._unread:  # the items of the last job not taken yet: passed over
            for _ in self._items(None, ()):
                pass
        if self._pid is not None:
            try:
                _send(self._jobs, (function, args))
                self._unread = True
            except Exception:  # the child is gone, or the job does not pickle
                self.close()
        return self._items(function, args)

    def _items(self, function: Callable[..., Iterator[T]] | None, args: tuple) -> Iterator[T]:
        """The items from the child; if it fails, those of ``function(*args)`` still untaken."""
        given = 0
        while self._pid is not None:
            try:
                more, item = _receive(self._results)
            except Exception:  # the child died or sent what does not unpickle
                self.close()
                break
            if not more:
                self._unread = False
                return
            given += 1
            yield item
        if function is not None:
            for index, item in enumerate(function(*args)):
                if index >= given:
                    yield item

    def close(self) -> None:
        """Stop the child and reap it. It holds nothing of value: its results were read or are
        not wanted, and it writes nowhere else (a child still warming up is not waited for)."""
        if self._pid is None:
            return
        import signal

        pid, self._pid, self._unread = self._pid, None, False
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended and the system reaped it (SIGCHLD ignored)
            pass
        for stream in (self._jobs, self._results):
            try:
                stream.close()
            except OSError:
                pass
        _reap(pid)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(jobs_fd: int, items_fd: int, warm: Callable[[], object]) -> None:
    code = 1
    try:
        try:
            warm()
        except Exception:  # noqa: S110 (the jobs then fail here, and run in the parent)
            pass
        with os.fdopen(jobs_fd, "rb") as jobs, os.fdopen(items_fd, "wb") as items:
            while True:
                try:
                    function, args = _receive(jobs)
                except EOFError:  # the parent is done
                    break
                for item in function(*args):
                    _send(items, (True, item))
                _send(items, (False, None))
        code = 0
    except BaseException:  # noqa: S110 (the parent computes the job again and sees the error itself)
        pass
    finally:
        os._exit(code)  # no atexit handlers, no flush of buffers inherited from the parent


def _send(stream, value) -> None:
    """One pickled message, length first; pickled whole before anything is written."""
    import pickle

    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream):
    """The next message; ``EOFError`` at the end of the stream or on a message cut short."""
    import pickle

    head = stream.read(8)
    size = int.from_bytes(head, "big") if len(head) == 8 else -1
    data = stream.read(size) if size >= 0 else b""
    if size < 0 or len(data) != size:
        raise EOFError("message cut short")
    return pickle.loads(data)
