"""Any text a clerk can type renders, and appears as typed: property-based tests (Hypothesis)."""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections import Counter
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circolari.errors import CircolariError
from circolari.input.project import Project
from circolari.render import render_act
from conftest import ROOT, page_texts, run_cli

# Printable text as typed in an editor: letters of any script, punctuation, markup-like symbols;
# no control characters (those are refused with a message, tested elsewhere).
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), min_size=1, max_size=80)
LINE = TEXT.filter(lambda t: t.strip())


SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # too_slow: see conftest


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """One copy of the templates and registry for every example of this module, read-only: each
    example writes its act in a folder of its own below it (``case``). A fresh copy per example
    would compile the templates again (Jinja keeps compiled templates by file path) and triple
    the cost of an example."""
    folder = tmp_path_factory.mktemp("progetto")
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


# The reference nota as data, read once (each example changes a deep copy) and written with
# libyaml's dumper: PyYAML's pure-Python loader and dumper took ~5 ms of each example. The
# values under test go into a smaller nota (its first two addressees, the first paragraph of its
# body): the size of what surrounds them is not the point, and it halves each render (55 -> 28 ms).
NOTA = yaml.load((ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml").read_text(encoding="utf-8"),
                 Loader=yaml.CSafeLoader)
NOTA["destinatari"]["enti"] = NOTA["destinatari"]["enti"][:2]
NOTA["corpo"] = NOTA["corpo"].split("\n\n")[0] + "\n"


def write_act(folder: Path, act: dict) -> Path:
    """``act`` as ``folder/atto.yaml`` (which reads back as the same data)."""
    text = yaml.dump(act, Dumper=yaml.CSafeDumper, allow_unicode=True)
    assert yaml.load(text, Loader=yaml.CSafeLoader) == act
    path = folder / "atto.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def case(shared: Path) -> Path:
    """A new empty folder inside ``shared`` for one example (its act, its output)."""
    return Path(tempfile.mkdtemp(prefix="caso-", dir=shared))


def every_path(folder: Path) -> set[str]:
    """Every file and folder below ``folder``, as ``folder.rglob("*")`` gives them (links to
    folders listed, not followed), from ``os.walk``'s directory scans and as strings: rglob took a
    third of test_a_hostile_act_file_name_is_rendered_or_refused_inside_out, whose ``shared``
    folder holds every earlier example of the module (~400 paths, listed twice per example)."""
    return {os.path.join(top, name) for top, folders, files in os.walk(folder) for name in folders + files}


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESSED)
@given(oggetto=LINE, saluti=LINE, firmatario=LINE)
def test_any_plain_value_renders_literally(shared, oggetto, saluti, firmatario):
    act = copy.deepcopy(NOTA)
    act.update(oggetto=oggetto, saluti=saluti, firmatario={"qualifica": "IL DIRETTORE GENERALE", "nome": firmatario})
    path = write_act(case(shared), act)
    try:
        rendered = render_act(path, Project.locate(path))
    except CircolariError as exc:  # a value the model refuses must say why, in Italian, with the field
        assert all(p.field for p in exc.problems), exc
        return
    text = plain(rendered.files["atto.txt"].decode("utf-8"))
    for value in (oggetto, saluti, firmatario):
        assert plain(value) in text


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESSED)
@given(body=st.lists(LINE, min_size=1, max_size=6).map(lambda xs: "\n\n".join(xs)))
def test_any_markdown_body_renders_without_error(shared, body):
    act = copy.deepcopy(NOTA)
    act["corpo"] = body
    path = write_act(case(shared), act)
    try:
        rendered = render_act(path, Project.locate(path))
    except CircolariError as exc:
        assert all(p.message for p in exc.problems)
        return
    assert rendered.files["atto.pdf"].startswith(b"%PDF-")


# Words longer than any column (a pasted URL, a code, a slip of the keyboard) and long paragraphs:
# they are broken, never dropped, in every field; bounded sizes keep the run short.
LETTERS = "abcdefghilmnopqrstuvzàèéìòù"
LONG_WORD = st.builds(lambda unit, times: unit * times, st.text(st.sampled_from(LETTERS), min_size=1, max_size=12),
                      st.integers(min_value=200, max_value=20_000)).map(lambda w: w[:20_000])
WORD_FIELDS = ("oggetto", "saluti", "firmatario.nome", "destinatari.intestazione", "corpo")


