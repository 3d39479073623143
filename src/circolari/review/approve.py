"""Approvals as records, kept in git beside the examples (``<folder>/approvati/``):

- ``<act>.txt``: the approved text; ``<act>/pagina-N.png``: the approved pages (grey, small);
- ``<act>.json``: who approved and when, the hashes of the act, of every template and letterhead
  file, of the review pack, of the text and of each page, the page count and signature fields
  (and, for a letter series, each body's figures: ``review/series.py``);
- ``template/``: the approved templates' sources, for the next review's source diff.

``approve`` only records what a review pack showed: the act and the templates must be those
the pack was made from, and the act must have no check error.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from circolari.compose.italian import data_breve
from circolari.errors import CircolariError, Problem
from circolari.output import sha256
from circolari.review.folders import folder_files

FOLDER = "approvati"
SOURCES = "template"
RECORD = "revisione.json"  # in the review pack: what was reviewed


def approved_path(act: Path) -> Path:
    return Path(act).parent / FOLDER / f"{Path(act).stem}.txt"


def record_path(act: Path) -> Path:
    return Path(act).parent / FOLDER / f"{Path(act).stem}.json"


def pages_folder(act: Path) -> Path:
    return Path(act).parent / FOLDER / Path(act).stem


def sources_folder(act: Path) -> Path:
    return Path(act).parent / FOLDER / SOURCES


def _approval_file(path: Path) -> str | None:
    """The text of an approval file, None when there is none; a folder, a device or a file not in
    UTF-8 in its place is an error naming it (never taken for "not approved")."""
    from circolari.input.files import read_text

    if not path.exists() and not path.is_symlink():
        return None
    return read_text(path)


def approved_text(act: Path) -> str | None:
    return _approval_file(approved_path(act))


def approved_record(act: Path) -> dict | None:
    path = record_path(act)
    text = _approval_file(path)
    if text is None:
        return None
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise CircolariError(Problem("registro di approvazione non valido (JSON)", file=path,
                                     line=getattr(exc, "lineno", None),
                                     hint="ripristinarlo da git o approvare di nuovo")) from None
    if not isinstance(record, dict):
        raise CircolariError(Problem("registro di approvazione non valido (non è un oggetto JSON)", file=path,
                                     hint="ripristinarlo da git o approvare di nuovo"))
    return record


def approved_look(act: Path):
    """The approved pages and signature fields, or None when the act has no approval record."""
    from circolari.review.pages import Look

    record = approved_record(act)
    if record is None:
        return None
    folder = pages_folder(act)
    pages = [(folder / f"pagina-{n}.png").read_bytes() if (folder / f"pagina-{n}.png").is_file() else b""
             for n in range(1, record.get("numero_pagine", 0) + 1)]
    return Look(pages, list(record.get("campi_firma", [])))


def rendered_text(rendered) -> str:
    return rendered.files[f"{rendered.name}.txt"].decode("utf-8")


@dataclass
class Approval:
    act: Path
    status: str  # "nuovo", "modificato", "invariato", "errore"
    problems: list[Problem] = field(default_factory=list)


def pack_record(pack: Path) -> dict:
    """What a review pack was made from; a clear error when there is none."""
    path = Path(pack) / RECORD
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CircolariError(Problem("nessun pacchetto di revisione: approvare solo ciò che è stato rivisto", file=path,
                                     hint="eseguire prima 'circolari review TEMPLATE ESEMPI' (o indicare --pack)")) from None
    except (OSError, ValueError, UnicodeError) as exc:
        raise CircolariError(Problem(f"pacchetto di revisione illeggibile: {exc}", file=path,
                                     hint="rigenerarlo con 'circolari review'")) from None


def approve(acts: list[Path], project_for, *, reviewer: str, pack: Path, today: dt.date | None = None) -> list[Approval]:
    """Record each act as approved by ``reviewer``, if it is as the pack showed it and has no check
    error; ``project_for(act)`` gives the project (templates, registry). Errors do not stop the rest."""
    from circolari.registry.registry import cached_registry
    from circolari.input.acts import act_name
    from circolari.kinds.load import refuse_citation_errors
    from circolari.review.checks import load_and_check
    from circolari.review.kept import take
    from circolari.review.pages import look_of
    from circolari.review.series import current as series_current, render_for_review

    reviewed = pack_record(pack)
    index = Path(pack) / "index.html"
    pack_hash = sha256(index.read_bytes()) if index.is_file() else ""
    today = today or dt.date.today()
    results = []
    for act in acts:
        project = project_for(act)
        templates = folder_files(project.templates)
        hashes = {name: sha256(data) for name, data in templates.items()}
        problems = _reviewed_problems(act, hashes, reviewed)
        loaded = None
        if not problems:
            try:
                registry = cached_registry(project.recipients)  # as check and render read it
            except CircolariError:
                registry = None
            loaded, found = load_and_check(act, project, registry, today=today)
            problems = [p for p in found if p.level == "errore"]
            if problems:
                problems.append(Problem("l'atto ha errori: non può essere approvato", file=act,
                                        hint="correggerli, rigenerare il pacchetto con 'circolari review' e approvare"))
        if problems:
            results.append(Approval(act, "errore", problems))
            continue
        try:
            before, approved = approved_record(act), approved_text(act)  # unreadable: refused before any render
            refuse_citation_errors(*loaded)
            kept = take(pack, reviewed, act, project, hashes)  # what review rendered from these very inputs
            if kept is None:
                rendered = render_for_review(loaded, project, registry, name=act_name(act))
                kept = rendered_text(rendered), look_of(rendered.files[f"{rendered.name}.pdf"]), rendered.warnings
            text, look, warnings = kept
        except CircolariError as exc:
            results.append(Approval(act, "errore", exc.problems))
            continue
        record = {
            "atto": act.name, "approvato_da": reviewer, "data": today.isoformat(),
            "hash_atto": sha256(act.read_bytes()),
            "template": hashes,
            "pacchetto": pack_hash, "hash_testo": sha256(text.encode("utf-8")),
            "numero_pagine": len(look.pages), "hash_pagine": look.hashes, "campi_firma": look.fields,
        }
        series = series_current(loaded, registry)
        if series is not None:  # a letter series: each body's figures, for the next review (review/series.py)
            record["serie"] = series
        first = before is None and approved is None
        same = (before is not None and approved == text
                and {k: v for k, v in before.items() if k not in ("approvato_da", "data", "pacchetto")}
                == {k: v for k, v in record.items() if k not in ("approvato_da", "data", "pacchetto")})
        if not same:
            _write(act, text, look, record, templates)
        status = "invariato" if same else "nuovo" if first else "modificato"
        results.append(Approval(act, status, warnings))
    return results


def _reviewed_problems(act: Path, now: dict[str, str], reviewed: dict) -> list[Problem]:
    """Why this act is not what the pack showed (empty when it is)."""
    acts = reviewed.get("atti", {})
    key = str(Path(act).resolve())
    if key not in acts:
        return [Problem("l'atto non è nel pacchetto di revisione", file=act,
                        hint="rigenerare il pacchetto con 'circolari review' includendo questo atto")]
    if acts[key] != sha256(Path(act).read_bytes()):
        return [Problem("l'atto è cambiato dopo la revisione", file=act,
                        hint="rigenerare il pacchetto con 'circolari review' e rivederlo")]
    then = reviewed.get("template", {})
    if now != then:
        changed = sorted(n for n in set(now) | set(then) if now.get(n) != then.get(n))
        return [Problem(f"i template non sono quelli del pacchetto di revisione ({', '.join(changed)})", file=act,
                        hint=f"usare --templates {reviewed.get('cartella_template', '')} oppure rigenerare il pacchetto")]
    return []


def _write(act: Path, text: str, look, record: dict, templates: dict[str, bytes]) -> None:
    from circolari.output import write_atomic

    folder = pages_folder(act)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("pagina-*.png"):
        old.unlink()
    for number, png in enumerate(look.pages, start=1):
        write_atomic(folder / f"pagina-{number}.png", png)
    sources = sources_folder(act)
    for name, data in templates.items():
        target = sources / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data)
    for old in sorted(sources.rglob("*"), reverse=True):
        if old.is_file() and old.relative_to(sources).as_posix() not in templates:
            old.unlink()
    write_atomic(approved_path(act), text.encode("utf-8"))
    write_atomic(record_path(act), (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def approved_by(record: dict) -> str:
    """'approvato da Maria Rossi il 30/11/2026' (what the record holds)."""
    who = str(record.get("approvato_da") or "?")
    try:
        when = data_breve(dt.date.fromisoformat(str(record.get("data"))))
    except ValueError:
        when = "?"
    return f"approvato da {who} il {when}"
