"""Load an act of any kind: read its ``tipo``, validate it against that kind's model; the
JSON Schema of the act files of every kind."""

from __future__ import annotations

from pathlib import Path

from circolari.errors import CircolariError, fail
from circolari.input.load import load_yaml
from circolari.input.validation import validate
from circolari.kinds import KINDS, kind_of


def load_act(path: Path, *, check_fatti: bool = True):
    """Return (validated act, its YamlDoc) or raise a located ``CircolariError``.

    Citations of undeclared figures and totals that do not add up are errors too,
    unless ``check_fatti`` is false (``circolari check`` reports them with the rest)."""
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise fail("l'atto deve essere un insieme di campi 'nome: valore'", file=path, line=1)
    kind = doc.data.get("tipo")
    if not isinstance(kind, str) or kind not in KINDS:
        raise fail("campo 'tipo' mancante o non valido" if kind is None else f"tipo «{kind}» sconosciuto",
                   file=path, line=doc.line_of(("tipo",)) or 1, field="tipo",
                   hint="scrivere " + " oppure ".join(f"'tipo: {name}'" for name in KINDS))
    act = validate(KINDS[kind].model(), doc)
    if check_fatti:
        refuse_citation_errors(act, doc)
    return act, doc


def refuse_citation_errors(act, doc) -> None:
    """Raise the errors of the act's ``[[citations]]`` and declared totals, if any."""
    errors = [p for p in kind_of(act).citation_problems(act, doc) if p.level == "errore"]
    if errors:
        raise CircolariError(errors)


def act_schema() -> dict:
    """JSON Schema of the act files (any kind), for editors' YAML completion."""
    from typing import Annotated, Union

    from pydantic import Field, TypeAdapter

    act = Annotated[Union[tuple(kind.model() for kind in KINDS.values())], Field(discriminator="tipo")]
    schema = TypeAdapter(act).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"Atto circolari ({' o '.join(KINDS)})"
    return schema

