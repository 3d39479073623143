"""The template context of a circolare: the act, its letterhead, its resolved recipients."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from circolari.errors import Problem
from circolari.input.load import YamlDoc
from circolari.model.circolare import Circolare
from circolari.model.registry import Ente
from circolari.input.profiles import load_profile
from circolari.registry.registry import Registry

TEMPLATE = "circolare.html.j2"


@dataclass(frozen=True)
class Recipient:
    """A resolved body and whether it is an addressee ("to") or in copy ("cc")."""

    ente: Ente
    role: str


def unverified_warnings(entes, doc: YamlDoc, field: str | None = None) -> list[Problem]:
    """A warning for each body without a verified PEC: it prints without an address."""
    return [Problem(f"l'ente «{e.id}» non ha una PEC verificata: nell'atto compare senza indirizzo",
                    file=doc.path, line=doc.line_of((field,)) if field else None, level="avviso")
            for e in entes if not e.pec or not e.verificato]


def signature_field_name(qualifica: str) -> str:
    """'IL DIRETTORE GENERALE' -> 'DirettoreGenerale' (the PDF signature field is Firma_<this>)."""
    words = [w for w in qualifica.replace("'", " ").split() if w.lower() not in ("il", "la", "lo", "l", "i", "le")]
    return "".join(w.capitalize() for w in words) or "Firmatario"


def circolare_context(act: Circolare, doc: YamlDoc, templates: Path, registry: Registry):
    """Return (template name, context, recipients, profile)."""
    profile = load_profile(templates, act.intestazione, act=doc.path, line=doc.line_of(("intestazione",)))
    sel = act.destinatari
    to = registry.resolve(sel.gruppi, sel.enti, sel.esclusi, file=doc.path, field="destinatari", lines=doc)
    cc = []
    if act.per_conoscenza:
        pc = act.per_conoscenza
        cc = registry.resolve(pc.gruppi, pc.enti, pc.esclusi, file=doc.path, field="per_conoscenza", lines=doc)
        to_ids = {e.id for e in to}
        cc = [e for e in cc if e.id not in to_ids]
    categories = [registry.groups[g].intestazione or registry.groups[g].nome for g in sel.gruppi]
    in_groups = {e.id for g in sel.gruppi for e in registry.group_members(g)}
    categories += [f"Al {e.ruolo} {e.denominazione}" for e in to if e.id not in in_groups]
    context = {
        "atto": act,
        "profilo": profile,
        "destinatari": to,
        "per_conoscenza": cc,
        "categorie": categories,
        "firma_campo": signature_field_name(act.firmatario.qualifica),
    }
    recipients = [Recipient(e, "to") for e in to] + [Recipient(e, "cc") for e in cc]
    return TEMPLATE, context, recipients, profile
