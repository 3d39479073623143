"""The PDF of an act as a job for a worker process: laid out with ReportLab, finished as PDF/A
with pikepdf (``pdf_items``). A cold ``circolari render`` forks the worker as it starts, so
that these libraries and the fonts load on the second core while the act is read and composed
here, and the PDF is laid out there while the DOCX is written here (``start_pdf_worker``)."""

from __future__ import annotations

import datetime as dt
import sys

from circolari.forked import Worker

_early: Worker | None = None  # forked by the entry point, before the command line is parsed

# Modules both this process and the worker load: loaded once, before the fork (about 50 ms of
# CPU, which the worker would spend again). Only a warm-up: a module missing here costs time.
SHARED = ("dataclasses", "datetime", "decimal", "html", "inspect", "logging", "pathlib", "pickle",
          "platform", "random", "secrets", "shutil", "subprocess", "tempfile", "traceback", "typing",
          "zipfile", "zoneinfo", "circolari.document.tree", "circolari.errors", "circolari.writers.layout")


class MissingCharacters(Exception):
    """The act has characters the PDF's font cannot draw (``missing``: each with its text)."""

    def __init__(self, missing: dict[str, str]) -> None:
        super().__init__(missing)
        self.missing = missing


def pdf_items(document, meta: dict, keywords: tuple[str, ...], when: dt.datetime):
    """The PDF as two items: what its layout learnt (a ``Layout`` without the structure tree,
    which goes into the PDF), then the finished PDF/A with its empty signature fields.
    Characters the font cannot draw raise ``MissingCharacters`` first: ReportLab would
    silently print nothing for them, so the signed PDF would differ from the DOCX and the data."""
    from circolari.pdf.pdfa import PdfMeta, SignatureSpot, finish_pdf
    from circolari.writers.pdf import missing_characters, write_pdf

    missing = missing_characters(document)
    if missing:
        raise MissingCharacters(missing)
    pdf, layout = write_pdf(document, meta)
    structure, layout.structure = layout.structure, None
    yield layout
    spots = [SignatureSpot(name, page, rect) for name, (page, rect) in sorted(layout.signatures.items())]
    yield finish_pdf(pdf, PdfMeta(title=meta["title"], author=meta["author"], subject=meta["subject"],
                                  keywords=keywords, date=when), spots, structure)


def here() -> Worker:
    """No worker: the PDF is laid out in this process."""
    return Worker(_warm, fork=False)


def start_pdf_worker() -> Worker:
    """The worker for the PDFs of a command that renders acts: forked now (or by the entry
    point) if this process has not loaded ReportLab yet, else this process itself."""
    global _early
    worker, _early = _early, None
    return worker or Worker(_warm, fork="circolari.writers.pdf" not in sys.modules)


def start_early() -> None:
    """Fork the worker before the command line is parsed (``circolari render`` only)."""
    global _early
    if _early is None:
        import importlib

        for name in SHARED:
            importlib.import_module(name)
        _early = Worker(_warm)


def discard_early() -> None:
    """Stop the worker the entry point forked, if no act has taken it (a series lays out its
    letters' PDFs in its own processes)."""
    global _early
    if _early is not None:
        _early.close()
        _early = None


def _warm() -> None:
    from circolari.pdf import pdfa  # noqa: F401 (pikepdf)
    from circolari.writers.pdf import font_coverage  # the fonts, read once

    font_coverage()
