"""Header values that decode back to exactly the clerk's text, for any text.

The stdlib's folder can drop or double the space between two adjacent RFC 2047 encoded
words (Python 3.11), and can fold a long display name out of its quotes. Here every
header that carries data is encoded by one rule and stored pre-folded
(``Message.set_raw``), so the generator emits it verbatim:

* plain text (printable ASCII, single spaces, no ``=?``, short words) is kept as it is,
  folded only at its own spaces (unfolding gives the same text back);
* anything else becomes UTF-8 ``B`` encoded words that carry every character, spaces
  included; a decoder ignores the folding whitespace between adjacent encoded words.

Addresses are ``email.headerregistry.Address`` objects (the addr-spec is validated
there); the display name is quoted strings and encoded words, never bare.
"""

from __future__ import annotations

import base64
import re
from email.headerregistry import Address

MAX_LINE = 78
_EW_BYTES = 42          # UTF-8 bytes per encoded word: 56 base64 chars + 12 = 68 columns
_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*")    # printable ASCII words, single spaces
_MAX_PLAIN_WORD = 60
_MAX_RUN = 600          # UTF-8 bytes of one encoded word in a display name (800 columns)


def _plain_ok(text: str) -> bool:
    return (bool(_PLAIN.fullmatch(text)) and "=?" not in text
            and max(len(w) for w in text.split(" ")) <= _MAX_PLAIN_WORD)


def _encoded_words(text: str) -> list[str]:
    """``text`` as UTF-8 B encoded words, never splitting a character."""
    words, chunk, size = [], [], 0
    for ch in text:
        n = len(ch.encode("utf-8"))
        if size + n > _EW_BYTES and chunk:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(ch)
        size += n
    if chunk:
        words.append("".join(chunk))
    return ["=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?="
            for w in words]


def _fold(tokens: list[str], first_width: int) -> list[str]:
    """Lines of ``tokens`` joined by single spaces, a line broken before a token when it
    would pass 78 columns (``first_width``: the header name and ': '). The folding
    whitespace stands for the joining space."""
    lines, line, width = [], "", first_width
    for tok in tokens:
        if line and width + 1 + len(tok) > MAX_LINE:
            lines.append(line)
            line, width = tok, 1 + len(tok)
        else:
            width += len(tok) + (1 if line else 0)
            line = f"{line} {tok}" if line else tok
    lines.append(line)
    return lines


def text_value(name: str, text: str) -> str:
    """Pre-folded value of the unstructured header ``name`` carrying ``text`` exactly."""
    width = len(name) + 2
    if not text:
        return ""
    # Plain: folded at one of the text's own spaces ("a b" -> "a\r\n b" unfolds to
    # "a b"). Encoded: the space between two encoded words is not part of the text.
    tokens = text.split(" ") if _plain_ok(text) else _encoded_words(text)
    return "\n ".join(_fold(tokens, width))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def _phrase(display: str) -> list[str]:
    """A display name as phrase words: runs of plain ASCII words as one quoted string,
    runs of other words as one encoded word (spaces inside it). Two encoded words are
    never adjacent: readers disagree on the space between them in a phrase (Python
    keeps it, RFC 2047 drops it), so a long run makes one long encoded word."""
    if display != " ".join(display.split(" ")) or not display.isprintable() \
            or display.startswith(" ") or display.endswith(" ") or "  " in display:
        return [_one_word(display)]
    runs: list[tuple[bool, list[str]]] = []
    for word in display.split(" "):
        plain = _plain_ok(word)
        if runs and runs[-1][0] == plain:
            runs[-1][1].append(word)
        else:
            runs.append((plain, [word]))
    out: list[str] = []
    for plain, words in runs:
        if plain:
            out.append(_quoted(" ".join(words)))
            continue
        # Keep every line under the 998-octet limit: beyond _MAX_RUN bytes a run is cut
        # at one of its spaces (only a name that long could then read differently).
        chunk: list[str] = []
        for word in words:
            if chunk and len(" ".join(chunk + [word]).encode("utf-8")) > _MAX_RUN:
                out.append(_one_word(" ".join(chunk)))
                chunk = []
            chunk.append(word)
        out.append(_one_word(" ".join(chunk)))
    return out


def address_value(name: str, address: Address) -> str:
    """Pre-folded value of the address header ``name`` with one mailbox: the display
    name always quoted or encoded, so no comma or ``<...>`` in it can add an address."""
    angle = f"<{address.addr_spec}>"
    if not address.display_name:
        return angle
    return "\n ".join(_fold(_phrase(address.display_name) + [angle], len(name) + 2))


def set_text(msg, name: str, text: str) -> None:
    msg.set_raw(name, text_value(name, text))


def set_address(msg, name: str, address: Address) -> None:
    msg.set_raw(name, address_value(name, address))
