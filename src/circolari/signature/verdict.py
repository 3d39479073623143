"""Judge one signature from pyHanko's validation status: VALIDO, NON VALIDO, NON VERIFICABILE.

The judge is pyHanko (integrity, certificate path to a configured trust anchor,
key usage, revocation data when the certificate declares where to find it);
this module maps its *state* (AdES sub-indications, flags) to Italian reasons.
A check that could not be made is NON VERIFICABILE, never VALIDO.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from circolari.errors import fail
from circolari.signature.pyhanko_lazy import lazy_packages

lazy_packages()  # before any pyhanko.sign import: verifying loads no signer and no aiohttp

VALIDO, NON_VALIDO, NON_VERIFICABILE = "VALIDO", "NON VALIDO", "NON VERIFICABILE"
NON_FIRMATO = "NON FIRMATO"  # a PDF given to verify that carries no signature at all
_RANK = {VALIDO: 0, NON_VERIFICABILE: 1, NON_FIRMATO: 2, NON_VALIDO: 3}
EXIT_CODES = {VALIDO: 0, NON_VALIDO: 1, NON_VERIFICABILE: 3, NON_FIRMATO: 4}
NO_TRUST = ("fiducia nel certificatore non verificabile: nessun certificato di fiducia "
            "configurato (indicare --trust FILE.pem o la variabile CIRCOLARI_TRUST)")


def worst(verdicts: Iterable[str]) -> str:
    """The least favourable of ``verdicts`` (VALIDO if there are none)."""
    return max(verdicts, key=_RANK.__getitem__, default=VALIDO)


@dataclass
class Findings:
    """Reasons found for one signature: failures make it NON VALIDO, doubts NON VERIFICABILE."""

    failures: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # facts that are fine, for the report

    @property
    def verdict(self) -> str:
        return NON_VALIDO if self.failures else NON_VERIFICABILE if self.doubts else VALIDO


@dataclass(frozen=True)
class Trust:
    """Trust anchors (CA certificates) the verifier accepts; empty means none configured."""

    roots: tuple = ()  # asn1crypto x509.Certificate

    def context(self, moment: datetime | None = None, extra_certs: Sequence = ()):
        """A pyHanko validation context: no network, revocation data required when declared."""
        from pyhanko_certvalidator import ValidationContext

        return ValidationContext(
            trust_roots=list(self.roots), other_certs=list(extra_certs), allow_fetching=False,
            revocation_mode="hard-fail", crls=[], ocsps=[], moment=moment,
        )


TRUST_HINT = "indicare con --trust il file .pem dei certificatori di fiducia"


def load_trust(paths: Sequence[Path], hint: str = TRUST_HINT, field: str = "--trust") -> Trust:
    """Read CA certificates (PEM or DER, several per PEM file); Italian errors for bad files
    (``hint`` says what file is expected, ``field`` where its path came from: the option or
    an environment variable). The one reader of trust anchors (``verify`` and
    ``mail receipts``)."""
    from asn1crypto import pem, x509

    from circolari.errors import CircolariError
    from circolari.input.files import read_bytes

    roots = []
    for path in paths:
        path = Path(path)
        try:
            data = read_bytes(path)  # missing, unreadable, a FIFO: an Italian error naming it
        except CircolariError as exc:
            for problem in exc.problems:
                problem.field = problem.field or field
            raise
        try:
            blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certs = [x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                cert.native  # noqa: B018 (parse fully now, not during validation)
        except Exception:  # asn1crypto raises ValueError/TypeError/... on bad input
            certs = []
        if not certs:
            raise fail("il file non contiene certificati X.509 (PEM o DER)", file=path,
                       field=field, hint=hint)
        roots += certs
    return Trust(tuple(roots))


def judge_certificate(findings: Findings, cert, status, moment: datetime, *, proven: bool,
                      trust: Trust) -> None:
    """The signer's certificate at ``moment``: its own validity and key usage, then the chain."""
    if cert is None:
        findings.failures.append("il certificato del firmatario non è nella firma")
        return
    check_validity(cert, moment, findings, proven=proven)
    if not findings.failures:  # already NON VALIDO: the chain cannot change that
        judge_trust(status, cert, trust, findings)


