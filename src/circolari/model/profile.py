"""Letterhead and sender profile of a Direzione Generale (templates/intestazioni/*.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from circolari.model.pec import pec_problem
from circolari.model.base import Model, Text


class Mittente(Model):
    """The sender of the act's PEC messages."""

    denominazione: Text
    pec: Text

    @field_validator("pec")
    @classmethod
    def _valid_pec(cls, value: str) -> str:
        why = pec_problem(value)
        if why:
            raise ValueError(why)
        return value


class RigaOggetto(Model):
    """How the oggetto line is printed: «Oggetto: …» (standard Italian typography) by default."""

    etichetta: Text = "Oggetto"
    separatore: Text = Field(":", description="tra l'etichetta e il testo")
    spazio_prima: bool = Field(False, description="uno spazio prima del separatore («Oggetto : …»)")
    grassetto: Literal["etichetta", "riga", "nessuno"] = Field(
        "etichetta", description="in grassetto l'etichetta, tutta la riga o nulla")


class Profilo(Model):
    """The letterhead printed on the first page, and who sends the act."""

    marchio: list[Text]
    ente: Text
    direzione: Text
    recapiti: list[Text]
    mittente: Mittente
    oggetto: RigaOggetto = Field(default_factory=RigaOggetto)
