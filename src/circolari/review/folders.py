"""The files of a folder (templates, registry) by relative path, as approvals and the pack compare them."""

from __future__ import annotations

from pathlib import Path

from circolari.output import sha256


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (hidden files and caches aside), by posix relative path; a
    link to a file outside ``folder`` is an error (its content would be shown in the pack and copied
    into the approvals)."""
    from circolari.input.files import confined

    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in relative.parts):
            files[relative.as_posix()] = confined(path, folder).read_bytes()
    return files


def folder_hashes(folder: Path) -> dict[str, str]:
    return {name: sha256(data) for name, data in folder_files(folder).items()}
