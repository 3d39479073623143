"""The circolare (nota) of a Direzione Generale."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from circolari.model.base import Id, Markdown, Model, Text
from circolari.model.fatti import Fatti
from circolari.model.people import Firmatario, Piede
from circolari.model.serie import Serie


class Selezione(Model):
    """Bodies chosen from the registry: groups (in registry order), then single ids, minus exclusions."""

    gruppi: list[Id] = Field(default_factory=list, description="id di gruppi del registro (es. asst, ats)")
    enti: list[Id] = Field(default_factory=list, description="id di singoli enti, nell'ordine voluto")
    esclusi: list[Id] = Field(default_factory=list, description="id di enti da togliere")

    @model_validator(mode="after")
    def _not_empty(self):
        if not (self.gruppi or self.enti):
            raise ValueError("indicare almeno un gruppo o un ente")
        return self


class Destinatari(Selezione):
    """The addressees and how the letter lists them."""

    stile: Literal["elenco", "categorie"] = Field(
        "elenco",
        description="elenco: ogni ente con la sua PEC; categorie: una riga per gruppo "
        "(es. 'Ai Direttori Generali ASST'), le PEC servono solo all'invio",
    )
    intestazione: Text | None = Field(
        None, description="riga sopra l'elenco, es. 'Ai Direttori Generali/Legali Rappresentanti'"
    )


class Circolare(Model):
    """A circular letter (nota) from a Direzione Generale to the health bodies."""

    tipo: Literal["circolare"]
    intestazione: Id = Field("dg-welfare", description="profilo di carta intestata in templates/intestazioni/")
    luogo: Text = "Milano"
    data: dt.date | None = Field(None, description="data dell'atto (AAAA-MM-GG); vuota finché non protocollato")
    protocollo: Text | None = Field(None, description="numero di protocollo, es. G1.2020.0012345")
    destinatari: Destinatari
    per_conoscenza: Selezione | None = Field(None, description="enti in copia ('e, p.c.')")
    oggetto: Text
    corpo: Markdown = Field(description="testo della lettera in Markdown")
    saluti: Text = Field("Distinti saluti", description="es. 'Distinti saluti', 'I migliori saluti'")
    firmatario: Firmatario
    piede: Piede
    fatti: Fatti = Field(default_factory=dict, description="cifre e date citate nel testo come [[nome]]")
    serie: Serie | None = Field(None, description="serie di lettere: una per ogni riga di una tabella, "
                                "ciascuna al solo ente della riga e con le sue cifre (vedere docs/series.md)")
