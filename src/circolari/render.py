"""Render one act: load, resolve, compose, lay out, write every output at once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .acts import load_act
from .compose import render_template
from .errors import CircolariError, Problem, fail
from .output import sha256, write_all
from .parse import parse_html
from .project import Project


@dataclass
class Rendered:
    """An act rendered in memory: its files by name, plus what a caller may want to know."""

    name: str
    kind: str
    files: dict[str, bytes]
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0
    issued: bool = False


@lru_cache(maxsize=4)
def _registry(folder: Path):
    from .registry import Registry

    return Registry.load(folder)


def load_registry(folder: Path):
    registry = _registry(Path(folder).resolve())
    if registry.errors:
        raise CircolariError([*registry.errors,
                              Problem("il registro destinatari contiene errori: correggerli "
                                      "(vedere 'circolari recipients check')", file=folder)])
    return registry


def render_act(path: Path, project: Project) -> Rendered:
    """Render ``path`` entirely in memory; raise ``CircolariError`` on any invalid input."""
    path = Path(path)
    act, doc = load_act(path)
    warnings: list[Problem] = []
    if act.tipo == "circolare":
        from .compose_circolare import circolare_context

        registry = load_registry(project.recipients)
        template, context, recipients, profile = circolare_context(act, doc, project.templates, registry)
        for r in recipients:
            if not r.ente.pec or not r.ente.verificato:
                warnings.append(Problem(f"l'ente «{r.ente.id}» non ha una PEC verificata: "
                                        "nell'atto compare senza indirizzo", file=path, level="avviso"))
        inputs = [path, *_template_files(project.templates, template), _profile_file(project, act)]
        used = sorted({r.ente.id for r in recipients})
    else:
        raise fail("tipo di atto non ancora supportato", file=path, field="tipo")

    html = render_template(project.templates, template, context)
    document = parse_html(html, source=str(project.templates / template))
    meta = {"title": document.title, "author": document.meta.get("author", ""),
            "subject": document.meta.get("subject", "")}

    from .writers.docx import write_docx
    from .writers.pdf import write_pdf
    from .writers.text import write_text

    pdf, layout = write_pdf(document, meta)
    docx = write_docx(document, meta, layout.fields(), date=getattr(act, "data", None))
    name = path.stem
    files = {
        f"{name}.pdf": pdf,
        f"{name}.docx": docx,
        f"{name}.html": html.encode("utf-8"),
        f"{name}.txt": write_text(document).encode("utf-8"),
    }
    files["manifest.json"] = _manifest(name, act, profile, recipients, files, inputs, used, project)
    return Rendered(name, act.tipo, files, warnings, layout.pages, issued=bool(getattr(act, "protocollo", None)))


def write_rendered(rendered: Rendered, out: Path, *, force: bool = False) -> list[Path]:
    protected = {n for n in rendered.files if n.endswith((".pdf", ".docx"))} if rendered.issued else set()
    return write_all(Path(out) / rendered.name, rendered.files, protected=protected, force=force)


def _template_files(templates: Path, name: str) -> list[Path]:
    from .compose import environment
    from jinja2 import meta as jinja_meta

    env = environment(Path(templates).resolve())
    seen, queue = [], [name]
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.append(current)
        source = env.loader.get_source(env, current)[0]
        queue += [n for n in jinja_meta.find_referenced_templates(env.parse(source)) if n]
    return [Path(templates) / n for n in seen]


def _profile_file(project: Project, act) -> Path:
    from .profiles import profile_path

    return profile_path(project.templates, act.intestazione)


def _manifest(name, act, profile, recipients, files, inputs, used, project: Project) -> bytes:
    def rel(p: Path) -> str:
        try:
            return str(Path(p).resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(p)

    registry = _registry(Path(project.recipients).resolve())
    registry_entries = {loc.ente.id: loc.ente.model_dump(mode="json") for loc in registry.entries if loc.ente.id in used}
    manifest = {
        "format": 1,
        "act": {"kind": act.tipo, "name": name, "oggetto": act.oggetto,
                "date": act.data.isoformat() if getattr(act, "data", None) else None,
                "protocollo": getattr(act, "protocollo", None), "numero": getattr(act, "numero", None)},
        "sender": profile.mittente.model_dump(mode="json"),
        "recipients": [{"id": r.ente.id, "denominazione": r.ente.denominazione, "ruolo": r.ente.ruolo,
                        "pec": r.ente.pec, "role": r.role} for r in recipients],
        "files": [{"name": n, "sha256": sha256(d), "size": len(d)} for n, d in sorted(files.items())],
        "inputs": [{"path": rel(p), "sha256": sha256(Path(p).read_bytes())} for p in inputs],
        "registry_entries": {"sha256": sha256(json.dumps(registry_entries, sort_keys=True,
                                                         ensure_ascii=False).encode()),
                             "ids": used},
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
