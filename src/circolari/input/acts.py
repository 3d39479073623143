"""Act files: which files of a folder are acts, and an act's name (the folder it renders into).

Loading an act, which needs its kind, is ``kinds/load.py``."""

from __future__ import annotations

import re
from pathlib import Path

from circolari.errors import Problem, fail
from circolari.model.base import CONTROL_CHARS

_UNSAFE = re.compile("[/\\\\\t\n\r\u202a-\u202e\u2066-\u2069]")  # separators, line breaks, bidi controls


def is_data_file(path: Path) -> bool:
    """A YAML file that holds a list (a table kept beside its act), not an act."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "---", "%")):
            return stripped.startswith("- ") or stripped == "-"
    return False


def act_files(paths, *, what: str = "atto") -> tuple[list[Path], list[Problem]]:
    """The act files named: files as given, folders' ``*.yaml`` acts in name order
    (a YAML table beside its act is skipped), with a problem for what is missing."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [f for f in sorted(path.glob("*.yaml")) if f.is_file() and not is_data_file(f)]
            if not found:
                problems.append(Problem(f"nessun {what} (*.yaml) nella cartella", file=path))
            files += found
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(Problem(f"{what}: non è un file normale (è un dispositivo, una coda FIFO o simile)",
                                    file=path, hint="indicare un file YAML"))
        else:
            problems.append(Problem(f"{what} non trovato", file=path, hint="controllare il percorso"))
    return files, problems


def act_name(path: Path) -> str:
    """The act's name (its file name without the extension), the one folder it renders into:
    refused unless it is a single plain path component."""
    name = Path(path).stem
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise fail("il nome del file dell'atto non è in codifica UTF-8", file=path,
                   hint="rinominare il file usando lettere, cifre, '-' e '_'") from None
    if not name or name.startswith(".") or _UNSAFE.search(name) or CONTROL_CHARS.search(name):
        shown = _UNSAFE.sub(lambda m: f"[U+{ord(m.group()):04X}]", CONTROL_CHARS.sub(lambda m: f"[U+{ord(m.group()):04X}]", name))
        raise fail(f"nome del file dell'atto non ammesso: «{shown}»", file=path,
                   hint="il nome diventa la cartella dei file generati: usare lettere, cifre, '-' e '_', "
                        "senza '.' iniziale, es. nota-vaccini.yaml")
    return name
