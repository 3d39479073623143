"""Is an act file a letter series? Cheap enough for every ``render`` and ``diff`` to ask."""

from __future__ import annotations

from pathlib import Path

from circolari.errors import CircolariError


def is_series_file(path: Path) -> bool:
    """A circolare with a ``serie:`` block (read cheaply; the full load validates it)."""
    from circolari.input.load import load_yaml

    try:
        data = load_yaml(path).data
    except CircolariError:
        return False
    from circolari.kinds.circolare import CIRCOLARE

    return isinstance(data, dict) and data.get("tipo") == CIRCOLARE.name and "serie" in data
