"""The ``serie:`` block of a circolare: where the table is and what its columns hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from circolari.model.base import Model, Text
from circolari.model.fatti import FORMATI, Fatto, NomeFatto

ID_COLUMN = "ente"
PROTOCOL_COLUMN = "protocollo"
LABEL_COLUMNS = ("denominazione",)  # a column the clerk keeps for reading; never used


class Campo(Model):
    """One column of the table, cited in the text as ``[[nome]]`` like a declared figure."""

    tipo: Literal["importo", "numero", "percentuale", "data"] = Field(description="importo, numero, percentuale o data")
    formato: Text | None = Field(None, description="come scriverlo se la citazione non lo sceglie")
    descrizione: Text | None = None

    @model_validator(mode="after")
    def _known_format(self):
        if self.formato is not None and self.formato not in FORMATI[self.tipo]:
            raise ValueError(f"formato «{self.formato}» non ammesso per {self.tipo}: "
                             f"usare {', '.join(FORMATI[self.tipo])}")
        return self


class Serie(Model):
    """One letter per row of ``tabella``: the row's body is the letter's only addressee."""

    tabella: Text = Field(description="file della tabella accanto all'atto: .xlsx, .csv o .yaml")
    foglio: Text | None = Field(None, description="foglio della cartella Excel (predefinito: il primo)")
    colonna_ente: Text = Field(ID_COLUMN, description="colonna con l'id dell'ente nel registro")
    campi: dict[NomeFatto, Campo] = Field(default_factory=dict,
                                         description="colonne citate nel testo come [[nome]], con il loro tipo")
    totali: dict[NomeFatto, NomeFatto] = Field(
        default_factory=dict, description="colonna: fatto dichiarato che ne è la somma (controllata)")


_SAMPLE = {"importo": Decimal(0), "numero": Decimal(0), "percentuale": Decimal(0), "data": dt.date(2000, 1, 1)}


def declared(serie: Serie | None) -> dict[str, Fatto]:
    """The columns as figures with a sample value: what citations in the common text may name."""
    if serie is None:
        return {}
    return {name: Fatto(**{campo.tipo: _SAMPLE[campo.tipo]}, formato=campo.formato)
            for name, campo in serie.campi.items()}
