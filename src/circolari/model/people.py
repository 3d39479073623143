"""People named in acts: signatories and the officers of the per-page footer."""

from __future__ import annotations

from pydantic import model_validator

from circolari.model.base import Model, Text


class Firmatario(Model):
    """Who signs: e.g. qualifica "IL DIRETTORE GENERALE", nome "LUIGI CAJAZZO"."""

    qualifica: Text
    nome: Text


class Responsabile(Model):
    """Il Responsabile del procedimento: name and telephone."""

    nome: Text
    telefono: Text | None = None
    email: Text | None = None


class Referente(Model):
    """Il Referente per l'istruttoria della pratica: name and e-mail."""

    nome: Text
    email: Text | None = None
    telefono: Text | None = None


class Piede(Model):
    """The line printed at the foot of every page."""

    responsabile_procedimento: Responsabile | None = None
    referente_istruttoria: Referente | None = None

    @model_validator(mode="after")
    def _at_least_one(self):
        if not (self.responsabile_procedimento or self.referente_istruttoria):
            raise ValueError(
                "indicare responsabile_procedimento e/o referente_istruttoria"
            )
        return self
