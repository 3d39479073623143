"""The review pack: one ``index.html`` showing first the template change itself (source diff
against the approved templates), then, for every example rendered with a templates folder,
who approved it and when, its pages before/after where they look different, its check results
and its difference from the approved text. ``revisione.json`` records what was reviewed, for
``approve``.

Nothing stops the pack: a template that does not parse, an act that does not load, an
example that does not exist are each shown in it, and the other examples still appear.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.review.html import anchor, attr, escape, page, problems_list, url


@dataclass
class Entry:
    act: Path
    status: str  # "uguale", "modificato", "non approvato", "errore"
    problems: list[Problem] = field(default_factory=list)
    pages: int = 0
    changes: int = 0
    look: list[str] = field(default_factory=list)  # how the pages differ from the approved ones
    approved_by: str = ""  # "approvato da X il Y"
    kept: dict | None = None  # the render kept for approve (review/kept.py)


@dataclass
class Pack:
    index: Path
    entries: list[Entry]
    problems: list[Problem]  # templates and missing examples

    @property
    def failed(self) -> bool:
        return (any(p.level == "errore" for p in self.problems)
                or any(e.status in ("errore", "modificato") for e in self.entries))


def example_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    from circolari.input.acts import act_files

    return act_files(paths, what="esempio")


MARKER = ".circolari-review"


def build_pack(templates: Path, examples: list[Path], out: Path, *, recipients: Path | None = None,
               today: dt.date | None = None) -> Pack:
    from circolari.input.project import Project
    from circolari.registry.registry import cached_registry
    from circolari.review.folders import folder_hashes
    from circolari.review.kept import registry_hashes
    from circolari.review.template_checks import check_templates

    out = Path(out)
    if out.is_symlink():
        raise CircolariError(Problem("la cartella del pacchetto di revisione è un collegamento simbolico: "
                                     "non viene scritta né ricreata", file=out,
                                     hint="indicare con --out una cartella vera (non un collegamento)"))
    if (out / MARKER).is_file():
        shutil.rmtree(out)  # a previous pack: only a folder this command made carries the marker
    elif out.exists() and any(out.iterdir()):
        raise CircolariError(Problem("la cartella esiste e non contiene un pacchetto di revisione: non viene "
                                     "sovrascritta", file=out, hint="indicarne un'altra con --out"))
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Pacchetto di revisione generato da 'circolari review': "
                              "la cartella viene ricreata a ogni revisione.\n", encoding="utf-8")
    problems = check_templates(templates)
    files, missing = example_files(examples)
    problems += missing + _unusable_names(files)
    files = [f for f in files if f not in {p.file for p in problems}]
    registries: dict[Path, object] = {}
    try:  # each render's key (review/kept.py) from the digests taken before the renders read them
        hashes = folder_hashes(templates)
    except CircolariError:
        hashes = None
    read: dict[Path, dict | None] = {}
    entries, sections = [], []
    for act in files:
        project = Project.locate(act, templates=templates, recipients=recipients)
        key = project.recipients.resolve()
        if key not in registries:
            read[key] = registry_hashes(project.recipients)
            try:
                registries[key] = cached_registry(project.recipients)  # as check and render read it
            except CircolariError:
                registries[key] = None
        entry, html = _example(act, project, registries[key], out, today, (hashes, read[key]))
        entries.append(entry)
        sections.append(html)
    index = out / "index.html"
    sources = source_diff_html(templates, files)
    index.write_text(_index(templates, entries, problems, sections, sources), encoding="utf-8",
                     errors="backslashreplace")       # a file name not in UTF-8, shown escaped
    now = folder_hashes(templates)
    if now != hashes or any(registry_hashes(path) != digests for path, digests in read.items()):
        for entry in entries:  # templates or a registry changed during the review: keep no render
            entry.kept = None
    _record(out, now, templates, files, index, entries)
    return Pack(index, entries, problems)


def _unusable_names(files: list[Path]) -> list[Problem]:
    """Examples whose name render refuses (not UTF-8, unsafe): reported, not reviewed."""
    from circolari.input.acts import act_name

    problems = []
    for file in files:
        try:
            act_name(file)
        except CircolariError as exc:
            problems += exc.problems
    return problems


def _record(out: Path, hashes: dict[str, str], templates: Path, files: list[Path], index: Path,
            entries: list[Entry]) -> None:
    import json

    from circolari.output import sha256
    from circolari.review.approve import RECORD
    from circolari.review.kept import FIELD

    record = {"cartella_template": str(Path(templates).resolve()), "template": hashes,
              "atti": {str(a.resolve()): sha256(a.read_bytes()) for a in files if a.is_file()},
              "pacchetto": sha256(index.read_bytes()),
              FIELD: {str(e.act.resolve()): e.kept for e in entries if e.kept is not None}}
    (out / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def source_diff_html(templates: Path, files: list[Path]) -> str:
    """The template and letterhead sources changed since the last approval, as a unified diff."""
    from circolari.review.approve import sources_folder
    from circolari.review.folders import folder_files
    from circolari.review.sources import diff_folders, html_fragment

    folders = sorted({sources_folder(a) for a in files if sources_folder(a).is_dir()})
    if not folders:
        return ('<section class="scheda" id="modifiche-template"><h2>Modifiche ai template</h2>'
                '<p class="esito nuovo">nessuna approvazione precedente con cui confrontare i template</p></section>')
    now = folder_files(templates)
    parts = [html_fragment(diff_folders(folder_files(folder), now), folder) for folder in folders]
    return ('<section class="scheda" id="modifiche-template"><h2>Modifiche ai template</h2>'
            + "".join(parts) + "</section>")


def _example(act: Path, project, registry, out: Path, today, digests: tuple) -> tuple[Entry, str]:
    """The act's entry and section; ``digests``: the templates' and registry's, for the kept render's key."""
    from circolari.input.acts import act_name
    from circolari.kinds.load import refuse_citation_errors
    from circolari.review.approve import (approved_by, approved_look, approved_path, approved_record, approved_text,
                                          rendered_text)
    from circolari.review.folders import folder_hashes
    from circolari.review.pages import compare_looks, look_diff_html, look_of
    from circolari.review.checks import load_and_check
    from circolari.review.kept import file_digest, keep, render_key
    from circolari.review.diff import compare, html_fragment, rendered_words, text_words
    from circolari.review.preview import pictures
    from circolari.review.series import (current as series_current, render_for_review, section as series_section,
                                         summary as series_summary)

    name = act.stem
    read = file_digest(act)  # before the render reads it
    loaded, problems = load_and_check(act, project, registry, today=today)  # loaded once for both
    entry = Entry(act, "errore", problems)
    try:
        approved, record = approved_text(act), approved_record(act)
    except CircolariError as exc:  # a folder or a damaged file in approvati/: nothing to compare with, no render
        entry.problems = problems + exc.problems
        return entry, _section(entry, '<p class="esito ko">l\'approvazione registrata non è leggibile</p>')
    try:
        if loaded is None:
            raise CircolariError(problems)
        refuse_citation_errors(*loaded)
        rendered = render_for_review(loaded, project, registry, name=act_name(act))
    except CircolariError as exc:
        known = {p.format() for p in problems}
        entry.problems = problems + [p for p in exc.problems if p.format() not in known]
        body = '<p class="esito ko">l\'atto non può essere generato con questi template</p>'
        return entry, _section(entry, body)
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    thumbs = []
    pdf = rendered.files[f"{name}.pdf"]
    images = [png for _, png in pictures(pdf, scale=0.8)]
    for number, png in enumerate(images, start=1):
        (folder / f"pagina-{number}.png").write_bytes(png)
        image = url(name, f"pagina-{number}.png")
        thumbs.append(f'<figure><a href="{image}"><img src="{image}" '
                      f'alt="{attr(name)}, pagina {number}"></a><figcaption>pagina {number}</figcaption></figure>')
    entry.pages = len(images)
    look = look_of(pdf)  # compared with the approved pages, and kept for approve
    if file_digest(act) == read:  # the act did not change meanwhile
        entry.kept = keep(folder, render_key(read, project, *digests, rendered.inputs), rendered.inputs,
                          rendered_text(rendered), look, rendered.warnings)
    look_html = ""
    series = series_current(loaded, registry)
    series_html = "" if series is None else series_section(series, None)[1]
    if approved is None:
        entry.status = "non approvato"
        diff_html = (f'<p class="esito nuovo">nessun testo approvato ({escape(str(approved_path(act)))}): '
                     f'eseguire <code>circolari approve</code> dopo la revisione</p>')
    else:
        diff = compare(text_words(approved), rendered_words(rendered))
        entry.changes = len(diff.changes)
        old_look = approved_look(act)
        if record is not None:
            entry.approved_by = approved_by(record)
            look_html = record_html(record, digests[0] if digests[0] is not None else folder_hashes(project.templates))
        if old_look is not None:
            looks = compare_looks(old_look, look)
            entry.look = looks.summary()
            look_html += look_diff_html(looks, folder, name)
        if series is not None:  # a letter series: the figures body by body against the approved table
            found, series_html = series_section(series, record.get("serie") if record else None)
            entry.look += series_summary(found)
        entry.status = "uguale" if diff.equal and not entry.look else "modificato"
        diff_html = html_fragment(diff, "testo approvato", "testo con questi template", prefix=f"{anchor(name)}-")
    body = (look_html + f'<h3>Pagine ({len(images)})</h3><div class="pagine miniature">{"".join(thumbs)}</div>\n'
            f'<h3>Controlli</h3>{problems_list(entry.problems)}\n'
            f'<h3>Differenze dal testo approvato</h3>{diff_html}{series_html}')
    return entry, _section(entry, body)


def record_html(record: dict, templates: dict[str, str]) -> str:
    """The approval record, folded: who and when, the act's and pack's hashes, pages, signature
    fields, and each approved template file's hash beside what it is now."""
    approved = record.get("template") or {}
    state = {name: ("uguale" if templates.get(name) == digest else "cambiato" if name in templates else "tolto")
             for name, digest in approved.items()}
    state.update({name: "nuovo" for name in templates if name not in approved})
    rows = "".join(f'<tr data-stato="{attr(state[name])}"><td>{escape(name)}</td>'
                   f'<td><code>{escape(str(approved.get(name, ""))[:12])}</code></td><td>{escape(state[name])}</td></tr>'
                   for name in sorted(state))
    facts = [("approvato da", record.get("approvato_da")), ("data", record.get("data")),
             ("impronta dell'atto", str(record.get("hash_atto", ""))[:12]),
             ("impronta del pacchetto revisionato", str(record.get("pacchetto", ""))[:12]),
             ("pagine", record.get("numero_pagine")), ("campi firma", ", ".join(record.get("campi_firma") or []) or "nessuno")]
    items = "".join(f"<li>{escape(label)}: <strong>{escape(str(value))}</strong></li>" for label, value in facts)
    changed = sum(1 for v in state.values() if v != "uguale")
    return (f'<details class="registro"><summary>Registro di approvazione ({len(approved)} file di template'
            + (f", {changed} cambiat{'o' if changed == 1 else 'i'} da allora" if changed else ", nessuno cambiato")
            + ')</summary>'
            f'<ul>{items}</ul><table class="impronte"><tr><th>file</th><th>impronta approvata (SHA-256)</th>'
            f'<th>ora</th></tr>{rows}</table></details>')