def check_validity(cert, moment: datetime, findings: Findings, *, proven: bool) -> None:
    """Certificate validity period and key usage, read from the certificate itself.

    ``proven`` says whether ``moment`` comes from a trusted time-stamp: without one
    the certificate must be valid now.
    """
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    when = f"alla data della marca temporale ({_day(moment)})" if proven else f"oggi ({_day(moment)})"
    if moment < start:
        findings.failures.append(f"certificato NON ANCORA VALIDO {when}: valido dal {_day(start)}")
    elif moment > end:
        findings.failures.append(f"certificato SCADUTO il {_day(end)}: non era valido {when}")
    else:
        findings.notes.append(f"certificato valido {when}")
    usage = cert.key_usage_value
    if usage is not None and "non_repudiation" not in usage.native:
        findings.failures.append("il certificato non è abilitato alla firma qualificata "
                                 "(uso della chiave senza «non ripudio»)")


def _declares_revocation(cert) -> bool:
    return bool(cert.crl_distribution_points or cert.ocsp_urls)


def judge_trust(status, cert, trust: Trust, findings: Findings) -> None:
    """Certificate path, key usage and revocation, from pyHanko's status (not its messages)."""
    from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate

    indic = getattr(status, "trust_problem_indic", None)
    if getattr(status, "revoked", False) or indic in (
            AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE):
        findings.failures.append("certificato REVOCATO (dati di revoca allegati alla firma)")
        return
    if status.trusted and indic is None:
        path = getattr(status, "validation_path", None)
        anchor = path.trust_anchor.authority.name if path is not None else None
        label = anchor.native.get("common_name") if anchor is not None else None
        findings.notes.append(f"catena del certificato verificata fino a «{label or 'certificatore'}»")
        return
    if not trust.roots:
        findings.doubts.append(NO_TRUST)
        return
    name = getattr(indic, "name", None)
    if name == "CERTIFICATE_CHAIN_GENERAL_FAILURE" and _declares_revocation(cert):
        name = "TRY_LATER"  # pyHanko's state when declared revocation data cannot be had
    reason = _INDICATIONS.get(name)
    if reason is None:
        findings.doubts.append("catena del certificato non verificabile")
    elif reason[0] == NON_VALIDO:
        findings.failures.append(reason[1])
    else:
        findings.doubts.append(reason[1])


_INDICATIONS = {
    "NO_CERTIFICATE_CHAIN_FOUND": (NON_VERIFICABILE, "il certificatore non è tra quelli di "
                                   "fiducia configurati (--trust / CIRCOLARI_TRUST)"),
    "TRY_LATER": (NON_VERIFICABILE, "dati di revoca (CRL/OCSP) mancanti: il certificato li "
                  "dichiara ma la firma non li contiene"),
    "REVOCATION_OUT_OF_BOUNDS_NO_POE": (NON_VERIFICABILE, "dati di revoca non aggiornati"),
    "NO_POE": (NON_VERIFICABILE, "manca una prova dell'esistenza della firma nel tempo"),
    "OUT_OF_BOUNDS_NO_POE": (NON_VALIDO, "un certificato della catena è SCADUTO"),
    "OUT_OF_BOUNDS_NOT_REVOKED": (NON_VALIDO, "un certificato della catena è SCADUTO"),
    "EXPIRED": (NON_VALIDO, "un certificato della catena è SCADUTO"),
    "NOT_YET_VALID": (NON_VALIDO, "un certificato della catena NON È ANCORA VALIDO"),
    "CHAIN_CONSTRAINTS_FAILURE": (NON_VALIDO, "la catena del certificato viola i vincoli "
                                  "(uso della chiave o vincoli del certificatore)"),
    "SIG_CONSTRAINTS_FAILURE": (NON_VALIDO, "il certificato non è ammesso per questa firma "
                                "(uso della chiave)"),
    "CRYPTO_CONSTRAINTS_FAILURE": (NON_VALIDO, "algoritmo crittografico non più ammesso"),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": (NON_VALIDO, "algoritmo crittografico non più ammesso"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": (NON_VERIFICABILE, "catena del certificato non verificabile"),
}


def _day(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%d/%m/%Y %H:%M UTC")
