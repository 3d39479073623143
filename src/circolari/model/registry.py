"""Entries of the recipient registry (recipients/*.yaml)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from circolari.model.base import Id, Model, Text

Tipo = Literal[
    "ASST", "ATS", "IRCCS pubblico", "IRCCS privato",
    "ospedale classificato", "casa di cura", "agenzia", "altro",
]


def _no_invisible_chars(value: str) -> str:
    """Refuse format/control characters (bidi overrides such as U+202E, zero-width marks):
    they make a printed name or a mail header read differently from what is stored."""
    for char in value:
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf"):
            name = unicodedata.name(char, "carattere di controllo")
            raise ValueError(f"contiene il carattere invisibile U+{ord(char):04X} ({name}): toglierlo dal testo")
    return value


def _plain_display_name(value: str) -> str:
    """A body's name becomes a mail display name: '<', '>' and '@' would let it pose as an address."""
    bad = sorted({c for c in value if c in "<>@"})
    if bad:
        raise ValueError(f"contiene {' '.join(repr(c) for c in bad)}: una denominazione non può contenere "
                         "'<', '>' o '@' (diventa il nome del destinatario nella PEC)")
    return value


CleanText = Annotated[Text, AfterValidator(_no_invisible_chars)]
Denominazione = Annotated[CleanText, AfterValidator(_plain_display_name)]
CodiceIpa = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,100}$")]
FISCAL_CODE = r"^[0-9]{11}$|^[A-Z0-9]{16}$"
"""A body's fiscal code: 11 digits (most bodies) or 16 characters."""
CodiceFiscale = Annotated[str, StringConstraints(pattern=FISCAL_CODE)]


class Gruppo(Model):
    """A named group of bodies, with the heading used when an act addresses it by category."""

    id: Id
    nome: CleanText
    intestazione: CleanText | None = None


class Ente(Model):
    """A body that receives acts, with its PEC and the source that vouches for it."""

    id: Id
    denominazione: Denominazione
    tipo: Tipo
    ruolo: CleanText = "Direttore Generale"
    codice_ipa: CodiceIpa | None = None
    codice_fiscale: CodiceFiscale | None = None
    pec: Text | None = None
    indirizzo: list[CleanText] = Field(default_factory=list)
    gruppi: list[Id] = Field(default_factory=list)
    fonte: Text | None = None
    verificato: bool = True

    @model_validator(mode="after")
    def _pec_or_unverified(self):
        if self.pec is None and self.verificato:
            raise ValueError("senza PEC l'ente va segnato 'verificato: false'")
        return self

    @property
    def from_ipa(self) -> bool:
        """True when the PEC was written by an IndicePA import (see ``ipa_import``)."""
        return bool(self.fonte) and self.fonte.startswith(IPA_SOURCE_PREFIX)

    @property
    def hand_verified(self) -> bool:
        """Verified by a person against another source: an import changes it only with --forza."""
        return self.verificato and not self.from_ipa


IPA_SOURCE_PREFIX = "IndicePA"
"""How ``fonte`` begins when an import wrote it: 'IndicePA, file X del AAAA-MM-GG, codice IPA Y'."""
