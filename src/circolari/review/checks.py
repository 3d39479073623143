"""``circolari check``: every problem of acts, registries and templates, without rendering.

Each act is loaded as the renderer loads it (schema errors are the renderer's own
messages), its recipients and tables are resolved, and its text is read for citations
of other acts, dates and figures. One bad file never stops the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from circolari.input.acts import act_files
from circolari.errors import CircolariError, Problem
from circolari.input.validation import field_name
from circolari.input.drafting import drafting_problems


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    acts: int = 0
    templates: int = 0
    registries: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "errore"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "errore"]


def classify(path: Path) -> str:
    """'act', 'templates', 'registry', 'acts' (a folder of acts) or 'missing'."""
    if not path.exists():
        return "missing"
    if path.is_file():
        return "templates" if path.suffix == ".j2" else "act"
    if any(path.glob("*.j2")):
        return "templates"
    from circolari.registry.registry import GROUPS_FILE

    if (path / GROUPS_FILE).is_file():
        return "registry"
    return "acts"


def check_paths(paths: list[Path], *, templates: Path | None = None, recipients: Path | None = None,
                today: dt.date | None = None) -> Report:
    """Check acts, folders of acts, registries and template folders, in the given order."""
    from circolari.input.project import Project

    report = Report()
    acts: list[Path] = []
    template_dirs: list[Path] = [templates] if templates else []
    registries: list[Path] = [recipients] if recipients else []
    for path in map(Path, paths):
        kind = classify(path)
        if kind == "missing":
            report.problems.append(Problem("file o cartella non trovato", file=path, hint="controllare il percorso"))
        elif kind == "templates":
            template_dirs.append(path if path.is_dir() else path.parent)
        elif kind == "registry":
            registries.append(path)
        elif kind == "act":
            acts.append(path)
        else:
            found, empty = act_files([path])
            report.problems += [Problem(p.message, file=p.file, level="avviso") for p in empty]
            acts += found
    explicit_templates = template_dirs[0] if template_dirs else None
    explicit_registry = registries[0] if registries else None
    projects = {act: Project.locate(act, templates=explicit_templates, recipients=explicit_registry) for act in acts}
    for project in projects.values():  # the folders an act would be rendered with are checked too
        template_dirs.append(project.templates)
        registries.append(project.recipients)

    for folder in _unique(template_dirs):
        from circolari.review.template_checks import check_templates

        report.templates += 1
        report.problems += check_templates(folder)
    loaded, deferred = {}, {}
    named = {Path(r).resolve() for r in registries[:len(registries) - len(projects)]}
    for folder in _unique(registries):
        from circolari.registry.registry import cached_registry

        report.registries += 1
        try:
            loaded[folder.resolve()] = registry = cached_registry(folder)
        except CircolariError as exc:
            report.problems += exc.problems
            continue
        if folder.resolve() in named:
            report.problems += registry.problems
        else:  # only the act's registry: its errors, and its warnings about the entities the acts use
            report.problems += registry.errors
            deferred[folder.resolve()] = registry
    used: set[str] = set()
    for act in acts:
        report.acts += 1
        project = projects[act]
        report.problems += check_act(act, project, loaded.get(project.recipients.resolve()), today=today, used=used)
    for registry in deferred.values():
        resolved = _Resolved()  # the registry's few files, named by many entries and problems
        places = {(resolved[loc.file], loc.line) for ident in used if (loc := registry.by_id.get(ident))}
        report.problems += [p for p in registry.problems if p.level != "errore" and p.file
                            and (resolved[p.file], p.line) in places]
    return report


class _Resolved(dict):
    """File -> its resolved path (a string), each file resolved once."""

    def __missing__(self, file):
        self[file] = os.path.realpath(file)
        return self[file]


def _unique(folders: list[Path]) -> list[Path]:
    seen, out = set(), []
    for folder in folders:
        key = os.path.realpath(folder)
        if key not in seen:
            seen.add(key)
            out.append(Path(folder))
    return out


def check_act(path: Path, project, registry=None, *, today: dt.date | None = None,
              used: set[str] | None = None) -> list[Problem]:
    """Every problem of one act file; the ids of the entities it reaches are added to ``used``."""
    return load_and_check(path, project, registry, today=today, used=used)[1]


def load_and_check(path: Path, project, registry=None, *, today: dt.date | None = None,
                   used: set[str] | None = None) -> tuple[tuple | None, list[Problem]]:
    """((act, doc) or None when it does not load, every problem): one load serves the check and
    a render after it (``render.render_loaded``)."""
    from circolari.input.acts import act_name
    from circolari.kinds.load import load_act

    try:
        act_name(path)                   # the name render would refuse (not UTF-8, unsafe)
        act, doc = load_act(path, check_fatti=False)
    except CircolariError as exc:
        return None, exc.problems
    return (act, doc), check_loaded(act, doc, project, registry, today=today, used=used)


def check_loaded(act, doc, project, registry=None, *, today: dt.date | None = None,
                 used: set[str] | None = None) -> list[Problem]:
    """Every problem of an act already loaded (without its citations checked)."""
    from circolari.kinds import kind_of

    kind = kind_of(act)
    found = kind.citation_problems(act, doc)
    found += kind.problems(act, doc, project, registry, used if used is not None else set())
    found += series_problems(act, doc, registry)
    found += text_problems(act, doc)
    found += drafting_problems(act, doc)
    found += kind.date_problems(act, doc, today or dt.date.today())
    return found


def series_problems(act, doc, registry) -> list[Problem]:
    """The table of a letter series (an act with a ``serie:`` block): rows, bodies and figures, as
    the series would render them (``series.letters.plan``); nothing without a registry."""
    if getattr(act, "serie", None) is None or registry is None:
        return []
    from circolari.series.letters import plan

    return plan(act, doc, registry).problems


def text_problems(act, doc) -> list[Problem]:
    """Citations of other acts, dates and hand-written figures in every text of the act."""
    from circolari.compose.placeholders import substitute
    from circolari.input.strings import all_strings, text_line
    from circolari.kinds import kind_of
    from circolari.review.contradictions import contradictions

    found: list[Problem] = []
    kind = kind_of(act)
    when = kind.date(act)
    for path, raw in all_strings(doc.data):
        if not raw or len(raw) < 6:
            continue
        try:
            text = substitute(raw, act.fatti)
        except ValueError:
            text = raw
        field = field_name(path)
        located, figures = _text_findings(text, when)
        for level, message, needle in located:
            found.append(Problem(message, file=doc.path, line=text_line(doc, path, needle), field=field, level=level))
        for message, written in figures:
            found.append(Problem(message, file=doc.path, line=_line_of(doc, path, raw, text, written), field=field,
                                 hint="correggere la cifra o il testo (o citare un fatto con [[nome]])"))
    for path, message, needle in contradictions(list(kind.markdown_texts(act)), act.fatti):
        found.append(Problem(message, file=doc.path, line=text_line(doc, path, needle),
                             field=field_name(path), level="avviso",
                             hint="citare il fatto con [[nome]] o correggere la cifra"))
    return found


@functools.lru_cache(maxsize=4096)
def _text_findings(text: str, when: dt.date | None) -> tuple[tuple, tuple]:
    """What one text of an act dated ``when`` has wrong: (level, message, needle) of its citations
    and dates, (message, written) of its figures. Pure, so kept per text and date in a process:
    a check of many acts, or of one act again (``preview --watch``, the tests), reads mostly
    the same texts (bench/bench_inprocess.py)."""
    from circolari.review import citations, dates, numbers

    return (tuple([*citations.problems_in(text, when.year if when else None), *dates.problems_in(text, when)]),
            tuple([*numbers.words_vs_digits(text), *numbers.totals(text)]))


def _line_of(doc, path, raw: str, text: str, written: str) -> int | None:
    """The line of ``written`` (found in the substituted ``text``) in the YAML: its own words when
    they are in the raw text, else the words just before it."""
    from circolari.input.strings import text_line

    if written in raw:
        return text_line(doc, path, written)
    position = text.find(written)
    before = text[max(0, position - 30):position].strip()
    lead = before.split("\n")[-1][-20:]
    return text_line(doc, path, lead) if lead and lead in raw else text_line(doc, path, "")


def as_json(report: Report) -> list[dict]:
    return [{"file": str(p.file) if p.file else None, "line": p.line, "level": p.level, "field": p.field,
             "message": p.message, "hint": p.hint} for p in report.problems]
