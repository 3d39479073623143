"""Key figures of an act (``fatti``): declared once, cited in the text as ``[[nome]]``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Union

from pydantic import Field, StringConstraints, model_validator

from circolari.model.base import Model, Text

NomeFatto = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
"""Name of a figure: lowercase letters, digits and underscores (e.g. tariffa_sub_acute)."""

# The formats a citation may choose, by kind of figure (names the clerk writes).
FORMATI = {
    "importo": ("euro", "euro-intero", "intero", "decimali"),
    "numero": ("intero", "decimali", "numero"),
    "percentuale": ("percentuale", "numero"),
    "data": ("lunga", "settimana", "punti", "barre", "barre-corta"),
}
PREDEFINITO = {"importo": "euro", "numero": "numero", "percentuale": "percentuale", "data": "lunga"}


class Fatto(Model):
    """One figure: an amount in euro, a number, a percentage or a date; a total may list its parts."""

    importo: Decimal | None = Field(None, description="importo in euro, es. 28000000")
    numero: Decimal | None = Field(None, description="un numero (posti, pazienti, ...)")
    percentuale: Decimal | None = Field(None, description="una percentuale, es. 50 per 50%")
    data: dt.date | None = Field(None, description="una data (AAAA-MM-GG)")
    formato: Text | None = Field(None, description="come scriverlo se la citazione non lo sceglie: "
                                 + "; ".join(f"{k}: {', '.join(v)}" for k, v in FORMATI.items()))
    parti: list[Union[NomeFatto, Decimal]] = Field(
        default_factory=list, description="le parti di un totale (nomi di altri fatti o numeri): la somma è controllata")
    descrizione: Text | None = None

    @model_validator(mode="after")
    def _one_value(self):
        given = [k for k in FORMATI if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("indicare uno solo fra importo, numero, percentuale, data")
        kind = given[0]
        if self.formato is not None and self.formato not in FORMATI[kind]:
            raise ValueError(f"formato «{self.formato}» non ammesso per {kind}: usare {', '.join(FORMATI[kind])}")
        if self.parti and kind == "data":
            raise ValueError("una data non ha parti")
        return self

    @property
    def tipo(self) -> str:
        return next(k for k in FORMATI if getattr(self, k) is not None)

    @property
    def valore(self):
        return getattr(self, self.tipo)


Fatti = dict[NomeFatto, Fatto]
