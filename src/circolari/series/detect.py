"""Is an act file a letter series? Cheap enough for every ``render`` and ``diff`` to ask."""

from __future__ import annotations

from pathlib import Path

from circolari.errors import CircolariError


def is_series_file(path: Path) -> bool:
    """A circolare with a ``serie:`` block (the full load validates it). Without the words «serie»
    and «circolare» in its text it cannot be one, unless a double-quoted scalar spells them with
    escapes (``"\\x73erie"``) or a line break (``"se\\<newline>rie"``): then, and when both words
    are there, the file is loaded to see."""
    from circolari.input.files import read_text
    from circolari.input.load import load_yaml
    from circolari.kinds.circolare import CIRCOLARE

    try:
        text = read_text(path)
        if "\\" not in text and not ("serie" in text and CIRCOLARE.name in text):
            return False
        data = load_yaml(path).data
    except CircolariError:
        return False
    return isinstance(data, dict) and data.get("tipo") == CIRCOLARE.name and "serie" in data
