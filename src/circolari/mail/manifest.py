"""Read and check the render's ``out/<act>/manifest.json`` (format 1).

Every problem is collected and reported at once, in Italian, naming the field;
nothing is written before the whole manifest is valid.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError

from circolari.errors import CircolariError, Problem
from circolari.model.pec import pec_problem

MANIFEST_NAME = "manifest.json"
SUPPORTED_FORMAT = 1
# Recipient ids become file names (``mail/<id>.eml``): keep them tame.
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}", re.IGNORECASE)
_REGENERATE = "rigenerare l'atto con 'circolari render'"


def _number_as_text(value):
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("valore vuoto")
    return value


def _date(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"data «{value}» non nel formato AAAA-MM-GG")
    return value


def _pec(value: str) -> str:
    why = pec_problem(value)
    if why:
        raise ValueError(why)
    return value


def _identifier(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(f"identificativo «{value}» non valido")
    return value


Text = Annotated[str, BeforeValidator(_number_as_text)]
Required = Annotated[Text, AfterValidator(_not_blank)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Act(_Record):
    kind: Required
    name: Required
    oggetto: Required
    date: Annotated[Text | None, AfterValidator(_date)] = None
    protocollo: Text | None = None
    numero: Text | None = None


class Sender(_Record):
    denominazione: Required
    pec: Annotated[Text, AfterValidator(_pec)]


class Recipient(_Record):
    id: Annotated[Required, AfterValidator(_identifier)]
    denominazione: Required
    ruolo: Text | None = None
    pec: Annotated[Text, AfterValidator(_pec)]
    per_conoscenza: StrictBool  # a body in copy, as in the act's YAML

    @property
    def header(self) -> str:
        """The message header that carries the address: "to" (destinatario) or "cc" (per conoscenza)."""
        return "cc" if self.per_conoscenza else "to"


class RenderManifest(_Record):
    format: Literal[1]
    act: Act
    sender: Sender
    recipients: list[Recipient] = Field(min_length=1)
    files: Annotated[list, BeforeValidator(lambda v: v if isinstance(v, list) else [])] = []
    path: Path | None = Field(None, exclude=True)  # set after loading

    @property
    def act_dir(self) -> Path:
        return self.path.parent


def _where(loc: tuple) -> str:
    """('recipients', 2, 'pec') -> 'recipients[2].pec' (indexes from 0, as in the JSON)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(err: dict, data: dict, path: Path) -> Problem:
    """A pydantic error on the manifest as the Italian problem of its field."""
    loc, kind, value = err["loc"], err["type"], err.get("input")
    field = _where(loc)
    hint = None
    if loc == ("recipients",):
        message, hint = "nessun destinatario", "l'atto deve avere almeno un destinatario"
    elif loc == ("format",):
        message = f"formato {data.get('format')!r} non supportato (atteso {SUPPORTED_FORMAT})"
        hint = "aggiornare circolari o rigenerare l'atto"
    elif len(loc) == 1 and kind in ("missing", "model_type"):
        message = "sezione mancante"
    elif kind == "bool_type":
        message, hint = f"atteso true o false, trovato {value!r}", _REGENERATE
    elif kind == "model_type":
        message = "atteso un oggetto"
    elif kind == "missing" or (kind == "string_type" and value is None):
        message, hint = "valore mancante", _REGENERATE
        if loc[-1] == "pec" and loc[0] == "recipients":
            message = "indirizzo PEC mancante"
    elif kind == "string_type":
        message = f"atteso un testo, trovato {type(value).__name__}"
    elif kind == "value_error":
        message = str(err["ctx"]["error"])
    else:
        message = err["msg"]
    if loc[-1] == "pec" and loc[0] == "sender":
        hint = "correggere la PEC del mittente e rigenerare l'atto"
    elif loc[-1] == "pec":
        record = data["recipients"][loc[1]]
        hint = f"correggere la PEC di «{record.get('denominazione', record.get('id'))}» nell'anagrafica e rigenerare l'atto"
    elif loc[-1] == "id" and kind == "value_error":
        hint = "solo lettere, cifre, '.', '_' e '-' (diventa un nome di file)"
    return Problem(message, file=path, field=field, hint=hint)


def _repeated_ids(raw, path: Path) -> list[Problem]:
    """Recipient ids must be unique (they name the messages' files)."""
    seen: dict[str, int] = {}
    found = []
    for i, record in enumerate(raw if isinstance(raw, list) else []):
        ident = record.get("id") if isinstance(record, dict) else None
        if not isinstance(ident, str) or not ident:
            continue
        if ident in seen:
            found.append(Problem(f"identificativo «{ident}» ripetuto (già in recipients[{seen[ident]}])",
                                 file=path, field=f"recipients[{i}].id"))
        seen.setdefault(ident, i)
    return found


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
    if not isinstance(data, dict):
        raise CircolariError(Problem("il manifest deve essere un oggetto JSON", file=path))
    problems = []
    try:
        manifest = RenderManifest.model_validate({k: v for k, v in data.items() if k != "path"})
    except ValidationError as exc:
        problems = [_problem(err, data, path) for err in exc.errors()]
    problems += _repeated_ids(data.get("recipients"), path)
    if problems:
        raise CircolariError(problems)
    return manifest.model_copy(update={"path": path})
