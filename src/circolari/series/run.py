"""Render a series: every letter in its own folder, in parallel processes, resumable.

A letter's files are written all together (temporary files, then renames) and its manifest
records the letter's key (act, templates, letterhead, program version, row, body). A letter
whose folder already holds a manifest with that key and files matching its hashes is not
made again, so a run stopped at any point (even by kill -9) is completed by running it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from circolari.errors import CircolariError, Problem
from circolari.output import sha256, write_atomic
from circolari.series import manifest as series_manifest
from circolari.series.letters import Letter, letter_act, plan
from circolari.series.parallel import parallel_map


def load_series(path: Path, project):
    """(act, doc, plan) of a valid series; every table problem at once otherwise."""
    from circolari.input.acts import load_act
    from circolari.registry.registry import load_registry

    act, doc = load_act(path)
    result = plan(act, doc, load_registry(project.recipients))
    if result.errors:
        raise CircolariError(result.problems)
    return act, doc, result


@dataclass
class Outcome:
    index: int
    row: int
    ente: str
    name: str
    status: str                      # "generata", "già fatta", "errore"
    problems: list[Problem] = field(default_factory=list)
    manifest: str | None = None      # sha256 of the letter's manifest.json


@dataclass
class SeriesResult:
    folder: Path
    outcomes: list[Outcome]
    warnings: list[Problem]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "errore"]


def _common_key(path: Path, act, project) -> str:
    """What every letter depends on besides its row: act file, templates, letterhead, program."""
    from importlib.metadata import PackageNotFoundError, version

    from circolari.kinds.circolare import CIRCOLARE
    from circolari.input.profiles import profile_path
    from circolari.render import template_files

    try:
        program = version("circolari")
    except PackageNotFoundError:
        program = "?"
    files = [path, *template_files(project.templates, CIRCOLARE.template), profile_path(project.templates, act.intestazione)]
    return sha256(json.dumps([program, *[sha256(Path(f).read_bytes()) for f in files]]).encode())


def letter_key(common: str, letter: Letter) -> str:
    return sha256(json.dumps([common, letter.values(), letter.ente.model_dump(mode="json")],
                             sort_keys=True, ensure_ascii=False).encode())


_WORKER: dict = {}


def _start_worker(path: Path, project, force: bool) -> None:
    from circolari.input.acts import load_act

    act, doc = load_act(path)
    _WORKER.update(act=act, doc=doc, project=project, force=force)


def _make(task) -> Outcome:
    """Render and write one letter (in a worker process, or in this one)."""
    from circolari.render import render_loaded, write_rendered

    letter, name, folder, key, table = task
    outcome = Outcome(letter.index, letter.row, letter.ente.id, name, "errore")
    act, doc, project = _WORKER["act"], _WORKER["doc"], _WORKER["project"]
    extra = {"serie": {"nome": Path(doc.path).stem, "tabella": table, "riga": letter.row,
                       "valori": letter.values(), "chiave": key}}
    try:
        rendered = render_loaded(letter_act(act, letter), doc, project, name=name, extra=extra)
        write_rendered(rendered, project.out, force=_WORKER["force"], folder=Path(folder))
    except CircolariError as exc:
        outcome.problems = exc.problems
        return outcome
    except OSError as exc:
        outcome.problems = [Problem(f"scrittura non riuscita: {exc.strerror}", file=exc.filename or folder)]
        return outcome
    outcome.status = "generata"
    outcome.problems = rendered.warnings
    outcome.manifest = sha256(rendered.files["manifest.json"])
    return outcome


def render_series(path: Path, project, *, jobs: int | None = None, force: bool = False,
                  progress=None) -> SeriesResult:
    """Render every letter of the series at ``path`` into ``out/<serie>/<ente>/``; see the module's doc."""
    from circolari.folder_swap import remove_leftovers
    from circolari.series.progress import Progress

    path = Path(path)
    act, doc, result = load_series(path, project)
    folder = Path(project.out) / path.stem
    common = _common_key(path, act, project)
    table = result.table.path.name
    outcomes: dict[int, Outcome] = {}
    tasks = []
    for letter in result.letters:
        name, where = f"{path.stem}-{letter.ente.id}", folder / letter.ente.id
        key = letter_key(common, letter)
        done = series_manifest.finished(where, key)
        if done:
            outcomes[letter.index] = Outcome(letter.index, letter.row, letter.ente.id, name, "già fatta",
                                             manifest=done)
        else:
            tasks.append((letter, name, str(where), key, table))
    remove_leftovers(folder, {o.ente for o in outcomes.values()})  # of a run killed after their swap
    bar = (progress or Progress)(len(tasks), f"Lettere di {path.stem}")
    try:
        for outcome in parallel_map(_make, tasks, jobs, _start_worker, (path, project, force)):
            outcomes[outcome.index] = outcome
            bar.advance()
    finally:
        bar.close()
    ordered = [outcomes[letter.index] for letter in result.letters]
    warnings = _unique([p for o in ordered if o.status != "errore" for p in o.problems])
    _write_manifest(folder, path, result, ordered)
    return SeriesResult(folder, ordered, [*[p for p in result.problems if p.level != "errore"], *warnings])


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if p.format() not in seen:
            seen.add(p.format())
            out.append(p)
    return out


def _write_manifest(folder: Path, path: Path, result, outcomes: list[Outcome]) -> None:
    letters = {letter.index: letter for letter in result.letters}
    data = {
        "format": 1,
        "serie": path.stem,
        "tabella": {"nome": result.table.path.name, "foglio": result.table.sheet,
                    "sha256": sha256(result.table.path.read_bytes())},
        "lettere": [{"riga": o.row, "ente": o.ente, "denominazione": letters[o.index].ente.denominazione,
                     "nome": o.name, "cartella": o.ente, "manifest_sha256": o.manifest}
                    for o in outcomes if o.status != "errore"],
        "errori": [{"riga": o.row, "ente": o.ente, "problemi": [p.format() for p in o.problems]}
                   for o in outcomes if o.status == "errore"],
    }
    write_atomic(folder / series_manifest.NAME,
                 (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
