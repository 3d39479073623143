"""``daticert.xml`` of a PEC receipt (DM 2/11/2005, allegato tecnico), parsed with lxml.

No entity is ever expanded, no DTD loaded, no network touched; a document that declares
entities is refused. Encodings follow the XML declaration (UTF-8, ISO-8859-1, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


class DaticertError(Exception):
    """``str(exc)`` is the Italian reason."""


@dataclass
class Daticert:
    tipo: str
    errore: str | None
    mittente: str | None
    destinatari: list[str] = field(default_factory=list)
    oggetto: str | None = None
    identificativo: str | None = None
    msgid: str | None = None
    consegna: str | None = None
    ricevuta: str | None = None       # completa / breve / sintetica
    errore_esteso: str | None = None
    data: str | None = None           # provider's time, ISO 8601 with its zone


_PARSER = None


def _parser():
    """One parser for every daticert (its settings never change; lxml resets it per
    document)."""
    global _PARSER
    if _PARSER is None:
        from lxml import etree

        _PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                  dtd_validation=False, huge_tree=False, remove_comments=True)
    return _PARSER


def _text(el) -> str | None:
    if el is None:
        return None
    return " ".join("".join(el.itertext()).split()) or None


def _iso_time(data_el) -> str | None:
    """``<data zona="+0200"><giorno>20/05/2020</giorno><ora>10:15:32</ora></data>``."""
    if data_el is None:
        return None
    giorno, ora = _text(data_el.find("giorno")), _text(data_el.find("ora"))
    zona = (data_el.get("zona") or "").strip()
    if not (giorno and ora):
        return None
    zone = re.fullmatch(r"([+-])(\d\d)(\d\d)", zona)
    if not zone:
        raise DaticertError(f"daticert.xml: zona oraria «{zona}» non valida")
    day = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", giorno)
    hms = re.fullmatch(r"(\d{1,2}):(\d{1,2}):(\d{1,2})", ora)
    try:
        if not (day and hms):
            raise ValueError
        sign = -1 if zone.group(1) == "-" else 1
        offset = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
        when = datetime(int(day.group(3)), int(day.group(2)), int(day.group(1)),
                        *map(int, hms.groups()), tzinfo=timezone(sign * offset))
    except ValueError:
        raise DaticertError(f"daticert.xml: data «{giorno} {ora}» non valida") from None
    return when.isoformat()


def parse(xml: bytes) -> Daticert:
    from lxml import etree

    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise DaticertError(f"daticert.xml non valido ({exc.msg})") from None
    doctype = root.getroottree().docinfo.internalDTD
    if doctype is not None and any(True for _ in doctype.iterentities()):
        raise DaticertError("daticert.xml dichiara entità XML: rifiutato")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise DaticertError("daticert.xml usa entità XML: rifiutato")
    if root.tag != "postacert":
        raise DaticertError(f"daticert.xml: elemento radice «{root.tag}» invece di postacert")
    tipo = (root.get("tipo") or "").strip().lower()
    if not tipo:
        raise DaticertError("daticert.xml senza tipo di ricevuta")
    head, dati = root.find("intestazione"), root.find("dati")
    if dati is None:
        raise DaticertError("daticert.xml senza la sezione <dati>")
    ricevuta = dati.find("ricevuta")
    return Daticert(
        tipo=tipo, errore=(root.get("errore") or "").strip() or None,
        mittente=_text(head.find("mittente")) if head is not None else None,
        destinatari=[t for t in (_text(d) for d in head.findall("destinatari")) if t]
        if head is not None else [],
        oggetto=_text(head.find("oggetto")) if head is not None else None,
        identificativo=_text(dati.find("identificativo")),
        msgid=_text(dati.find("msgid")),
        consegna=_text(dati.find("consegna")),
        ricevuta=(ricevuta.get("tipo") or "").strip().lower() or None
        if ricevuta is not None else None,
        errore_esteso=_text(dati.find("errore-esteso")),
        data=_iso_time(dati.find("data")),
    )
