"""Change a few scalar fields of registry entries in place, keeping every comment and the layout.

The registry files are written by hand and commented; a YAML round trip would lose the
comments. Each change replaces exactly the text of one ``key: value`` pair (found through the
YAML parser's marks) or inserts a new pair after the entry's ``tipo``. The edited text is
parsed again and compared with what was asked before anything is written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from circolari.errors import fail

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def scalar(value) -> str:
    """``value`` as a one-line YAML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.match(text) and yaml.load(text, Loader=_Loader) == text:  # "055" would read back as 55
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def edit_entries(path: Path, text: str, changes: dict[int, dict[str, object]]) -> str:
    """``text`` (a registry file: a list of entries) with ``changes[index][key] = value`` applied."""
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.SequenceNode):
        raise fail("il file deve essere un elenco di voci ('- id: ...')", file=path, line=1)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    for index, fields in changes.items():
        node = root.value[index]
        if not isinstance(node, yaml.MappingNode) or node.flow_style:
            raise fail("voce scritta su una riga ({...}): aggiornarla a mano", file=path,
                       line=node.start_mark.line + 1, hint="scrivere un campo per riga")
        pairs = {key.value: (key, value) for key, value in node.value}
        anchor_key, anchor_value = pairs.get("tipo") or pairs["id"]
        indent = " " * anchor_key.start_mark.column
        for key, value in fields.items():
            if key in pairs:
                key_node, value_node = pairs[key]
                edits.append((key_node.start_mark.index, value_node.end_mark.index, f"{key}: {scalar(value)}"))
            else:
                at = anchor_value.end_mark.index
                edits.append((at, at, f"\n{indent}{key}: {scalar(value)}"))
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    _check(path, text, changes)
    return text


def _check(path: Path, text: str, changes: dict[int, dict[str, object]]) -> None:
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        data = None
    ok = isinstance(data, list) and all(
        isinstance(data[i], dict) and all(data[i].get(k) == v for k, v in fields.items())
        for i, fields in changes.items())
    if not ok:
        raise fail("modifica automatica non riuscita: nessun file è stato scritto", file=path,
                   hint="aggiornare l'ente a mano o segnalare il problema")