def _render_nota(folder, changes: dict):
    """The small nota with ``changes`` (dotted field -> value), rendered for its PDF only (preview:
    what these properties read; the other files are the plain-value property's)."""
    act = copy.deepcopy(NOTA)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = act
        for key in parents:
            node = node[key]
        node[last] = value
    path = write_act(folder, act)
    return render_act(path, Project.locate(path), preview=True)


def _assert_all_letters_printed(rendered, text: str) -> None:
    """Every letter of ``text`` is in the PDF (counted: page headers and footers may interleave)."""
    printed = Counter("".join(page_texts(rendered.files["atto.pdf"])).casefold())
    missing = Counter(re.sub(r"\s+", "", text).casefold()) - printed
    assert not missing, f"letters not printed: {dict(missing)}"


@settings(max_examples=8, deadline=None, suppress_health_check=SUPPRESSED)
@given(field=st.sampled_from(WORD_FIELDS), word=LONG_WORD)
def test_a_word_longer_than_its_column_is_broken_not_lost(shared, field, word):
    rendered = _render_nota(case(shared), {field: word})
    _assert_all_letters_printed(rendered, word)


@settings(max_examples=6, deadline=None, suppress_health_check=SUPPRESSED)
@given(words=st.lists(st.text(st.sampled_from(LETTERS), min_size=1, max_size=15), min_size=1, max_size=8),
       times=st.integers(min_value=50, max_value=1_500))
def test_a_long_paragraph_renders_whole(shared, words, times):
    paragraph = " ".join(words * times)
    rendered = _render_nota(case(shared), {"corpo": paragraph})
    _assert_all_letters_printed(rendered, paragraph)


# Act file names as a file system allows them: dots, spaces, quotes, markup, bidi and control
# characters. A name is accepted or refused with a message; nothing lands outside out/.
NAME_PART = st.sampled_from(["..", ".", "-", " ", "~", "\u202e", "\u200b", "\t", "\n", '"', "'", "<img src=x>",
                             "&amp;", "%2e%2e", "$HOME", "*", "?", "\\", ":", "é", "atto", "a" * 200])
HOSTILE_NAME = st.lists(NAME_PART, min_size=1, max_size=4).map("".join).filter(
    lambda n: len((n + ".yaml").encode("utf-8")) <= 255)


@settings(max_examples=20, deadline=None, suppress_health_check=SUPPRESSED)
@given(name=HOSTILE_NAME)
def test_a_hostile_act_file_name_is_rendered_or_refused_inside_out(shared, name):
    folder = case(shared)
    (folder / "atti").mkdir()
    act = folder / "atti" / f"{name}.yaml"
    write_act(folder / "atti", NOTA).rename(act)
    out = folder / "out"
    before = every_path(shared)  # the shared templates and the earlier examples too
    result = run_cli("render", act, "--out", out, "--jobs", "1", cwd=folder)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    written = {Path(path) for path in every_path(shared) - before}
    assert all(p == out or out in p.parents for p in written), written
    inside = [p for p in written if p.is_file()]
    if result.exit_code == 1:
        assert inside == [], result.output
    else:
        assert all(len(p.relative_to(out).parts) == 2 for p in inside), inside  # out/<act>/<file>


def test_paragraphs_parsed_once_per_process_give_the_same_bytes(project):
    """``preview --watch`` reuses each paragraph's parsed markup across renders: the bytes must not change."""
    from circolari.writers import pdf

    act = project / "examples" / "dgr-xi-3681-2020.yaml"
    setup = Project.locate(act, out=project / "out")
    pdf._PARSED.clear()
    fresh = render_act(act, setup, preview=True).files[f"{act.stem}.pdf"]
    parsed = len(pdf._PARSED)
    again = render_act(act, setup, preview=True).files[f"{act.stem}.pdf"]
    assert parsed > 50 and len(pdf._PARSED) == parsed and again == fresh  # every paragraph from the cache
    style = pdf.paragraph_style("piede")
    one, two = pdf.parsed_paragraph("<b>a</b> b", style), pdf.parsed_paragraph("<b>a</b> b", style)
    assert [f.text for f in one.frags] == [f.text for f in two.frags] == ["a", " b"]
    assert not set(map(id, one.frags)) & set(map(id, two.frags))  # each paragraph owns its pieces
