"""The deliberazione della Giunta regionale (DGR), its premesse, dispositivo and allegati."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from circolari.model.base import Markdown, Model, Text
from circolari.model.fatti import Fatti

# Years of each legislature (boundary years belong to both: elections fall in spring).
LEGISLATURE = {"IX": (2010, 2013), "X": (2013, 2018), "XI": (2018, 2023), "XII": (2023, 9999)}


def legislature_problem(numeral: str, year: int) -> str | None:
    """Why ``numeral`` does not fit ``year``, or None when it does."""
    first, last = LEGISLATURE[numeral]
    if first <= year <= last:
        return None
    fits = [n for n, (a, b) in LEGISLATURE.items() if a <= year <= b]
    return (f"la legislatura {numeral} ({first}–{last if last < 9999 else ''}) non corrisponde all'anno {year}"
            + (f": per il {year} è {' o '.join(fits)}" if fits else ""))


PARERE_BASE = "ai sensi dell'art.4, comma 1, l.r. n.17/2014"
PARERE_BASE_FROM = 2015  # the default law (a 2014 one) surely applies from this year's sedute


class Assessore(Model):
    nome: Text
    ruolo: Text | None = Field(None, description="es. Vice Presidente")


class Parere(Model):
    """Il parere di regolarità amministrativa."""

    base: Text | None = Field(None, description="riferimento normativo del parere (predefinito dal 2015: "
                                                 f"«{PARERE_BASE}»; obbligatorio per le sedute precedenti)")
    direttore_generale: Text
    dirigenti: list[Text] = Field(default_factory=list)
    dirigenti_etichetta: Text | None = Field(None, description="predefinita: «Il Dirigente» per uno, "
                                                               "«I Dirigenti» per più")
    ordine: Literal["direttore-dirigenti", "dirigenti-direttore"] = Field(
        "direttore-dirigenti", description="chi firma per primo il parere")


class Premessa(Model):
    """A recital: its formula (VISTA, RICHIAMATA, RITENUTO, ...) in bold, then its Markdown text."""

    formula: Text
    testo: Markdown


class Colonna(Model):
    intestazione: Text
    larghezza: PositiveFloat = Field(1.0, description="larghezza relativa alle altre colonne")
    allineamento: Literal["sinistra", "centro", "destra"] = "sinistra"


class Tabella(Model):
    """A table: its columns and its rows, inline or read from a CSV/YAML file beside the act."""

    titolo: Text | None = None
    colonne: list[Colonna] = Field(min_length=1)
    righe: list[list[Text]] | None = None
    file: Text | None = Field(None, description="file CSV (UTF-8, con riga di intestazione) o YAML accanto all'atto")

    @model_validator(mode="after")
    def _rows_or_file(self):
        if (self.righe is None) == (self.file is None):
            raise ValueError("indicare le righe ('righe') oppure un file ('file'), non entrambi né nessuno")
        for index, row in enumerate(self.righe or [], start=1):
            if len(row) != len(self.colonne):
                raise ValueError(f"la riga {index} ha {len(row)} celle ma le colonne sono {len(self.colonne)}")
        return self


class Sezione(Model):
    titolo: Text | None = None
    testo: Markdown | None = None
    tabelle: list[Tabella] = Field(default_factory=list)


class Allegato(Model):
    numero: PositiveInt
    titolo: Text | None = Field(None, description="titolo dell'allegato, se diverso da 'ALLEGATO N'")
    parte_integrante: bool = True
    sezioni: list[Sezione] = Field(default_factory=list)
    tabelle: list[Tabella] = Field(default_factory=list, description="tabelle dopo le sezioni")


class Delibera(Model):
    """A DGR: frontispiece, premesse, DELIBERA points, allegati."""

    tipo: Literal["delibera"]
    legislatura: Literal["IX", "X", "XI", "XII"]
    numero: PositiveInt
    seduta: dt.date
    presidente: Text
    assessori: list[Assessore] = Field(min_length=1)
    segretario: Text
    proponenti: list[Text] = Field(min_length=1, description="il primo propone, gli altri 'di concerto con'")
    oggetto: Text
    riferimento: Text | None = Field(None, description="titolo dell'atto in testa agli allegati (predefinito: l'oggetto)")
    parere: Parere
    premesse: list[Premessa] = Field(min_length=1)
    dispositivo: list[Markdown] = Field(min_length=1, description="i punti del DELIBERA, numerati")
    allegati: list[Allegato] = Field(default_factory=list)
    fatti: Fatti = Field(default_factory=dict, description="cifre e date citate nel testo come [[nome]]")

    @model_validator(mode="after")
    def _legislature_fits_seduta(self):
        problem = legislature_problem(self.legislatura, self.seduta.year)
        if problem:
            raise ValueError(problem)
        if self.parere.base is None and self.seduta.year < PARERE_BASE_FROM:
            raise ValueError(f"per una seduta del {self.seduta.year} indicare parere.base: il riferimento "
                             f"predefinito («{PARERE_BASE}») è una legge successiva")
        return self

    @property
    def parere_base(self) -> str:
        """The parere's legal basis: the act's own, else the default (valid for the seduta's year)."""
        return self.parere.base or PARERE_BASE
