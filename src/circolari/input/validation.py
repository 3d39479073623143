"""Validate loaded YAML against a pydantic model; report errors in Italian with lines."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from circolari.errors import CircolariError, Problem, did_you_mean
from circolari.input.load import YamlDoc

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "campo obbligatorio mancante",
    "string_type": "deve essere un testo",
    "int_type": "deve essere un numero intero",
    "int_parsing": "deve essere un numero intero",
    "float_type": "deve essere un numero",
    "float_parsing": "deve essere un numero",
    "finite_number": "deve essere un numero finito",
    "decimal_type": "deve essere un numero",
    "decimal_parsing": "deve essere un numero",
    "bool_type": "deve essere sì/no (true/false)",
    "bool_parsing": "deve essere sì/no (true/false)",
    "list_type": "deve essere un elenco (righe che iniziano con '- ')",
    "dict_type": "deve essere un insieme di campi 'nome: valore'",
    "model_type": "deve essere un insieme di campi 'nome: valore'",
    "model_attributes_type": "deve essere un insieme di campi 'nome: valore'",
    "date_type": "deve essere una data nel formato AAAA-MM-GG",
    "date_parsing": "data non valida: usare il formato AAAA-MM-GG",
    "date_from_datetime_parsing": "data non valida: usare il formato AAAA-MM-GG",
    "date_from_datetime_inexact": "data non valida: indicare solo il giorno (AAAA-MM-GG)",
    "too_short": "non può essere vuoto",
    "string_too_short": "non può essere vuoto",
    "string_pattern_mismatch": "formato non valido",
    "literal_error": "valore non ammesso",
    "enum": "valore non ammesso",
    "union_tag_invalid": "valore non ammesso",
    "union_tag_not_found": "campo obbligatorio mancante",
}


def _describe(err: dict, allowed_keys: list[str]) -> tuple[str, str | None]:
    kind = err["type"]
    hint = None
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        hint = did_you_mean(name, allowed_keys, lead="forse si intendeva") or "togliere il campo o correggerne il nome"
        return "campo sconosciuto", hint
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"])), None
    if kind in ("literal_error", "enum", "union_tag_invalid"):
        expected = err.get("ctx", {}).get("expected")
        if expected:
            hint = "valori ammessi: " + expected.replace("'", "").replace(" or ", " o ")
    if kind in ("date_parsing", "date_from_datetime_parsing") and "input" in err:
        return f"«{err['input']}» non è una data esistente (formato AAAA-MM-GG)", None
    return _MESSAGES.get(kind, err["msg"]), hint


def field_name(loc: tuple) -> str:
    """The dotted field name the clerk knows (``allegati[2].titolo``) for a pydantic error location."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item + 1}]"]
        elif "[" in str(item):
            continue  # pydantic's internal validator labels (``function-after[...]``)
        else:
            parts.append(str(item))
    return ".".join(parts)


def validate(model: type[M], doc: YamlDoc) -> M:
    """Validate ``doc.data`` as ``model``; raise one ``CircolariError`` listing every problem."""
    return validate_item(model, doc, ())


def validate_item(model: type[M], doc: YamlDoc, at: tuple) -> M:
    """Validate the value at path ``at`` of ``doc`` (``()`` for the whole document)."""
    data = doc.data
    for part in at:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = at + tuple(err["loc"])
            data_loc = tuple(p for p in loc if isinstance(p, int) or "[" not in p)
            keys = _known_keys(model, data_loc[len(at):])
            message, hint = _describe(err, keys)
            line = doc.line_of(data_loc)
            if err["type"] == "missing" and data_loc:
                line, hint = _where_missing(doc, data_loc, keys) or (line, hint)
            problems.append(Problem(message, file=doc.path, line=line,
                                    field=field_name(loc) or None, hint=hint))
        raise CircolariError(sorted(problems, key=lambda p: p.line or 0)) from None


def _where_missing(doc: YamlDoc, loc: tuple, keys: list[str]) -> tuple[int | None, str] | None:
    """Where a missing field belongs: beside the nearest field present around it, in the model's
    order (not at the line of the enclosing block, which may be the file's first)."""
    parent, name = loc[:-1], loc[-1]
    data = doc.data
    for part in parent:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(data, dict) or name not in keys:
        return None
    index = keys.index(name)
    for other in keys[index + 1:]:
        if other in data:
            return doc.line_of(parent + (other,)), f"aggiungerlo prima di «{other}»"
    for other in reversed(keys[:index]):
        if other in data:
            return doc.line_of(parent + (other,)), f"aggiungerlo dopo «{other}»"
    return None


def _known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (sub)model that holds the last element of ``loc``, for suggestions."""
    current: type | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        current = _inner_model(field.annotation) if field else None
    return list(getattr(current, "model_fields", {}).keys()) if current else []


def _inner_model(annotation) -> type | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found:
            return found
    return None
