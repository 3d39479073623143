"""What ``review`` rendered, kept in its pack for ``approve``: each example's text, grey pages,
signature fields and render warnings (``out/review/<act>/resa/``, listed in ``revisione.json``
under ``rese``), with ``render_key``: a digest of every input that decides that render.

``approve`` takes them instead of rendering the act again only when the key it computes now is
the recorded one and every kept file has its recorded SHA-256; otherwise it renders. The key
covers the act's bytes, every file of the templates folder (letterhead profiles included) and of
the registry, the other files the render read (allegato and series tables), the folders' paths,
the fonts, circolari's own files, its dependencies' versions, Python's, and
``$SOURCE_DATE_EPOCH`` (the date of an undated draft).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.output import sha256

FOLDER = "resa"  # out/review/<act>/resa/: testo.txt, pagina-N.png
FIELD = "rese"   # in revisione.json: act (resolved path) -> what was kept


def render_key(act: str | None, project, templates: dict[str, str] | None, registry: dict[str, str] | None,
               inputs: list[Path]) -> str | None:
    """The digest of every input of an act's review render, from the digests of the act
    (``file_digest``), of the templates folder (``folder_hashes``) and of the registry
    (``registry_hashes``) and the other files it read; None when one of them is unknown (then
    nothing is reused)."""
    if act is None or templates is None or registry is None:
        return None
    try:
        files = {str(Path(p).resolve()): sha256(Path(p).read_bytes()) for p in inputs}
    except OSError:
        return None
    parts = {"atto": act, "template": templates, "registro": registry, "file": files,
             "cartelle": [str(Path(project.templates).resolve()), str(Path(project.recipients).resolve())],
             "programma": software(), "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "")}
    return sha256(json.dumps(parts, sort_keys=True).encode("utf-8"))


def file_digest(path: Path) -> str | None:
    try:
        return sha256(Path(path).read_bytes())
    except OSError:
        return None


def registry_hashes(path: Path) -> dict[str, str] | None:
    """Every file of the registry (a folder or one file) by name, None when it cannot be read."""
    from circolari.review.folders import folder_hashes

    path = Path(path)
    try:
        return folder_hashes(path) if path.is_dir() else {path.name: sha256(path.read_bytes())}
    except (OSError, CircolariError):
        return None


@lru_cache(maxsize=1)
def software() -> str:
    """circolari's files, the fonts, the versions of its dependencies and of Python (once per process)."""
    import importlib.metadata
    import re
    import sys

    import circolari
    from circolari.document.styles import FONT_FACES, font_file

    digest = hashlib.sha256(sys.version.encode())
    root = Path(circolari.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(root).as_posix()}\0{sha256(path.read_bytes())}\n".encode())
    for face in FONT_FACES:
        digest.update(f"{face}\0{sha256(font_file(face).read_bytes())}\n".encode())
    try:
        required = importlib.metadata.requires("circolari") or []
    except importlib.metadata.PackageNotFoundError:
        required = []
    for name in sorted({re.split(r"[\s\[<>=!~;(]", r, maxsplit=1)[0] for r in required if "extra ==" not in r}):
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        digest.update(f"{name}\0{version}\n".encode())
    return digest.hexdigest()


def keep(folder: Path, key: str | None, inputs: list[Path], text: str, look, warnings: list[Problem]) -> dict | None:
    """Write the render's text and pages under ``folder/resa/``; return its ``rese`` entry."""
    if key is None:
        return None
    kept = Path(folder) / FOLDER
    kept.mkdir(parents=True, exist_ok=True)
    (kept / "testo.txt").write_bytes(text.encode("utf-8"))
    for number, png in enumerate(look.pages, start=1):
        (kept / f"pagina-{number}.png").write_bytes(png)
    return {"chiave": key, "ingressi": [str(p) for p in inputs],
            "testo": sha256(text.encode("utf-8")), "pagine": look.hashes, "campi_firma": list(look.fields),
            "avvisi": [{"message": p.message, "file": None if p.file is None else str(p.file), "line": p.line,
                        "field": p.field, "hint": p.hint, "level": p.level} for p in warnings]}


def take(pack: Path, reviewed: dict, act: Path, project, templates: dict[str, str]):
    """(text, Look, warnings) the pack kept for ``act``, or None when any input differs from the
    review's or a kept file is not the one recorded."""
    from circolari.review.pages import Look

    entry = (reviewed.get(FIELD) or {}).get(str(Path(act).resolve()))
    if not isinstance(entry, dict):
        return None
    try:
        inputs = [Path(p) for p in entry["ingressi"]]
        key = render_key(file_digest(act), project, templates, registry_hashes(project.recipients), inputs)
        if key is None or key != entry["chiave"]:
            return None
        kept = Path(pack) / Path(act).stem / FOLDER
        text = (kept / "testo.txt").read_bytes()
        pages = [(kept / f"pagina-{n}.png").read_bytes() for n in range(1, len(entry["pagine"]) + 1)]
        if sha256(text) != entry["testo"] or [sha256(p) for p in pages] != entry["pagine"]:
            return None
        warnings = [Problem(**w) for w in entry["avvisi"]]
        return text.decode("utf-8"), Look(pages, list(entry["campi_firma"])), warnings
    except (OSError, KeyError, TypeError, ValueError, CircolariError):
        return None