_BADGE = {"uguale": ("ok", "uguale all'approvato"), "modificato": ("ko", "modificato"),
          "non approvato": ("nuovo", "non ancora approvato"), "errore": ("ko", "errore")}


def _badge(entry: Entry) -> str:
    cls, text = _BADGE[entry.status]
    if entry.status == "modificato":
        text = "; ".join(([f"{entry.changes} modific{'a' if entry.changes == 1 else 'he'} al testo"] if entry.changes else [])
                         + entry.look)
    return f'<span class="esito {cls}">{escape(text)}</span>'


def _section(entry: Entry, body: str) -> str:
    name = entry.act.stem
    return (f'<section class="scheda" id="{anchor(name)}" data-stato="{attr(entry.status)}">'
            f'<h2>{escape(name)} {_badge(entry)}</h2><p class="dove">{escape(str(entry.act))}'
            + (f' — <span class="approvazione">{escape(entry.approved_by)}</span>' if entry.approved_by else "")
            + '</p>\n'
            + (body if entry.status != "errore" else f'<h3>Controlli</h3>{problems_list(entry.problems)}{body}')
            + '</section>')


def _index(templates: Path, entries: list[Entry], problems: list[Problem], sections: list[str], sources: str) -> str:
    rows = "".join(f'<li><a href="{url(fragment=anchor(e.act.stem))}">{escape(e.act.stem)}</a> {_badge(e)}</li>' for e in entries)
    head = (f'<section class="scheda" id="template"><h2>Template: {escape(str(templates))}</h2>'
            f'{problems_list(problems)}<h3>Esempi</h3><ul>{rows or "<li>nessun esempio</li>"}</ul></section>')
    return page("Revisione dei template", f"{len(entries)} esempi con i template di {templates}",
                sources + "\n" + head + "\n" + "\n".join(sections))
