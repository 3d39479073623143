"""Sign and verify a rendered series folder: every letter PAdES-signed into its own field.

One password for the whole series; the certificate is read once per command. Each signed
file is written atomically beside its letter (``<lettera>.firmato.pdf``); a letter whose
signed file already holds a signature over its current PDF is not signed again, so a run
stopped at any point is completed by running it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.output import checkpoint
from circolari.signature.verdict import NON_FIRMATO
from circolari.series.manifest import Entry, letters
from circolari.series.parallel import parallel_map


@dataclass
class Signed:
    entry: Entry
    status: str                      # "firmata", "già firmata", "errore"
    problems: list[Problem] = field(default_factory=list)


def signed_over_current(entry: Entry) -> bool:
    """True when the letter's signed file is a signed copy of its current PDF."""
    from circolari.mail.signature import check_same_act, pdf_is_signed

    if not entry.signed.is_file():
        return False
    try:
        files = json.loads((entry.folder / "manifest.json").read_text(encoding="utf-8"))["files"]
        check_same_act(entry.signed, "pdf", entry.name, files)
        return pdf_is_signed(entry.signed)
    except (CircolariError, OSError, ValueError, KeyError):
        return False


_WORKER: dict = {}


def _start(credentials, tsa_url: str | None) -> None:
    _WORKER.update(credentials=credentials, tsa_url=tsa_url)


def _sign(entry: Entry) -> Signed:
    from circolari.signature.pades import sign_pdf

    try:
        sign_pdf(entry.pdf, entry.signed, None, b"", tsa_url=_WORKER["tsa_url"], overwrite=True,
                 credentials=_WORKER["credentials"])
    except CircolariError as exc:
        return Signed(entry, "errore", exc.problems)
    except OSError as exc:
        return Signed(entry, "errore", [Problem(f"scrittura non riuscita: {exc.strerror}", file=entry.signed)])
    checkpoint("signed")
    return Signed(entry, "firmata")


def sign_series(folder: Path, p12: Path, password: bytes, *, jobs: int | None = None,
                tsa_url: str | None = None, progress=None) -> list[Signed]:
    """Sign every letter of the series in ``folder`` not yet signed over its current PDF."""
    from circolari.signature.pades import load_p12
    from circolari.series.progress import Progress

    entries = letters(folder)
    credentials = load_p12(Path(p12), password)  # a wrong password or certificate stops here
    results: dict[Entry, Signed] = {}
    todo = []
    for entry in entries:
        if signed_over_current(entry):
            results[entry] = Signed(entry, "già firmata")
        else:
            todo.append(entry)
    bar = (progress or Progress)(len(todo), f"Firma di {Path(folder).name}")
    try:
        for outcome in parallel_map(_sign, todo, jobs, _start, (credentials, tsa_url)):
            results[outcome.entry] = outcome
            bar.advance()
    finally:
        bar.close()
    return [results[e] for e in entries]


@dataclass
class Checked:
    entry: Entry
    verdict: str                     # a verdict of circolari.signature.verdict
    lines: list[str] = field(default_factory=list)


def _trusting(trust) -> None:
    _WORKER["trust"] = trust


def _verify(entry: Entry) -> Checked:
    from circolari.signature.verify import verify_file

    if not entry.signed.is_file():
        return Checked(entry, NON_FIRMATO, [f"manca {entry.signed.name}"])
    if not signed_over_current(entry):
        return Checked(entry, "NON VALIDO", [f"{entry.signed.name} non è la firma del PDF attuale della lettera "
                                             "(rigenerata dopo la firma?)"])
    report = verify_file(entry.signed, _WORKER.get("trust"))
    return Checked(entry, report.verdict, [] if report.verdict == "VALIDO" else report.lines())


def verify_series(folder: Path, *, trust=None, jobs: int | None = None) -> list[Checked]:
    """Each letter's signed file verified (PDF/A, fonts, signature against ``trust``, same PDF as rendered)."""
    entries = letters(folder)
    results = {c.entry: c for c in parallel_map(_verify, entries, jobs, _trusting, (trust,))}
    return [results[e] for e in entries]


def series_verdict(results: list[Checked]) -> str:
    """Never more generous than its worst letter; an unsigned letter makes the series NON VALIDO."""
    verdicts = {r.verdict for r in results}
    if not results or verdicts & {"NON VALIDO", NON_FIRMATO}:
        return "NON VALIDO"
    return "NON VERIFICABILE" if "NON VERIFICABILE" in verdicts else "VALIDO"
