"""The template change itself: which template and letterhead files changed since the approval,
and a line diff of each text file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from circolari.review.html import escape


@dataclass
class FileChange:
    name: str
    kind: str  # "modificato", "aggiunto", "tolto"
    lines: list[str]  # unified diff lines (empty for binary files)


def diff_folders(old: dict[str, bytes], new: dict[str, bytes]) -> list[FileChange]:
    changes = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        kind = "aggiunto" if before is None else "tolto" if after is None else "modificato"
        changes.append(FileChange(name, kind, _lines(name, before or b"", after or b"")))
    return changes


def _lines(name: str, before: bytes, after: bytes) -> list[str]:
    try:
        a, b = before.decode("utf-8").splitlines(), after.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return []
    return list(difflib.unified_diff(a, b, f"approvato/{name}", f"attuale/{name}", lineterm="", n=2))


def html_fragment(changes: list[FileChange], approved: Path) -> str:
    if not changes:
        return f'<p class="esito ok">template uguali a quelli approvati ({escape(str(approved))})</p>'
    items = "".join(f'<li><code>{escape(c.name)}</code> <span class="esito ko">{escape(c.kind)}</span></li>'
                    for c in changes)
    blocks = []
    for c in changes:
        rows = []
        for line in c.lines:
            cls = ("testa" if line.startswith(("---", "+++")) else "aggiunto" if line.startswith("+")
                   else "tolto" if line.startswith("-") else "contesto" if not line.startswith("@@") else "punto")
            rows.append(f'<span class="{cls}">{escape(line) or " "}</span>')
        blocks.append(f'<h4><code>{escape(c.name)}</code></h4>'
                      + (f'<pre class="sorgente">{"".join(rows)}</pre>' if rows else "<p>file non di testo</p>"))
    return (f'<p class="esito ko">{len(changes)} file cambiati rispetto ai template approvati '
            f'({escape(str(approved))})</p><ul class="file-cambiati">{items}</ul>' + "".join(blocks))
