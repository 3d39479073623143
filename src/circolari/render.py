"""Render one act: load, resolve, compose, lay out, write every output at once."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from circolari.input.acts import act_name
from circolari.kinds.load import load_act
from circolari.compose.jinja import render_template, source_line
from circolari.errors import CircolariError, Problem, fail
from circolari.folder_swap import replace_folder
from circolari.forked import Worker
from circolari.pdf_job import MissingCharacters, here, pdf_items
from circolari.output import inside, sha256
from circolari.document.parse import parse_html
from circolari.input.project import Project
from circolari.input.drafting import drafting_problems
from circolari.document.styles import css


@dataclass
class Rendered:
    """An act rendered in memory: its files by name, plus what a caller may want to know."""

    name: str
    kind: str
    files: dict[str, bytes]
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0
    issued: bool = False
    document: object = field(default=None, repr=False, compare=False)  # the tree the files were written from
    layout: object = field(default=None, repr=False, compare=False)    # what the PDF layout measured
    inputs: list[Path] = field(default_factory=list, repr=False, compare=False)  # files read besides act and templates


def render_act(path: Path, project: Project, *, preview: bool = False,
               pdf_worker: Worker | None = None) -> Rendered:
    """Render ``path`` entirely in memory; raise ``CircolariError`` on any invalid input.
    ``preview``: only the PDF, the HTML and its style sheet (no DOCX, text or manifest);
    ``pdf_worker``: where the PDF is laid out and finished (``pdf_job.start_pdf_worker``)."""
    path = Path(path)
    name = act_name(path)
    act, doc = load_act(path)
    return render_loaded(act, doc, project, name=name, preview=preview, pdf_worker=pdf_worker)


def render_loaded(act, doc, project: Project, *, name: str, extra: dict | None = None,
                  preview: bool = False, review: bool = False, pdf_worker: Worker | None = None) -> Rendered:
    """Render an act already loaded (a series renders each letter's act this way);
    ``extra`` goes into the manifest as is; ``preview`` and ``pdf_worker`` as in :func:`render_act`;
    ``review``: only the PDF and the text, what review, approve and diff compare (no DOCX, HTML or
    manifest: about a quarter less CPU time, bench/bench_review.py)."""
    from circolari.kinds import kind_of

    path = doc.path
    prepared = kind_of(act).prepare(act, doc, project)
    prepared.warnings += drafting_problems(act, doc)

    html = render_template(project.templates, prepared.template, prepared.context)
    document = parse_html(html, source=str(project.templates / prepared.template),
                          locate=lambda start_tag, tag: source_line(
                              template_files(project.templates, prepared.template), start_tag, tag))
    meta = {"title": document.title, "author": document.meta.get("author", ""),
            "subject": document.meta.get("subject", "")}
    identity = prepared.identity
    keywords = tuple(k for k in (identity["kind"], identity.get("numero"), identity.get("protocollo")) if k)
    when = document_datetime(prepared.date)
    pdf = (pdf_worker or here()).run(pdf_items, document, meta, keywords, when)
    if not preview:  # while the PDF is laid out
        from circolari.writers.text import write_text
    if not (preview or review):
        from circolari.writers.docx import prepare_docx, write_docx

        prepare_docx()
        sources = template_files(project.templates, prepared.template)
    try:
        layout = next(pdf)
    except MissingCharacters as exc:
        raise _missing_characters_problems(exc.missing, doc) from None
    except CircolariError as exc:  # the layout's own (a block taller than a page): in this act
        for problem in exc.problems:
            problem.file = problem.file or path
        raise
    fields = layout.fields()
    if preview:
        files = {f"{name}.pdf": next(pdf), f"{name}.html": html.encode("utf-8"), "stile.css": css().encode("utf-8")}
    elif review:
        files = {f"{name}.txt": write_text(document, fields).encode("utf-8"), f"{name}.pdf": next(pdf)}
    else:
        files = {
            f"{name}.docx": write_docx(document, meta, fields, when=when, frame=layout.frame),
            f"{name}.html": html.encode("utf-8"),
            f"{name}.txt": write_text(document, fields).encode("utf-8"),
            "stile.css": css().encode("utf-8"),  # the preview's look, from the same style sheet
        }
        files[f"{name}.pdf"] = next(pdf)
        inputs = [path, *sources, *prepared.inputs]
        files["manifest.json"] = _manifest(name, prepared, files, inputs, project, extra)
    return Rendered(name, act.tipo, files, prepared.warnings, layout.pages, issued=prepared.issued,
                    document=document, layout=layout, inputs=list(prepared.inputs))


def _missing_characters_problems(missing: dict[str, str], doc) -> CircolariError:
    """Characters the PDF's font cannot draw, located in the act where possible."""
    from circolari.input.strings import all_strings
    from circolari.input.validation import field_name

    problems = []
    for char, context in missing.items():
        where = next((path for path, text in all_strings(doc.data) if char in text), None)
        problems.append(Problem(
            f"il carattere «{char}» (U+{ord(char):04X}) non esiste nel carattere tipografico del PDF "
            f"e non verrebbe stampato (nel testo «{context.strip()[:60]}»)",
            file=doc.path, line=doc.line_of(where) if where else None,
            field=field_name(where) if where else None,
            hint="sostituirlo con un carattere latino o toglierlo"))
    return CircolariError(problems)


def document_datetime(date: dt.date | None) -> dt.datetime:
    """The date written into the files: the act's (at noon, Rome time), else
    $SOURCE_DATE_EPOCH, else 1 January 1980 for an undated draft. Never the clock,
    so the same inputs always give the same bytes."""
    rome = ZoneInfo("Europe/Rome")
    if date is not None:
        return dt.datetime.combine(date, dt.time(12, 0), tzinfo=rome)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).astimezone(rome)
        except (ValueError, OverflowError, OSError):
            raise fail(f"SOURCE_DATE_EPOCH=«{epoch}» non è una data valida", field="SOURCE_DATE_EPOCH",
                       hint="indicare i secondi dal 1° gennaio 1970 (es. 1602763200) o togliere la variabile") from None
    return dt.datetime(1980, 1, 1, 12, 0, tzinfo=rome)


