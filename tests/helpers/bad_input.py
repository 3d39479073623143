"""Break an act's YAML by one edit and check the render is refused with nothing written."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from helpers.edits import rewrite

NOTA = "examples/nota-plasma-iperimmune-2020.yaml"


def edit(project: Path, old: str, new: str, name: str = NOTA) -> Path:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    return rewrite(path, text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def render_fails(project: Path, act: Path) -> str:
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not (project / "out").exists() or not any((project / "out").rglob("*")), "something was written"
    return result.output
