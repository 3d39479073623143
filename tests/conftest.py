"""Shared fixtures: the project's folders, rendering through the real CLI, reading outputs."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTA = EXAMPLES / "nota-plasma-iperimmune-2020.yaml"


def run_cli(*args: str, cwd: Path | None = None):
    """Run ``circolari ARGS`` in-process (as the console script would) and return the result."""
    import os

    from circolari.cli.main import app

    old = Path.cwd()
    os.chdir(cwd or ROOT)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


def pdf_text(path: Path) -> list[str]:
    """Text of each page, whitespace collapsed."""
    from pypdf import PdfReader

    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(str(path)).pages]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_in_order(text: str, items: list[str]) -> None:
    """Each item occurs in ``text`` after the previous one."""
    position = 0
    for item in items:
        item = normalise(item)
        found = text.find(item, position)
        assert found >= 0, f"not found after position {position}: {item!r}\n--- near: {text[position:position + 300]!r}"
        position = found + len(item)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the project's templates, registry and examples, to render or break."""
    for name in ("templates", "recipients", "examples"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="session")
def nota_out(tmp_path_factory) -> Path:
    """The reference circular rendered once through the CLI."""
    out = tmp_path_factory.mktemp("out")
    result = run_cli("render", NOTA, "--out", out)
    assert result.exit_code == 0, result.output
    return out / NOTA.stem


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A test CA and signer certificates (helpers.pki), made once for the whole session."""
    from helpers.pki import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


def docx_paragraphs(path: Path):
    import docx

    return docx.Document(str(path)).paragraphs


def read_bytes(path: Path) -> io.BytesIO:
    return io.BytesIO(path.read_bytes())
