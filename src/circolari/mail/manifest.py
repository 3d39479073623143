"""Read and check the render's ``out/<act>/manifest.json`` (format 1).

Every problem is collected and reported at once, in Italian, naming the field;
nothing is written before the whole manifest is valid.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.registry.pec import pec_problem

MANIFEST_NAME = "manifest.json"
SUPPORTED_FORMAT = 1
# Recipient ids become file names (``mail/<id>.eml``): keep them tame.
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}", re.IGNORECASE)


@dataclass(frozen=True)
class Act:
    kind: str
    name: str
    oggetto: str
    date: str | None
    protocollo: str | None
    numero: str | None


@dataclass(frozen=True)
class Sender:
    denominazione: str
    pec: str


@dataclass(frozen=True)
class Recipient:
    id: str
    denominazione: str
    ruolo: str | None
    pec: str
    role: str  # "to" (destinatario) or "cc" (per conoscenza)

    @property
    def per_conoscenza(self) -> bool:
        return self.role == "cc"


@dataclass(frozen=True)
class RenderManifest:
    path: Path
    act: Act
    sender: Sender
    recipients: list[Recipient]
    files: list[dict]

    @property
    def act_dir(self) -> Path:
        return self.path.parent


def _str(obj: dict, key: str, where: str, problems: list[Problem], file: Path,
         *, required: bool = True) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        if required:
            problems.append(Problem("valore mancante", file=file, field=f"{where}.{key}",
                                    hint="rigenerare l'atto con 'circolari render'"))
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        problems.append(Problem(f"atteso un testo, trovato {type(value).__name__}",
                                file=file, field=f"{where}.{key}"))
        return None
    if required and not value.strip():
        problems.append(Problem("valore vuoto", file=file, field=f"{where}.{key}"))
        return None
    return value


def load_render_manifest(act_dir: Path) -> RenderManifest:
    """Load ``act_dir/manifest.json`` or raise a CircolariError listing every problem."""
    act_dir = Path(act_dir)
    path = act_dir / MANIFEST_NAME
    if not act_dir.is_dir():
        raise CircolariError(Problem(
            "la cartella dell'atto non esiste", file=act_dir,
            hint="indicare la cartella prodotta da 'circolari render', es. out/<atto>/"))
    if not path.is_file():
        raise CircolariError(Problem(
            "manca il manifest dell'atto", file=path,
            hint="generare prima l'atto con 'circolari render'"))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise CircolariError(Problem(
            f"il manifest non è un JSON valido ({getattr(exc, 'msg', exc)})", file=path,
            line=line, hint="rigenerare l'atto con 'circolari render'")) from None
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise CircolariError(Problem("il manifest deve essere un oggetto JSON", file=path))
    if data.get("format") != SUPPORTED_FORMAT:
        problems.append(Problem(
            f"formato {data.get('format')!r} non supportato (atteso {SUPPORTED_FORMAT})",
            file=path, field="format", hint="aggiornare circolari o rigenerare l'atto"))

    a = data.get("act")
    if not isinstance(a, dict):
        problems.append(Problem("sezione mancante", file=path, field="act"))
        a = {}
    act = Act(
        kind=_str(a, "kind", "act", problems, path) or "",
        name=_str(a, "name", "act", problems, path) or "",
        oggetto=_str(a, "oggetto", "act", problems, path) or "",
        date=_str(a, "date", "act", problems, path, required=False),
        protocollo=_str(a, "protocollo", "act", problems, path, required=False),
        numero=_str(a, "numero", "act", problems, path, required=False),
    )
    if act.date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", act.date):
        problems.append(Problem(f"data «{act.date}» non nel formato AAAA-MM-GG",
                                file=path, field="act.date"))

    s = data.get("sender")
    if not isinstance(s, dict):
        problems.append(Problem("sezione mancante", file=path, field="sender"))
        s = {}
    sender = Sender(denominazione=_str(s, "denominazione", "sender", problems, path) or "",
                    pec=_str(s, "pec", "sender", problems, path) or "")
    if sender.pec and (why := pec_problem(sender.pec)):
        problems.append(Problem(why, file=path, field="sender.pec",
                                hint="correggere la PEC del mittente e rigenerare l'atto"))

    recipients: list[Recipient] = []
    raw = data.get("recipients")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem("nessun destinatario", file=path, field="recipients",
                                hint="l'atto deve avere almeno un destinatario"))
        raw = []
    seen: dict[str, int] = {}
    for i, r in enumerate(raw):
        where = f"recipients[{i}]"
        if not isinstance(r, dict):
            problems.append(Problem("atteso un oggetto", file=path, field=where))
            continue
        rid = _str(r, "id", where, problems, path) or ""
        if rid and not _ID.fullmatch(rid):
            problems.append(Problem(
                f"identificativo «{rid}» non valido", file=path, field=f"{where}.id",
                hint="solo lettere, cifre, '.', '_' e '-' (diventa un nome di file)"))
        elif rid in seen:
            problems.append(Problem(f"identificativo «{rid}» ripetuto (già in "
                                    f"recipients[{seen[rid]}])", file=path, field=f"{where}.id"))
        seen.setdefault(rid, i)
        pec = r.get("pec")
        if not isinstance(pec, str) or (why := pec_problem(pec)):
            why = pec_problem(pec) if isinstance(pec, str) else "indirizzo PEC mancante"
            problems.append(Problem(why, file=path, field=f"{where}.pec",
                                    hint=f"correggere la PEC di «{r.get('denominazione', rid)}» "
                                         "nell'anagrafica e rigenerare l'atto"))
            pec = ""
        role = r.get("role")
        if role not in ("to", "cc"):
            problems.append(Problem(f"ruolo {role!r} non valido", file=path,
                                    field=f"{where}.role",
                                    hint="'to' (destinatario) o 'cc' (per conoscenza)"))
        recipients.append(Recipient(
            id=rid,
            denominazione=_str(r, "denominazione", where, problems, path) or "",
            ruolo=_str(r, "ruolo", where, problems, path, required=False),
            pec=pec, role=role if role in ("to", "cc") else "to"))

    files = data.get("files") if isinstance(data.get("files"), list) else []
    if problems:
        raise CircolariError(problems)
    return RenderManifest(path=path, act=act, sender=sender, recipients=recipients,
                          files=files)
