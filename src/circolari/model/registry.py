"""Entries of the recipient registry (recipients/*.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Id, Model, Text

Tipo = Literal[
    "ASST", "ATS", "IRCCS pubblico", "IRCCS privato",
    "ospedale classificato", "casa di cura", "agenzia", "altro",
]


class Gruppo(Model):
    """A named group of bodies, with the heading used when an act addresses it by category."""

    id: Id
    nome: Text
    intestazione: Text | None = None


class Ente(Model):
    """A body that receives acts, with its PEC and the source that vouches for it."""

    id: Id
    denominazione: Text
    tipo: Tipo
    ruolo: Text = "Direttore Generale"
    pec: Text | None = None
    indirizzo: list[Text] = Field(default_factory=list)
    gruppi: list[Id] = Field(default_factory=list)
    fonte: Text | None = None
    verificato: bool = True

    @model_validator(mode="after")
    def _pec_or_unverified(self):
        if self.pec is None and self.verificato:
            raise ValueError("senza PEC l'ente va segnato 'verificato: false'")
        return self
