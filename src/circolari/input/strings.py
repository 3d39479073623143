"""The strings of a loaded act: every string value with its path, and the line of a text inside one."""

from __future__ import annotations

from typing import Iterator


def all_strings(data, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string value of raw YAML data, with its path (the ``fatti`` block excluded)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not (path == () and key == "fatti"):
                yield from all_strings(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from all_strings(value, path + (i,))
    elif isinstance(data, str):
        yield path, data


def text_line(doc, path: tuple, needle: str) -> int | None:
    """The line of ``needle`` inside the YAML value at ``path`` (the field's line if not found)."""
    start = doc.line_of(path)
    lines = getattr(doc, "_source_lines", None)
    if lines is None:
        try:
            lines = doc.path.read_text(encoding="utf-8").split("\n")
        except OSError:
            lines = []
        doc._source_lines = lines
    if start and needle:
        probe = needle.strip()[:40]
        ends = sorted(v for v in doc.lines.values() if v > start)
        stop = ends[0] if ends else len(lines)
        for number in range(start, min(max(stop, start + 1), len(lines)) + 1):
            if probe and probe in lines[number - 1]:
                return number
    return start
