"""Approved renders: the text of each example as the legal office approved it, kept in git.

``circolari approve examples/`` writes ``examples/approvati/<act>.txt``; committing it is
the approval. The review pack and the project's tests compare every new render with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CircolariError, Problem

FOLDER = "approvati"


def approved_path(act: Path) -> Path:
    return Path(act).parent / FOLDER / f"{Path(act).stem}.txt"


def approved_text(act: Path) -> str | None:
    path = approved_path(act)
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def rendered_text(rendered) -> str:
    return rendered.files[f"{rendered.name}.txt"].decode("utf-8")


@dataclass
class Approval:
    act: Path
    status: str  # "nuovo", "modificato", "invariato", "errore"
    problems: list[Problem] = field(default_factory=list)


def approve(acts: list[Path], project_for) -> list[Approval]:
    """Render each act with ``project_for(act)`` and store its text as approved; errors do not stop the rest."""
    from ..render import render_act

    results = []
    for act in acts:
        try:
            rendered = render_act(act, project_for(act))
        except CircolariError as exc:
            results.append(Approval(act, "errore", exc.problems))
            continue
        text = rendered_text(rendered)
        before = approved_text(act)
        path = approved_path(act)
        path.parent.mkdir(parents=True, exist_ok=True)
        if before != text:
            path.write_bytes(text.encode("utf-8"))
        status = "nuovo" if before is None else "invariato" if before == text else "modificato"
        results.append(Approval(act, status, rendered.warnings))
    return results