def write_rendered(rendered: Rendered, out: Path, *, force: bool = False, folder: Path | None = None) -> list[Path]:
    """Replace ``out/<name>/`` (or ``folder``) at once; an issued act's PDF/DOCX are protected."""
    protected = {n for n in rendered.files if n.endswith((".pdf", ".docx"))} if rendered.issued else set()
    target = Path(folder) if folder is not None else inside(out, rendered.name)
    return replace_folder(target, rendered.files, protected=protected, force=force)


def template_files(templates: Path, name: str) -> list[Path]:
    """``name`` and every template it includes, for the manifest's inputs."""
    from circolari.compose.jinja import environment

    folder = Path(templates).resolve()
    env = environment(folder)
    seen, queue = [], [name]
    while queue:
        current = queue.pop(0)
        if current not in seen:
            seen.append(current)
            queue += _references(env, env.loader.get_source(env, current)[0])
    return [Path(templates) / n for n in seen]


_REFERENCES: dict[tuple, tuple[str, ...]] = {}


def _references(env, source: str) -> tuple[str, ...]:
    """Templates a template's source includes, parsed once per distinct source and syntax (Jinja's
    lexer, one per set of syntax options, and extensions), not per folder: a copy of the templates
    folder is not parsed again."""
    from jinja2 import meta as jinja_meta

    key = (type(env), env.lexer, tuple(env.extensions), source)
    if key not in _REFERENCES:
        if len(_REFERENCES) >= 64:
            _REFERENCES.clear()
        _REFERENCES[key] = tuple(n for n in jinja_meta.find_referenced_templates(env.parse(source)) if n)
    return _REFERENCES[key]


def _manifest(name: str, prepared, files: dict[str, bytes], inputs: list[Path],
              project: Project, extra: dict | None = None) -> bytes:
    def rel(p: Path) -> str:
        try:
            return str(Path(p).resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)

    used = sorted({r.ente.id for r in prepared.recipients})
    entries = [r.ente.model_dump(mode="json") for r in sorted(prepared.recipients, key=lambda r: r.ente.id)]
    manifest = {
        "format": 1,
        "act": {"name": name, **prepared.identity},
        "sender": prepared.sender,
        "recipients": [{"id": r.ente.id, "denominazione": r.ente.denominazione, "ruolo": r.ente.ruolo,
                        "pec": r.ente.pec, "per_conoscenza": r.per_conoscenza} for r in prepared.recipients],
        "files": [{"name": n, "sha256": sha256(d), "size": len(d)} for n, d in sorted(files.items())],
        "inputs": [{"path": rel(p), "sha256": sha256(Path(p).read_bytes())} for p in inputs],
        "registry_entries": {"ids": used, "sha256": sha256(json.dumps(entries, sort_keys=True,
                                                                      ensure_ascii=False).encode())},
        **(extra or {}),
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
