"""Where an act's templates, registry and output live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from circolari.input import defaults


@dataclass(frozen=True)
class Project:
    templates: Path
    recipients: Path
    out: Path

    @classmethod
    def locate(cls, start: Path | None = None, *, templates: Path | None = None,
               recipients: Path | None = None, out: Path | None = None) -> "Project":
        """Options first, then $CIRCOLARI_TEMPLATES / $CIRCOLARI_RECIPIENTS, then the nearest
        folder (from ``start`` up, then the working directory) holding both templates/ and
        recipients/, then the defaults shipped with circolari (``circolari.input.defaults``)."""
        root = _find_root(start)
        return cls(
            templates=Path(templates or os.environ.get("CIRCOLARI_TEMPLATES") or _in(root, "templates")),
            recipients=Path(recipients or os.environ.get("CIRCOLARI_RECIPIENTS") or _in(root, "recipients")),
            out=Path(out or os.environ.get("CIRCOLARI_OUT") or Path.cwd() / "out"),
        )


def _in(root: Path | None, name: str) -> Path:
    return root / name if root is not None else defaults.folder(name)


def _find_root(start: Path | None) -> Path | None:
    candidates = []
    if start is not None:
        start = Path(start).resolve()
        candidates += [start] + list(start.parents) if start.is_dir() else list(start.parents)
    candidates += [Path.cwd(), *Path.cwd().parents]
    for folder in candidates:
        if (folder / "templates").is_dir() and (folder / "recipients").is_dir():
            return folder
    return None
