"""Letterhead profiles: templates/intestazioni/<id>.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from circolari.errors import fail
from circolari.input.files import confined
from circolari.input.load import load_yaml
from circolari.model.profile import Profilo
from circolari.input.validation import validate


def profile_path(templates: Path, ident: str) -> Path:
    return Path(templates) / "intestazioni" / f"{ident}.yaml"


def load_profile(templates: Path, ident: str, *, act: Path | None = None, line: int | None = None) -> Profilo:
    path = profile_path(templates, ident)
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise fail(f"profilo di intestazione «{ident}» non trovato ({path})", file=act, line=line,
                   field="intestazione", hint=f"profili disponibili: {', '.join(known) or 'nessuno'}")
    confined(path, templates, f"il profilo di intestazione «{ident}»")
    stat = path.stat()
    return _parsed(path.resolve(), stat.st_mtime_ns, stat.st_size, stat.st_ino)


@lru_cache(maxsize=16)
def _parsed(path: Path, mtime: int, size: int, inode: int) -> Profilo:
    """A profile read and validated once per version of its file (a series cites it in every letter)."""
    return validate(Profilo, load_yaml(path))
