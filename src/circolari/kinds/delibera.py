"""The deliberazione della Giunta regionale (DGR): frontispiece, premesse, dispositivo, allegati with tables."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Iterator, TypedDict

from circolari.compose.italian import data_breve
from circolari.errors import CircolariError, Problem
from circolari.kinds.base import ActKind, Prepared

if TYPE_CHECKING:
    from circolari.model.delibera import Assessore, Delibera

_ALIGN = {"sinistra": "left", "centro": "center", "destra": "right"}


class ColonnaContext(TypedDict):
    intestazione: str
    larghezza: float
    allineamento: str


class TabellaContext(TypedDict):
    titolo: str | None
    colonne: list[ColonnaContext]
    righe: list[list[str]]


class SezioneContext(TypedDict):
    titolo: str | None
    testo: str | None
    tabelle: list[TabellaContext]


class AllegatoContext(TypedDict):
    numero: int
    titolo: str | None
    parte_integrante: bool
    sezioni: list[SezioneContext]
    tabelle: list[TabellaContext]


class DeliberaContext(TypedDict):
    """What ``delibera.html.j2`` receives."""

    atto: Delibera
    assessori_colonne: list[list[Assessore]]
    allegati: list[AllegatoContext]
    riferimento: str
    parere_base: str


def _tables(tables, doc, at: tuple) -> list[TabellaContext]:
    from circolari.input.tables import table_rows

    return [TabellaContext(
        titolo=table.titolo,
        colonne=[ColonnaContext(intestazione=c.intestazione, larghezza=c.larghezza,
                                allineamento=_ALIGN[c.allineamento]) for c in table.colonne],
        righe=table_rows(table, doc, at + (index,)),
    ) for index, table in enumerate(tables)]


def delibera_context(act, doc) -> DeliberaContext:
    """The template context, with the rows of every table read (files beside the act)."""
    allegati = []
    for a_index, allegato in enumerate(act.allegati):
        at = ("allegati", a_index)
        allegati.append(AllegatoContext(
            numero=allegato.numero,
            titolo=allegato.titolo,
            parte_integrante=allegato.parte_integrante,
            sezioni=[SezioneContext(titolo=s.titolo, testo=s.testo,
                                    tabelle=_tables(s.tabelle, doc, at + ("sezioni", s_index, "tabelle")))
                     for s_index, s in enumerate(allegato.sezioni)],
            tabelle=_tables(allegato.tabelle, doc, at + ("tabelle",)),
        ))
    half = (len(act.assessori) + 1) // 2
    return DeliberaContext(atto=act, assessori_colonne=[act.assessori[:half], act.assessori[half:]],
                           allegati=allegati, riferimento=act.riferimento or act.oggetto,
                           parere_base=act.parere_base)


class DeliberaKind(ActKind):
    name = "delibera"
    label = "la deliberazione"
    indefinite = "una delibera"
    template = "delibera.html.j2"
    context = DeliberaContext

    def model(self) -> type:
        from circolari.model.delibera import Delibera

        return Delibera

    def _type_names(self) -> dict[str, type]:
        from circolari.model.delibera import Assessore

        return {"Delibera": self.model(), "Assessore": Assessore}

    def prepare(self, act, doc, project) -> Prepared:
        tables = [doc.path.parent / t.file for a in act.allegati
                  for t in [*a.tabelle, *(t for s in a.sezioni for t in s.tabelle)] if t.file]
        identity = {"kind": act.tipo, "oggetto": act.oggetto, "date": act.seduta.isoformat(),
                    "protocollo": None, "numero": f"{act.legislatura}/{act.numero}"}
        return Prepared(self.template, delibera_context(act, doc), identity, tables, issued=True, date=act.seduta)

    def date(self, act) -> dt.date | None:
        return act.seduta

    def markdown_texts(self, act) -> Iterator[tuple[tuple, str]]:
        for i, premessa in enumerate(act.premesse):
            yield ("premesse", i, "testo"), premessa.testo
        for i, punto in enumerate(act.dispositivo):
            yield ("dispositivo", i), punto
        for a, allegato in enumerate(act.allegati):
            for s, sezione in enumerate(allegato.sezioni):
                if sezione.testo:
                    yield ("allegati", a, "sezioni", s, "testo"), sezione.testo

    def heading(self, act) -> str:
        return f"DGR n. {act.legislatura}/{act.numero} del {data_breve(act.seduta)}"

    def problems(self, act, doc, project, registry, used: set[str]) -> list[Problem]:
        try:
            delibera_context(act, doc)  # reads every table file
        except CircolariError as exc:
            return exc.problems
        return []

    def date_problems(self, act, doc, today: dt.date) -> list[Problem]:
        if act.seduta > today:
            return [Problem(f"seduta del {data_breve(act.seduta)} nel futuro: una delibera adottata "
                            "non può avere una data successiva a oggi", file=doc.path, line=doc.line_of(("seduta",)),
                            field="seduta")]
        return []


DELIBERA = DeliberaKind()
