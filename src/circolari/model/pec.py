"""PEC address syntax: the one check shared by the registry, the acts and the mailer."""

from __future__ import annotations

import re

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
_PEC = re.compile(rf"{_LOCAL}@{_DOMAIN}")


def pec_problem(address: str) -> str | None:
    """Return why ``address`` is not a well-formed address, in Italian, or None if it is."""
    if not isinstance(address, str) or not address:
        return "indirizzo PEC vuoto"
    if any(c.isspace() for c in address):
        return f"l'indirizzo PEC «{address}» contiene spazi o a capo"
    if address.count("@") != 1:
        return f"l'indirizzo PEC «{address}» deve contenere una sola @"
    if not _PEC.fullmatch(address):
        return f"l'indirizzo PEC «{address}» non è un indirizzo e-mail valido"
    return None
