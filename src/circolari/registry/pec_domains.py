"""Is a PEC address on a certified-mail domain? A warning check, from the providers' list in data/."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

# The usual first labels of a body's own certified domain (pec.ente.it, postacert.ente.it).
_OWN_CERTIFIED_LABELS = ("pec", "postacert", "cert", "certificata", "legalmail")


@lru_cache(maxsize=1)
def provider_domains() -> frozenset[str]:
    """Shared PEC domains of AgID-accredited providers (data/gestori_pec.txt)."""
    text = resources.files("circolari").joinpath("data/gestori_pec.txt").read_text(encoding="utf-8")
    domains = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(d for d in domains if d)


def pec_domain_problem(address: str) -> str | None:
    """Why the domain of ``address`` does not look like a PEC domain, or None if it does."""
    domain = address.rsplit("@", 1)[-1].lower()
    labels = domain.split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels))}
    if suffixes & provider_domains():
        return None
    if any(label in _OWN_CERTIFIED_LABELS or label.startswith("pec") for label in labels[:-2]):
        return None
    return (f"il dominio «{domain}» non è di un gestore PEC noto né un dominio certificato dell'ente "
            "(pec.…): verificare su IndicePA che l'indirizzo sia una casella PEC")
