"""Progress of a long batch: a rich bar (count, rate, time left) on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """``advance()`` after each item; ``close()`` at the end. Plain mode prints every tenth."""

    def __init__(self, total: int, label: str, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self._next = max(1, total // 10)
        self._bar = None
        if total and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn,
                                       TimeRemainingColumn)

            self._bar = Bar(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TextColumn("fine tra"), TimeRemainingColumn(),
                            console=Console(file=self.stream), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, rate="")

    def rate(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=f"{self.rate():.1f}/s")
        elif self.done >= self._next or self.done == self.total:
            self._next = self.done + max(1, self.total // 10)
            rate = self.rate()
            left = (self.total - self.done) / rate if rate else 0
            print(f"{self.label}: {self.done}/{self.total} ({rate:.1f}/s, fine tra {left:.0f} s)",
                  file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
