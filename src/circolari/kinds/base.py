"""What a kind of act tells the common pipeline (``ActKind``) and hands to the renderer (``Prepared``)."""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from circolari.errors import Problem


@dataclass
class Prepared:
    """A kind's part of a render: template and its context, identity, inputs, recipients."""

    template: str
    context: dict
    identity: dict          # the manifest's "act": kind, oggetto, date, protocollo, numero
    inputs: list[Path]      # files read besides the act and the templates (letterhead, tables)
    recipients: list = field(default_factory=list)
    sender: dict | None = None
    warnings: list[Problem] = field(default_factory=list)
    issued: bool = False    # protected against re-rendering over different files
    date: dt.date | None = None


class ActKind:
    """One kind of act. Subclasses set the class attributes and implement the methods."""

    name: str       # the act's ``tipo``
    label: str      # how a PEC message names the act ("la circolare")
    indefinite: str  # how the template checker names it ("una circolare")
    template: str   # the main template
    context: type   # TypedDict of the template's context (annotations are strings, resolved lazily)

    def model(self) -> type:
        """The pydantic model of the act file."""
        raise NotImplementedError

    def context_types(self) -> dict[str, object]:
        """The template context's variables and their types (``typing.get_type_hints`` of ``context``)."""
        return typing.get_type_hints(self.context, localns=self._type_names())

    def _type_names(self) -> dict[str, type]:
        """Names the context annotations use that the kind's module imports lazily."""
        return {}

    def prepare(self, act, doc, project) -> Prepared:
        """Resolve everything the template needs (registry, letterhead, tables)."""
        raise NotImplementedError

    def date(self, act) -> dt.date | None:
        """The act's own date (None for an undated draft)."""
        raise NotImplementedError

    def markdown_texts(self, act) -> Iterator[tuple[tuple, str]]:
        """(path in the YAML, text) of every Markdown field: where citations are allowed."""
        raise NotImplementedError

    def heading(self, act) -> str:
        """What a reader calls the act: 'DGR n. XI/3681 del 26/10/2020', 'Nota prot. … del …'."""
        raise NotImplementedError

    def figures(self, act) -> dict:
        """The figures a citation may name: the declared ``fatti`` (a kind may add its own)."""
        return dict(act.fatti or {})

    def citation_problems(self, act, doc) -> list[Problem]:
        """Citations of undeclared figures or outside Markdown, totals that do not add up, unused figures."""
        from circolari.compose.placeholders import problems

        return problems(doc, self.figures(act), {path for path, _ in self.markdown_texts(act)})

    def problems(self, act, doc, project, registry, used: set[str]) -> list[Problem]:
        """What ``check`` finds resolving what the renderer would resolve; the registry ids
        reached are added to ``used``. ``registry`` is None when it could not be loaded."""
        return []

    def date_problems(self, act, doc, today: dt.date) -> list[Problem]:
        """An adopted act dated in the future."""
        return []
