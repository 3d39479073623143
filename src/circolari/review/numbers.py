"""Figures written twice or added up by hand, read in the act's text (figures already substituted):

- a number in words beside the same number in digits must agree: «trecento (400)»,
  «Euro 28.000.000,00 (ventisettemilioni/00)»;
- a total stated as such must equal its parts in the same sentence: «350 posti ... e 300 posti
  ..., per complessivi 800 posti».
"""

from __future__ import annotations

import re
from decimal import Decimal

from circolari.review.contradictions import NUMBER_TEXT, to_decimal

_UNITS = {"zero": 0, "uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "tré": 3, "quattro": 4, "cinque": 5,
          "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12, "tredici": 13,
          "quattordici": 14, "quindici": 15, "sedici": 16, "diciassette": 17, "diciotto": 18, "diciannove": 19}
_TENS = {"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60, "settanta": 70,
         "ottanta": 80, "novanta": 90}
_VOCABULARY = {**_UNITS, **_TENS, **{t[:-1]: v for t, v in _TENS.items()}, "cento": 100, "cent": 100,
               "mille": 1000, "mila": 1000, "milione": 10 ** 6, "milioni": 10 ** 6,
               "miliardo": 10 ** 9, "miliardi": 10 ** 9}
_TOKENS = sorted(_VOCABULARY, key=len, reverse=True)


def words_value(text: str) -> Decimal | None:
    """The value of an Italian number in words («trecento», «ventisettemilioni/00», «mille e
    cinquecento»), or None when ``text`` is not one."""
    text = text.lower().strip()
    cents = Decimal(0)
    m = re.fullmatch(r"(.*?)\s*/\s*(\d{2})", text)
    if m:
        text, cents = m.group(1), Decimal(m.group(2)) / 100
    parts = [w for w in re.split(r"[\s\-]+", text) if w and w != "e"]
    if not parts:
        return None
    tokens: list[int] = []
    for word in parts:
        split = _split(word)
        if split is None:
            return None
        tokens += split
    total = current = 0
    for value in tokens:
        if value == 100:
            current = (current or 1) * 100
        elif value >= 1000:
            total += (current or 1) * value
            current = 0
        else:
            current += value
    return Decimal(total + current) + cents


def _split(word: str) -> list[int] | None:
    """The number words ``word`` is made of (longest first, backtracking: «centottanta» = cent+ottanta)."""
    ends: dict[int, list[int] | None] = {len(word): []}
    for start in range(len(word) - 1, -1, -1):
        ends[start] = None
        for token in _TOKENS:
            rest = ends.get(start + len(token)) if word.startswith(token, start) else None
            if rest is not None:
                ends[start] = [_VOCABULARY[token], *rest]
                break
    return ends[0]


_WORDS = r"[a-zA-Zàèéìòù][a-zA-Zàèéìòù \-]*?(?:\s*/\s*\d{2})?"
DIGITS_WORDS = re.compile(rf"(?P<d>{NUMBER_TEXT})\s*(?:€|euro)?\s*\(\s*(?P<w>{_WORDS})\s*\)", re.IGNORECASE)
WORDS_DIGITS = re.compile(rf"(?<![\w])(?P<w>[a-zA-Zàèéìòù]+)\s*\(\s*(?:€|euro)?\s*(?P<d>{NUMBER_TEXT})\s*\)", re.IGNORECASE)
_IN_BRACKETS = re.compile(rf"\(\s*(?:€|euro)?\s*{NUMBER_TEXT}\s*\)", re.IGNORECASE)  # in every WORDS_DIGITS


def words_vs_digits(text: str) -> list[tuple[str, str]]:
    """(message, written text) for each number in words that disagrees with its digits."""
    out = []
    for pattern in (DIGITS_WORDS, WORDS_DIGITS):
        if pattern is WORDS_DIGITS and not _IN_BRACKETS.search(text):
            continue  # searched for from one "(" to the next: WORDS_DIGITS is tried at every letter
        for m in pattern.finditer(text):
            words, digits = words_value(m.group("w")), to_decimal(m.group("d"))
            if words is None or digits is None or words == digits:
                continue
            out.append((f"«{m.group(0).strip()}»: il numero in lettere ({_plain(words)}) è diverso da quello in "
                        f"cifre ({_plain(digits)})", m.group(0).strip()))
    return out


TOTAL = re.compile(r"(?=[pci])\b(?:per\s+(?:un|il)\s+totale\s+(?:complessivo\s+)?di|per\s+complessivi|per\s+complessive|"
                   r"complessivamente|in\s+totale|per\s+un\s+importo\s+complessivo\s+di|"
                   r"per\s+una\s+spesa\s+complessiva\s+di|pari\s+complessivamente\s+a)\s*(?:€|euro)?\s*"
                   rf"(?P<n>{NUMBER_TEXT})", re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[.;:!?](?=\s+[A-Z\-•])|\n\s*\n|\n\s*[-*]\s)")
_PART = re.compile(rf"(?<![\w./,\-])(?P<n>{NUMBER_TEXT})(?![\w/%]|[.,]\d)")
_NOT_PART = re.compile(r"(?:\bn\.?|numero|art\.?|articolo|comma|legge|l\.r\.|d\.lgs\.?|\bdel|\bal|\bdal|anno|anni)\s*$",
                       re.IGNORECASE)


def totals(text: str) -> list[tuple[str, str]]:
    """(message, written text) for each hand-written total that is not the sum of the figures before
    it in its sentence (at least two of them)."""
    out = []
    for m in TOTAL.finditer(text):
        start = max((b.end() for b in _SENTENCE.finditer(text, 0, m.start())), default=0)
        parts = [to_decimal(p.group("n")) for p in _PART.finditer(text, start, m.start())
                 if not _NOT_PART.search(text[max(start, p.start() - 12):p.start()])
                 and not _is_year(p.group("n"))]
        parts = [p for p in parts if p is not None]
        stated = to_decimal(m.group("n"))
        if len(parts) < 2 or stated is None or sum(parts) == stated:
            continue
        out.append((f"totale «{m.group(0).strip()}» diverso dalla somma delle parti scritte prima "
                    f"({' + '.join(_plain(p) for p in parts)} = {_plain(sum(parts))})", m.group(0).strip()))
    return out


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", text))


def _plain(value: Decimal) -> str:
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return text[:-3] if text.endswith(",00") else text
