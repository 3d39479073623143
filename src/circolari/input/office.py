"""``circolari init``: a new office folder with the shipped templates, registry and an example act."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from circolari.input import defaults
from circolari.errors import CircolariError, Problem

SCHEMA = "atto.schema.json"
EXAMPLE = "atti/esempio-nota-plasma-2020.yaml"
ENTRIES = ("templates", "recipients", "atti", SCHEMA, ".vscode", "LEGGIMI.txt")

README = """\
Cartella d'ufficio di circolari.

  templates/    modelli degli atti, carte intestate (intestazioni/), schemi di partenza (nuovo/),
                testo dei messaggi PEC (mail/): si possono personalizzare
  recipients/   registro degli enti destinatari con PEC (vedere recipients/README.md)
  atti/         gli atti (un file YAML ciascuno); {example} è un esempio commentato
  {schema}  schema dei file degli atti, per il completamento nell'editor
                (.vscode/settings.json lo associa ad atti/*.yaml)

Per cominciare:
  circolari new circolare atti/nota.yaml
  circolari render atti/nota.yaml          # -> out/nota/ (PDF, DOCX, anteprima)
  circolari check atti/
"""


def create_office(folder: Path, schema: dict) -> list[Path]:
    """Create the office folder ``folder`` (or fill an existing one); never overwrite anything.

    Everything is first made in a temporary folder beside the targets, then moved into place,
    so a failure leaves nothing half-made. ``schema``: the act files' JSON Schema (``kinds.load.act_schema``)."""

    folder = Path(folder)
    existing = [folder / name for name in ENTRIES if (folder / name).exists() or (folder / name).is_symlink()]
    if folder.exists() and not folder.is_dir():
        existing = [folder]
    if existing:
        raise CircolariError([Problem("esiste già: init non sovrascrive nulla", file=path,
                                      hint="scegliere un'altra cartella o spostare questo file")
                              for path in existing])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".circolari-init.", dir=folder) as tmp:
            staging = Path(tmp)
            _fill(staging, schema)
            for name in ENTRIES:
                (staging / name).rename(folder / name)
    except OSError as exc:
        raise CircolariError(Problem(f"impossibile creare la cartella d'ufficio: {exc.strerror or exc}",
                                     file=Path(exc.filename) if exc.filename else folder,
                                     hint="controllare permessi e spazio libero")) from None
    return [folder / name for name in ENTRIES]


def _fill(staging: Path, schema: dict) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".*", "*.pyc")
    for name in ("templates", "recipients"):
        shutil.copytree(defaults.folder(name), staging / name, ignore=ignore)
    example = staging / EXAMPLE
    example.parent.mkdir()
    lines = defaults.example_act().read_text(encoding="utf-8").splitlines(keepends=True)
    modeline = f"# yaml-language-server: $schema=../{SCHEMA}\n"
    lines = [modeline if line.startswith("# yaml-language-server:") else line for line in lines]
    example.write_text("".join(lines if lines[0] == modeline else [modeline, *lines]), encoding="utf-8")
    (staging / SCHEMA).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (staging / ".vscode").mkdir()
    settings = {"yaml.schemas": {f"./{SCHEMA}": ["atti/*.yaml", "atti/**/*.yaml"]}}
    (staging / ".vscode" / "settings.json").write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    (staging / "LEGGIMI.txt").write_text(README.format(example=EXAMPLE, schema=SCHEMA.ljust(12)), encoding="utf-8")
