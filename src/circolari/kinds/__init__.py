"""Kinds of act (circolare, delibera): everything that differs between them, one module each.

Render, check, review, the template checker, the CLI and the PEC messages ask the act's
``ActKind`` (``kind_of(act)``) instead of testing ``act.tipo``: adding a kind is one module
and its line in ``KINDS``. Importing this package is cheap: models, registries and
templates are imported by the methods that need them.
"""

from __future__ import annotations

from circolari.kinds.base import ActKind, Prepared
from circolari.kinds.circolare import CIRCOLARE
from circolari.kinds.delibera import DELIBERA

KINDS: dict[str, ActKind] = {kind.name: kind for kind in (CIRCOLARE, DELIBERA)}

__all__ = ["ActKind", "KINDS", "Prepared", "kind_of", "label", "names"]


def names() -> tuple[str, ...]:
    """The ``tipo`` values an act may have, in registry order."""
    return tuple(KINDS)


def kind_of(act) -> ActKind:
    """The kind of a validated act."""
    return KINDS[act.tipo]


def label(name: str) -> str:
    """How a PEC message names an act of kind ``name`` ("la circolare"); "l'atto" if unknown."""
    kind = KINDS.get(str(name).lower())
    return kind.label if kind is not None else "l'atto"
