"""The circolare (nota): a letter to bodies of the registry, on a letterhead profile.

A letter series (``serie:``) is a circolare too: its table's columns are figures the text
may cite, and ``check`` reads the table against the registry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, TypedDict

from circolari.compose.italian import data_breve
from circolari.errors import CircolariError, Problem
from circolari.kinds.base import ActKind, Prepared

if TYPE_CHECKING:
    from circolari.model.circolare import Circolare
    from circolari.model.profile import Profilo
    from circolari.model.registry import Ente


class CircolareContext(TypedDict):
    """What ``circolare.html.j2`` receives."""

    atto: Circolare
    profilo: Profilo
    destinatari: list[Ente]
    per_conoscenza: list[Ente]
    categorie: list[str]
    firma_campo: str


@dataclass(frozen=True)
class Addressee:
    """A resolved body of the act's heading: a destinatario, or per conoscenza (in copy)."""

    ente: Ente
    per_conoscenza: bool


def unverified_warnings(entes, doc, field: str | None = None) -> list[Problem]:
    """A warning for each body without a verified PEC: it prints without an address."""
    return [Problem(f"l'ente «{e.id}» non ha una PEC verificata: nell'atto compare senza indirizzo",
                    file=doc.path, line=doc.line_of((field,)) if field else None, level="avviso")
            for e in entes if not e.pec or not e.verificato]


def signature_field_name(qualifica: str) -> str:
    """'IL DIRETTORE GENERALE' -> 'DirettoreGenerale' (the PDF signature field is Firma_<this>)."""
    words = [w for w in qualifica.replace("'", " ").split() if w.lower() not in ("il", "la", "lo", "l", "i", "le")]
    return "".join(w.capitalize() for w in words) or "Firmatario"


def _profile(act, doc, templates):
    from circolari.input.profiles import load_profile

    return load_profile(templates, act.intestazione, act=doc.path, line=doc.line_of(("intestazione",)))


def circolare_context(act, doc, templates, registry) -> tuple[CircolareContext, list[Addressee], object]:
    """Return (context, recipients, profile)."""
    profile = _profile(act, doc, templates)
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
    context = CircolareContext(atto=act, profilo=profile, destinatari=to, per_conoscenza=cc, categorie=categories,
                               firma_campo=signature_field_name(act.firmatario.qualifica))
    recipients = [Addressee(e, False) for e in to] + [Addressee(e, True) for e in cc]
    return context, recipients, profile


class CircolareKind(ActKind):
    name = "circolare"
    label = "la circolare"
    indefinite = "una circolare"
    template = "circolare.html.j2"
    context = CircolareContext

    def model(self) -> type:
        from circolari.model.circolare import Circolare

        return Circolare

    def _type_names(self) -> dict[str, type]:
        from circolari.model.profile import Profilo
        from circolari.model.registry import Ente

        return {"Circolare": self.model(), "Profilo": Profilo, "Ente": Ente}

    def prepare(self, act, doc, project) -> Prepared:
        from circolari.input.profiles import profile_path
        from circolari.registry.registry import load_registry

        context, recipients, profile = circolare_context(act, doc, project.templates,
                                                         load_registry(project.recipients))
        identity = {"kind": act.tipo, "oggetto": act.oggetto, "date": act.data.isoformat() if act.data else None,
                    "protocollo": act.protocollo, "numero": None}
        return Prepared(self.template, context, identity, [profile_path(project.templates, act.intestazione)],
                        recipients, profile.mittente.model_dump(mode="json"),
                        unverified_warnings([r.ente for r in recipients], doc),
                        issued=act.protocollo is not None, date=act.data)

    def date(self, act) -> dt.date | None:
        return act.data

    def markdown_texts(self, act) -> Iterator[tuple[tuple, str]]:
        yield ("corpo",), act.corpo

    def heading(self, act) -> str:
        return ("Nota" + (f" prot. {act.protocollo}" if act.protocollo else "")
                + (f" del {data_breve(act.data)}" if act.data else ""))

    def figures(self, act) -> dict:
        if act.serie is None:  # the series machinery loads only for a series
            return dict(act.fatti or {})
        from circolari.model.serie import declared

        return {**(act.fatti or {}), **declared(act.serie)}

    def problems(self, act, doc, project, registry, used: set[str]) -> list[Problem]:
        """Letterhead, then addressees and bodies in copy, as the renderer resolves them (a
        series' table is checked by ``review/checks.series_problems``)."""
        try:
            _profile(act, doc, project.templates)
        except CircolariError as exc:
            return exc.problems
        if registry is None:
            return []
        found: list[Problem] = []
        for key in ("destinatari", "per_conoscenza"):
            selection = getattr(act, key)
            if selection is None:
                continue
            try:
                chosen = registry.resolve(selection.gruppi, selection.enti, selection.esclusi, file=doc.path,
                                          field=key, lines=doc)
            except CircolariError as exc:
                found += exc.problems
                continue
            used.update(ente.id for ente in chosen)
            found += unverified_warnings(chosen, doc, key)
        return found

    def date_problems(self, act, doc, today: dt.date) -> list[Problem]:
        if act.data and act.protocollo and act.data > today:
            return [Problem(f"data {data_breve(act.data)} nel futuro per un atto già protocollato",
                            file=doc.path, line=doc.line_of(("data",)), field="data")]
        return []


CIRCOLARE = CircolareKind()
