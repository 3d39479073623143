"""Figures declared once in an act's ``fatti`` block and cited in its Markdown text.

A citation is ``[[nome]]`` (the declaration's format) or ``[[nome:formato]]``, e.g.
``[[stanziamento:decimali]]``. It is replaced by the formatted figure before the
Markdown is parsed, by plain string substitution: data is never run as a template,
and the inserted figure is escaped so that it always reads as literal text.
``\\[[`` writes two brackets without citing anything.

Formats (Italian, as Babel writes them: see ``compose/italian.py``):
  importo      euro 「€ 28.000.000,00」, euro-intero 「€ 190」, intero 「28.000.000」, decimali 「28.000.000,00」
  numero       numero 「12,5」/「400」, intero 「400」, decimali 「400,00」
  percentuale  percentuale 「50%」, numero 「50」
  data         lunga 「31 maggio 2021」, settimana 「lunedì 31 maggio 2021」, punti 「31.05.2021」,
               barre 「31/05/2021」, barre-corta 「31/5/2021」
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, Iterator

from circolari.compose.italian import GIORNI, data_breve, data_lunga, numero
from circolari.errors import Problem
from circolari.input.validation import field_name

PLACEHOLDER = re.compile(r"(?<!\\)\[\[\s*([^\[\]:\s]*)\s*(?::\s*([^\[\]\s]*)\s*)?\]\]")

_DATES = {"lunga": data_lunga, "barre": data_breve,
          "settimana": lambda d: f"{GIORNI[d.weekday()]} {data_lunga(d)}",
          "punti": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
          "barre-corta": lambda d: f"{d.day}/{d.month}/{d.year}"}
_NUMBERS = {"euro": ("€ ", (2, 2)), "euro-intero": ("€ ", (0, 0)), "intero": ("", (0, 0)),
            "decimali": ("", (2, 2)), "numero": ("", (0, 3))}


def format_value(fatto, formato: str | None = None) -> str:
    """The figure written the Italian way, in ``formato`` (else the declared or default one)."""
    from circolari.model.fatti import PREDEFINITO

    kind = fatto.tipo
    formato = formato or fatto.formato or PREDEFINITO[kind]
    if kind == "data":
        return _DATES[formato](fatto.valore)
    if formato == "percentuale":
        return numero(fatto.valore) + "%"
    prefix, decimals = _NUMBERS[formato]
    return prefix + numero(fatto.valore, decimals)


def citation_problem(fatti: dict, name: str, formato: str | None) -> str | None:
    """Why ``[[name:formato]]`` cannot be substituted, or None."""
    from circolari.model.fatti import FORMATI

    if name not in fatti:
        known = ", ".join(sorted(fatti)) or "nessuno: dichiararli nel blocco 'fatti'"
        return f"fatto «{name}» non dichiarato (fatti dichiarati: {known})"
    kind = fatti[name].tipo
    if formato is not None and formato not in FORMATI[kind]:
        return f"formato «{formato}» non ammesso per «{name}» ({kind}): usare {', '.join(FORMATI[kind])}"
    return None


def substitute(text: str, fatti: dict | None, escape: Callable[[str], str] = lambda s: s) -> str:
    """Replace every citation in ``text``; an invalid one raises ``ValueError`` (checked earlier at load)."""
    if "[[" not in text:
        return text

    def replace(match: re.Match) -> str:
        name, formato = match.group(1), match.group(2) or None
        why = citation_problem(fatti or {}, name, formato)
        if why:
            raise ValueError(why)
        return escape(format_value(fatti[name], formato))

    return PLACEHOLDER.sub(replace, text)


def all_strings(data, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string value of raw YAML data, with its path (the ``fatti`` block excluded)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not (path == () and key == "fatti"):
                yield from all_strings(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from all_strings(value, path + (i,))
    elif isinstance(data, str):
        yield path, data


def text_line(doc, path: tuple, needle: str) -> int | None:
    """The line of ``needle`` inside the YAML value at ``path`` (the field's line if not found)."""
    start = doc.line_of(path)
    lines = getattr(doc, "_source_lines", None)
    if lines is None:
        try:
            lines = doc.path.read_text(encoding="utf-8").split("\n")
        except OSError:
            lines = []
        doc._source_lines = lines
    if start and needle:
        probe = needle.strip()[:40]
        ends = sorted(v for v in doc.lines.values() if v > start)
        stop = ends[0] if ends else len(lines)
        for number in range(start, min(max(stop, start + 1), len(lines)) + 1):
            if probe and probe in lines[number - 1]:
                return number
    return start


def problems(doc, fatti: dict, markdown: set[tuple]) -> list[Problem]:
    """Citations of undeclared figures or in the wrong place, totals that do not add up, unused figures.

    ``fatti``: the figures a citation may name; ``markdown``: the paths of the Markdown fields, the
    only places where a citation is substituted (both from the act's kind)."""
    found: list[Problem] = []
    cited: set[str] = set()
    for path, text in all_strings(doc.data):
        for match in PLACEHOLDER.finditer(text):
            name, formato = match.group(1), match.group(2) or None
            cited.add(name)
            line = text_line(doc, path, match.group(0))
            field = field_name(path)
            if path not in markdown:
                found.append(Problem(f"citazione {match.group(0)} in un campo che non è testo Markdown: non verrebbe "
                                     "sostituita", file=doc.path, line=line, field=field,
                                     hint="usarla nel testo (corpo, premesse, dispositivo, sezioni)"))
                continue
            why = citation_problem(fatti, name, formato)
            if why:
                found.append(Problem(why, file=doc.path, line=line, field=field))
    for name, fatto in fatti.items():
        line = doc.line_of(("fatti", name))
        if fatto.parti:
            found += _sum_problems(name, fatto, fatti, doc, line)
            cited.update(p for p in fatto.parti if isinstance(p, str))
    for name in fatti:
        if name not in cited:
            found.append(Problem(f"fatto «{name}» dichiarato ma mai citato", file=doc.path,
                                 line=doc.line_of(("fatti", name)), level="avviso",
                                 hint=f"citarlo con [[{name}]] o toglierlo"))
    return found


def _sum_problems(name, fatto, fatti, doc, line) -> list[Problem]:
    values: list[Decimal] = []
    for part in fatto.parti:
        if isinstance(part, str):
            other = fatti.get(part)
            if other is None:
                return [Problem(f"parte «{part}» del totale «{name}» non dichiarata", file=doc.path, line=line,
                                field=f"fatti.{name}.parti")]
            if other.tipo != fatto.tipo:
                return [Problem(f"parte «{part}» del totale «{name}» non è dello stesso tipo ({other.tipo})",
                                file=doc.path, line=line, field=f"fatti.{name}.parti")]
            values.append(other.valore)
        else:
            values.append(part)
    total = sum(values, Decimal(0))
    if total != fatto.valore:
        from circolari.model.fatti import Fatto

        def show(value) -> str:
            return format_value(Fatto(**{fatto.tipo: value}), "decimali" if fatto.tipo == "importo" else "numero")

        sums = " + ".join(show(v) for v in values)
        return [Problem(f"il totale «{name}» ({show(fatto.valore)}) non è la somma delle sue parti "
                        f"({sums} = {show(total)})", file=doc.path, line=line, field=f"fatti.{name}")]
    return []


def expand_data(data, fatti: dict | None):
    """Raw YAML data with every citation written out (no Markdown escaping): the text as printed."""
    if isinstance(data, dict):
        return {k: (v if k == "fatti" else expand_data(v, fatti)) for k, v in data.items()}
    if isinstance(data, list):
        return [expand_data(v, fatti) for v in data]
    if isinstance(data, str):
        return substitute(data, fatti)
    return data
