"""Any text a clerk can type renders, and appears as typed: property-based tests (Hypothesis)."""

from __future__ import annotations

import re
import shutil

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circolari.errors import CircolariError
from circolari.project import Project
from circolari.render import render_act
from conftest import ROOT

# Printable text as typed in an editor: letters of any script, punctuation, markup-like symbols;
# no control characters (those are refused with a message, tested elsewhere).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=80)
LINE = TEXT.filter(lambda t: t.strip())


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(oggetto=LINE, saluti=LINE, firmatario=LINE)
def test_any_plain_value_renders_literally(tmp_path_factory, oggetto, saluti, firmatario):
    folder = tmp_path_factory.mktemp("p")
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, folder / name) if not (folder / name).exists() else None
    act = yaml.safe_load((ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8"))
    act.update(oggetto=oggetto, saluti=saluti, firmatario={"qualifica": "IL DIRETTORE GENERALE", "nome": firmatario})
    path = folder / "atto.yaml"
    path.write_text(yaml.safe_dump(act, allow_unicode=True), encoding="utf-8")
    try:
        rendered = render_act(path, Project.locate(path))
    except CircolariError as exc:  # a value the model refuses must say why, in Italian, with the field
        assert all(p.field for p in exc.problems), exc
        return
    text = plain(rendered.files["atto.txt"].decode("utf-8"))
    for value in (oggetto, saluti, firmatario):
        assert plain(value) in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(LINE, min_size=1, max_size=6).map(lambda xs: "\n\n".join(xs)))
def test_any_markdown_body_renders_without_error(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("p")
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, folder / name)
    act = yaml.safe_load((ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8"))
    act["corpo"] = body
    path = folder / "atto.yaml"
    path.write_text(yaml.safe_dump(act, allow_unicode=True), encoding="utf-8")
    try:
        rendered = render_act(path, Project.locate(path))
    except CircolariError as exc:
        assert all(p.message for p in exc.problems)
        return
    assert rendered.files["atto.pdf"].startswith(b"%PDF-")
