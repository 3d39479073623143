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

# ``1.234.567,89`` or ``1234,5``: \d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?, written with the first digit
# taken out of the alternation (the same matches, tried in the same order): a pattern that starts with
# it is searched for from one digit to the next, not tried at every character.
_AFTER_FIRST_DIGIT = r"(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?)"
NUMBER_TEXT = r"\d" + _AFTER_FIRST_DIGIT
AMOUNT = re.compile(rf"(?=[€e\d])"  # where an amount can start: elsewhere fail at once (2x faster)
                    rf"(?:(?:€|\beuro\b)\s*(?P<a>{NUMBER_TEXT})|(?P<b>{NUMBER_TEXT})\s*(?:€|\beuro\b))", re.IGNORECASE)
PERCENT = re.compile(rf"(?P<p>{NUMBER_TEXT})\s?%")
# A figure not preceded by any of \w./,- : that lookbehind is made after its first digit (``\d(?<![\w./,-]\d)``),
# so that the pattern starts with the digit (as NUMBER_TEXT does: the same matches, 2x faster).
NUMBER = re.compile(rf"(?P<n>\d(?<![\w./,-]\d){_AFTER_FIRST_DIGIT})(?![\w/%]|[.,]\d)")
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
    kinds = {name: f.tipo for name, f in fatti.items()}
    declared = {(f.tipo, f.valore) for f in fatti.values()}  # Decimals and dates: equal values hash alike
    out = []
    for path, text in texts:
        for kind, value, written, start in _hand_figures(text):
            if value is None:
                continue
            names = [n for n in by_lead.get(_lead(text, start), ()) if kinds[n] == kind]
            if names and (kind, value) not in declared and all(fatti[n].valore != value for n in names):
                shown = ", ".join(f"«{n}»" for n in sorted(names))
                out.append((path, f"«{written}» scritto a mano contraddice il fatto {shown}, citato altrove "
                                  "dopo le stesse parole", written))
            elif kind == "importo" and amounts and value not in amounts:
                out.append((path, f"importo «{written}» scritto a mano diverso da tutti gli importi dichiarati "
                                  "in 'fatti'", written))
    return out
