"""The one error type the clerk sees: a located, Italian, actionable message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    """One problem in an input file: where it is, what is wrong, how to fix it."""

    message: str
    file: Path | str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    level: str = "errore"

    def format(self) -> str:
        # a file name that is not UTF-8 (undecodable bytes) is shown escaped, never a UnicodeError
        where = str(self.file).encode("utf-8", "backslashreplace").decode("utf-8") if self.file else ""
        if self.line:
            where += f":{self.line}"
        text = self.message
        if self.field:
            text = f"campo '{self.field}': {text}"
        if self.hint:
            text += f" ({self.hint})"
        return f"{where}: {self.level}: {text}" if where else f"{self.level}: {text}"


class CircolariError(Exception):
    """Invalid input or state; carries one or more located problems."""

    def __init__(self, problems: Problem | list[Problem]):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(p.format() for p in self.problems))


def fail(message: str, *, file=None, line=None, field=None, hint=None) -> CircolariError:
    """Build a one-problem error, for ``raise fail(...)``."""
    return CircolariError(Problem(message, file=file, line=line, field=field, hint=hint))


def did_you_mean(name: str, known, *, lead: str = "forse", show=str) -> str | None:
    """The hint for a misspelt name: 'forse «saluti»?' with the closest of ``known``
    (difflib, similarity at least 0.6), written by ``show``; None when nothing is close."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"{lead} «{show(close[0])}»?" if close else None
