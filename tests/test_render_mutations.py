"""Mutation run over every example act: hostile values, removed keys, changed types, broken files.

Each case is derived from an example act by one seeded mutation and fed to ``check`` (every
case) and ``render`` (a seeded sample). Whatever the input, the CLI ends with exit 0 or 1 and an
Italian message, never a traceback; nothing is written outside the output folder; a refused render
writes nothing at all. The cases are fixed by the seed, so a failure names a reproducible case.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import pickle
import random
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli
from helpers.edits import rewrite

SEED = 20261130
SOURCES = {
    "nota": "examples/nota-plasma-iperimmune-2020.yaml",
    "dgr": "examples/dgr-xi-3681-2020.yaml",
    "serie": "examples/serie/richiesta-dati-sub-acute.yaml",
}
HOSTILE = {
    "markup": "<b>&amp; <i>x</i></b> & <script>alert(1)</script> <img src=x onerror=alert(1)>",
    "template": "{{ 7*7 }} {% raw %}{% for x in range(10**8) %}{% endfor %} [[inesistente]] {# #}",
    "bidi": "\u202erovescio\u202c \u2066isolato\u2069 \u200b\ufeff",
    "control": "nul\x00bell\x07esc\x1b[31m\x7f\x85fine",
    "long-word": "x" * 20_000,
    "long-paragraph": "parola " * 3_000,
    "blank": " \n\t ",
}
PER_ACT = {"hostile": 36, "remove": 14, "retype": 14}
# Every case is checked; rendered are the hostile values check accepts (not in series: 27 letters
# each) and
# a seeded sample of the others (one in RENDER_EVERY; series: one in SERIES_RENDER_EVERY).
RENDER_EVERY, SERIES_RENDER_EVERY = 10, 15


def _walk(node, path=()):
    """Every (path, value) below ``node``, the node itself included."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (index,))


def _set(data, path, value):
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value


