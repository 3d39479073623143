"""Figures written by hand that contradict the act's declared ``fatti``.

Two rules, both warnings:
- an amount in euro written by hand ("euro 150", "€ 1.000,00", "200 euro") equal to no
  declared amount, in an act that declares amounts;
- a figure written by hand after the same words that introduce a citation elsewhere
  ("fino al [[fine_validita]]" ... "fino al 30.06.2021"), different from that figure and from
  every other declared figure of its kind (a written amount equal to a declared one is fine).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from circolari.compose.placeholders import PLACEHOLDER
from circolari.review import dates

NUMBER_TEXT = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
AMOUNT = re.compile(rf"(?:€|\beuro\b)\s*(?P<a>{NUMBER_TEXT})|(?P<b>{NUMBER_TEXT})\s*(?:€|\beuro\b)", re.IGNORECASE)
PERCENT = re.compile(rf"(?P<p>{NUMBER_TEXT})\s?%")
NUMBER = re.compile(rf"(?<![\w./,-])(?P<n>{NUMBER_TEXT})(?![\w/%]|[.,]\d)")
_WORD = re.compile(r"[\w'’]+")


def to_decimal(text: str) -> Decimal | None:
    """An Italian-written figure (``1.234,5``) as a Decimal; None if it is not one."""
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None


def _lead(text: str, position: int, words: int = 2) -> tuple[str, ...]:
    """The last ``words`` words before ``position``, lowercased (the phrase introducing a figure)."""
    before = PLACEHOLDER.sub(" ", text[max(0, position - 80):position])
    found = _WORD.findall(before.lower())
    return tuple(found[-words:])


def _hand_figures(text: str):
    """(kind, value, written text, start) of every figure written by hand in ``text``."""
    taken: list[range] = []
    for m in AMOUNT.finditer(text):
        value = to_decimal(m.group("a") or m.group("b"))
        start = m.start("a") if m.group("a") else m.start("b")
        taken.append(range(m.start(), m.end()))
        yield "importo", value, m.group(0), start
    for f in dates.find(text):
        taken.append(range(f.start, f.start + len(f.text)))
        if f.date:
            yield "data", f.date, f.text, f.start
    for m in PERCENT.finditer(text):
        taken.append(range(m.start(), m.end()))
        yield "percentuale", to_decimal(m.group("p")), m.group(0), m.start()
    for m in NUMBER.finditer(text):
        if not any(m.start() in r for r in taken):
            yield "numero", to_decimal(m.group("n")), m.group(0), m.start()


def contradictions(texts: list[tuple[tuple, str]], fatti: dict) -> list[tuple[tuple, str, str]]:
    """(path, message, written text) for each hand-written figure that contradicts a declared one."""
    if not fatti:
        return []
    by_lead: dict[tuple, set[str]] = {}
    for _, text in texts:
        for m in PLACEHOLDER.finditer(text):
            if m.group(1) in fatti:
                lead = _lead(text, m.start())
                if lead:
                    by_lead.setdefault(lead, set()).add(m.group(1))
    amounts = {f.importo for f in fatti.values() if f.importo is not None}
    out = []
    for path, text in texts:
        for kind, value, written, start in _hand_figures(text):
            if value is None:
                continue
            names = [n for n in by_lead.get(_lead(text, start), ()) if fatti[n].tipo == kind]
            declared = any(f.tipo == kind and f.valore == value for f in fatti.values())
            if names and not declared and all(fatti[n].valore != value for n in names):
                shown = ", ".join(f"«{n}»" for n in sorted(names))
                out.append((path, f"«{written}» scritto a mano contraddice il fatto {shown}, citato altrove "
                                  "dopo le stesse parole", written))
            elif kind == "importo" and amounts and value not in amounts:
                out.append((path, f"importo «{written}» scritto a mano diverso da tutti gli importi dichiarati "
                                  "in 'fatti'", written))
    return out
