"""The series folder: ``serie.json`` lists every letter's folder, body and manifest hash."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from circolari.errors import fail
from circolari.output import sha256

NAME = "serie.json"


def is_series_folder(path: Path) -> bool:
    return Path(path).is_dir() and (Path(path) / NAME).is_file()


@dataclass(frozen=True)
class Entry:
    """One letter of a rendered series."""

    row: int
    ente: str
    name: str
    folder: Path

    @property
    def pdf(self) -> Path:
        return self.folder / f"{self.name}.pdf"

    @property
    def signed(self) -> Path:
        return self.folder / f"{self.name}.firmato.pdf"


def letters(folder: Path) -> list[Entry]:
    """The letters listed in ``folder/serie.json`` (clear errors if it is missing or damaged)."""
    path = Path(folder) / NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Entry(int(item["riga"]), item["ente"], item["nome"], Path(folder) / item["cartella"])
                for item in data["lettere"]]
    except FileNotFoundError:
        raise fail("non è la cartella di una serie di lettere (manca l'elenco serie.json)", file=path,
                   hint="indicare il PDF dell'atto (out/<atto>/<atto>.pdf) o la cartella di una serie "
                        "generata con 'circolari render'") from None
    except OSError as exc:
        from circolari.os_errors import os_problem

        problem = os_problem(exc, path)
        raise fail(f"impossibile leggere l'elenco della serie: {problem.message}", file=path,
                   hint=problem.hint) from None
    except (ValueError, KeyError, TypeError):
        raise fail("elenco della serie danneggiato", file=path,
                   hint="rigenerare la serie con 'circolari render'") from None


def finished(folder: Path, key: str) -> str | None:
    """The hash of the letter's manifest if the letter in ``folder`` is complete and made from ``key``."""
    path = Path(folder) / "manifest.json"
    try:
        raw = path.read_bytes()
        manifest = json.loads(raw)
        if manifest.get("serie", {}).get("chiave") != key:
            return None
        for item in manifest["files"]:
            if sha256((Path(folder) / item["name"]).read_bytes()) != item["sha256"]:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return sha256(raw)