def _retyped(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return 7
    if isinstance(value, dict):
        return "testo al posto di un blocco"
    return {"valore": value}


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: collection in a fraction of the time
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _source(name: str):
    """The example act's data, read once per process; never changed (cases change a deep copy)."""
    return yaml.load((ROOT / SOURCES[name]).read_text(encoding="utf-8"), Loader=_LOADER)


def _content_cases(name: str, rng: random.Random):
    """(label, mutation) of each content case: ("set" | "remove", path, value), applied by ``_raw``
    when the case runs (collection, in every test worker, only draws the cases)."""
    data = _source(name)
    nodes = [(p, v) for p, v in _walk(data) if p]
    by_field: dict[tuple, list[tuple]] = {}  # one field (list indices folded) may repeat 30 times
    for path, value in nodes:
        if isinstance(value, str):
            by_field.setdefault(tuple("*" if isinstance(s, int) else s for s in path), []).append(path)
    keyed = [p for p, _ in nodes if isinstance(p[-1], str)]
    pairs = [(rng.choice(paths), h) for paths in by_field.values() for h in HOSTILE]
    for path, label in rng.sample(pairs, min(PER_ACT["hostile"], len(pairs))):
        yield f"{label}@{'.'.join(map(str, path))}", ("set", path, HOSTILE[label])
    for path in rng.sample(keyed, min(PER_ACT["remove"], len(keyed))):
        yield f"remove@{'.'.join(map(str, path))}", ("remove", path, None)
    for path, value in rng.sample(nodes, min(PER_ACT["retype"], len(nodes))):
        yield f"retype@{'.'.join(map(str, path))}", ("set", path, _retyped(value))


def _raw(name: str, case) -> bytes:
    """The act file of a case: its bytes (file cases), or the example with its mutation applied."""
    if isinstance(case, bytes):
        return case
    action, path, value = case
    mutated = copy.deepcopy(_source(name))
    if action == "set":
        _set(mutated, path, value)
    else:
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    text = yaml.dump(mutated, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.encode("utf-8")


def _file_cases(name: str, rng: random.Random):
    raw = (ROOT / SOURCES[name]).read_bytes()
    for fraction in (0.1, 0.37, 0.5, 0.83):
        yield f"truncated-{fraction}", raw[: int(len(raw) * fraction)]
    yield "empty", b""
    yield "binary", rng.randbytes(512)
    yield "nul-bytes", b"\x00" * 64
    yield "latin-1", raw.decode("utf-8").encode("latin-1", "replace") + "\nsaluti: perché\n".encode("latin-1")
    yield "bom-and-tab", b"\xef\xbb\xbf" + raw.replace(b"  ", b"\t", 3)
    yield "only-a-list", b"- a\n- b\n"


def _cases():
    rng = random.Random(SEED)
    cases = []
    for name in SOURCES:
        cases.extend((name, label, case) for label, case in _content_cases(name, rng))
        cases.extend((name, label, raw) for label, raw in _file_cases(name, rng))
    def sampled(index, name, label):  # a series renders 27 letters: its 20,000-character values only checked
        if name == "serie":
            return index % SERIES_RENDER_EVERY == 0 and not label.startswith("long-")
        return index % RENDER_EVERY == 0

    return [
        pytest.param(name, case, sampled(index, name, label), id=f"{index:03d}-{name}-{label}"[:120])
        for index, (name, label, case) in enumerate(cases)
    ]


CASES = _cases()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """One private copy of the project shared by the cases (each case writes its own act file)."""
    root = tmp_path_factory.mktemp("mutation")
    for folder in ("templates", "recipients", "examples"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module", autouse=True)
def _same_document_laid_out_once():
    """Cases whose mutation never reaches the document (a ``fatti`` description: seven hostile
    values in the DGR) would lay out the same PDF and write the same DOCX again. Both writers are
    kept per document: by the pickled bytes of every argument they are given (the document tree,
    its metadata, the date, the PDF's measured fields and frame), each result handed out as a
    fresh copy (unpickled). A case that changes any of them is laid out and written anew; what
    is before them (load, check, template, parse) and after (files, refusal) runs in every case."""
    import circolari.render
    import circolari.writers.docx

    pdf_items, write_docx, kept = circolari.render.pdf_items, circolari.writers.docx.write_docx, {}

    def key(*args, **kwargs) -> bytes:
        return hashlib.sha256(pickle.dumps((args, sorted(kwargs.items())), protocol=5)).digest()

    def pdf_items_once(*args):
        given = ("pdf", key(*args))
        if given not in kept:  # the layout first, the rest when asked for (as the writer gives them)
            items = pdf_items(*args)
            first = pickle.dumps(next(items), protocol=5)  # MissingCharacters, a refusal: not kept
            yield pickle.loads(first)
            rest = [pickle.dumps(item, protocol=5) for item in items]
            kept[given] = [first, *rest]
            yield from map(pickle.loads, rest)
            return
        yield from map(pickle.loads, kept[given])

    def write_docx_once(*args, **kwargs):
        given = ("docx", key(*args, **kwargs))
        if given not in kept:
            kept[given] = write_docx(*args, **kwargs)
        return kept[given]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(circolari.render, "pdf_items", pdf_items_once)
        mp.setattr(circolari.writers.docx, "write_docx", write_docx_once)
        yield


def _snapshot(folder: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file in ``folder`` outside ``skip`` (a passed case
    removes its output folder, so this walks the project copy, not every earlier render). Paths
    as strings: one walk is some 50 files, two or three walks a case."""
    found, folders, skip = {}, [str(folder)], str(skip)
    while folders:
        with os.scandir(folders.pop()) as entries:  # a directory entry's stat: one system call per file
            for entry in entries:
                if entry.path == skip:
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append(entry.path)
                else:
                    info = entry.stat()
                    found[entry.path] = (info.st_size, info.st_mtime_ns)
    return found


def _no_traceback(result) -> None:
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def test_the_mutation_run_is_bounded_and_covers_every_example():
    assert 200 <= len(CASES) <= 400
    assert {c.values[0] for c in CASES} == set(SOURCES)
    assert sum(1 for c in CASES if c.values[2]) >= 15  # besides the hostile values check accepts


@pytest.mark.parametrize("name, case, also_render", CASES)
def test_a_mutated_act_gives_a_message_never_a_traceback_nor_a_stray_file(workspace, request, name, case, also_render):
    source = workspace / SOURCES[name]
    act = source.with_name(f"mutato-{name}.yaml")  # not an approved act's name: render is not refused for that
    rewrite(act, _raw(name, case))
    out = workspace / "out" / request.node.callspec.id.split("-")[0]
    before = _snapshot(workspace, out)

    checked = run_cli("check", act, cwd=workspace)
    _no_traceback(checked)
    assert _snapshot(workspace, out) == before, "check wrote or changed a file"
    hostile = request.node.callspec.id.split("-", 2)[2].split("@")[0] in HOSTILE
    if not (also_render or (hostile and checked.exit_code == 0 and name != "serie")):
        return

    result = run_cli("render", act, "--out", out, "--jobs", "1", cwd=workspace)
    _no_traceback(result)
    assert _snapshot(workspace, out) == before, "render wrote outside the output folder"
    written = [p for p in out.rglob("*") if not p.is_dir()] if out.exists() else []
    if result.exit_code == 1:
        assert written == [], f"a refused render wrote {written}"
    else:
        assert any(p.suffix == ".pdf" for p in written), result.output
    shutil.rmtree(out, ignore_errors=True)  # checked: later cases need not walk it (see _snapshot)
