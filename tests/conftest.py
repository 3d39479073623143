"""Shared fixtures: the project's folders, rendering through the real CLI, reading outputs."""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

# Hypothesis runs the "hypothesis" entry points of every installed package when it is imported:
# trio's (selenium's dependency; no test uses trio) costs each test process a tenth of a second.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")

# No garbage collection while the test process starts and collects (see pytest_collection_finish).
gc.disable()


@atexit.register  # when conftest is imported: after pytest's and the helpers' exit functions
def _no_collection_at_exit():
    """No walk of every object at the interpreter's exit: its last garbage collection went
    through all the tests left in the process, seconds in each test worker after its last test
    (py-spy: gc_collect_main), before the run could end. Objects are still freed by their counts
    (files closed, exit functions run); the memory goes back to the system with the process."""
    gc.freeze()


_process_config = None  # the config of this process's own pytest session


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin, which loads a --hypothesis-profile
def pytest_configure(config):
    """Hypothesis: no verdict from the clock (a loaded machine is slow, not wrong). Tests that set
    suppress_health_check themselves list too_slow again (their list replaces this one).

    Loaded before the test modules are imported (their ``@settings`` inherit it), in each process
    that runs tests: the xdist controller runs none and does not import Hypothesis at its start."""
    global _process_config
    if _process_config is None:  # not a session run inside a test (pytest.main)
        _process_config = config
    if config.getoption("dist", "no") != "no" and not hasattr(config, "workerinput"):
        gc.enable()  # it collects no tests: pytest_collection_finish does not run here
        return
    from hypothesis import HealthCheck, settings

    settings.register_profile("circolari", deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile("circolari")


@pytest.hookimpl(optionalhook=True)  # an xdist hook, in the controller
def pytest_xdist_node_collection_finished(node, ids):
    """The controller imports Hypothesis while the workers run the tests, not after the last one.

    It runs no test and imports nothing of Hypothesis until the end, where Hypothesis's terminal
    summary imports the package (``hypothesis.internal.observability``: 0.12 s) to see whether
    this process wrote observations; the run's end waited for it. Imported here, in a thread of
    this idle process, the summary finds it loaded (or waits for the import's lock): same modules,
    same summary (failing examples from the workers' reports), 0.12 s earlier."""
    global _controller_import
    if _controller_import is None:
        import importlib
        import threading

        _controller_import = threading.Thread(target=importlib.import_module,
                                              args=("hypothesis.internal.observability",), daemon=True)
        _controller_import.start()


_controller_import = None


@pytest.hookimpl(trylast=True)  # after pytest's unraisable-exception plugin's pytest_unconfigure
def pytest_unconfigure(config):
    """One full garbage collection at the end of a test process, not two.

    pytest collects every object twice after the last test, to report exceptions raised in
    finalizers (``__del__``) of unreachable cycles: in its unraisable-exception plugin's
    ``pytest_unconfigure``, just before this, and again in that plugin's cleanup, which runs after
    the other plugins' ``pytest_unconfigure``. Each pass walks the ~300,000 objects a test worker's
    session keeps, 0.1-0.2 s in the critical path of the run's end. Everything alive after the
    first pass is frozen out of the second one's sight: it still walks the objects made since; the
    objects released since are pytest's own (the tests and their fixtures ended before the first
    pass). Not in a pytest session run inside a test (pytest.main): the process goes on."""
    if config is _process_config:
        gc.freeze()


def pytest_sessionstart(session):
    """Delete old runs' temp folders while this one runs (helpers.old_runs), in the process that
    holds the run's temp folder (not in xdist's workers: theirs is inside it)."""
    if not hasattr(session.config, "workerinput"):
        import helpers.old_runs

        helpers.old_runs.start(session.config)


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path plugin deletes what is left of them
def pytest_sessionfinish(session):
    import helpers.old_runs

    helpers.old_runs.join()


def pytest_collection_finish(session):
    """Load ReportLab's writer in every test process, then move what collection built (modules,
    test items) out of the collector's sight: every full collection in the test run then skips
    those objects instead of walking them again.

    With the writer loaded, an act rendered in process is laid out in process
    (``pdf_job.start_pdf_worker``), as it is once any test has loaded it; without it, each render
    forked a PDF worker that loaded ReportLab again. The cold command's worker is tested in fresh
    processes (test_pdf_job, test_package_lazy_imports).

    The garbage collector's first threshold is raised from 700 to 10,000 allocations: a test
    worker ran ~2,000 young collections, ~200 middle ones and ~15 full ones over the ~300,000
    objects its tests keep (caches of the session), 1.1-2.1 s of CPU per worker (gc.callbacks);
    with 10,000, ~320, ~30 and 2-4: 0.7-1.0 s. Garbage is still collected, a few thousand
    allocations later.

    Until here (from conftest's import) the collector is off: while a worker imports the test
    modules and their libraries and builds ~1,000 items, it ran ~240 young, ~22 middle and 2 full
    collections over objects that nearly all live on: 0.1-0.14 s of CPU of each worker's start
    (collection 1.17-1.32 -> 1.08-1.18 s). The garbage they would have freed (~13,000 objects, a
    full collection here finds them; 2 MB more at most) is frozen with the rest until the end."""
    import circolari.writers.pdf  # noqa: F401

    gc.freeze()
    gc.set_threshold(10_000)  # young collections after 10,000 allocations, not 700 (see the docstring)
    gc.enable()  # off since conftest's import (see the docstring)


def pytest_collection_modifyitems(items):
    """The browser tests first, in their order. xdist (``--dist worksteal``) hands each worker a
    contiguous share of the collection and moves only the tail of a queue, so they run at the head
    of the first worker's share: one Chromium per run, and in the worker that runs
    test_cli_main_review_commands, which uses the same session fixtures (the review pack, the
    previews, the approvals, the diff: made once per run; in the collection's order they were made
    in each worker)."""
    items.sort(key=lambda item: item.path.name != "test_review_preview_browser.py")  # stable


ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOTA = EXAMPLES / "nota-plasma-iperimmune-2020.yaml"
DGR = EXAMPLES / "dgr-xi-3681-2020.yaml"


def run_cli(*args: str, cwd: Path | None = None):
    """Run ``circolari ARGS`` in-process (as the console script would) and return the result."""
    from typer.testing import CliRunner

    from circolari.cli.main import app

    old = Path.cwd()
    os.chdir(cwd or ROOT)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


@pytest.fixture(scope="session", autouse=True)
def _cache_in_temp_folder(tmp_path_factory):
    """User caches (circolari's compiled templates: ``$XDG_CACHE_HOME/circolari/jinja``) go to the
    session's temp folder, for the CLI run in-process and in subprocesses alike, never ``~/.cache``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _results_shared_by_the_workers(tmp_path_factory):
    """A folder of this run that every xdist worker sees (the workers' temp folders are inside the
    run's), where helpers.once_per_run keeps what costs seconds to make and is read by tests spread
    over the workers: ``pdfinfo -struct-text`` of the DGR, the cold renders (helpers.cold_render)."""
    from helpers import once_per_run

    base, outer = tmp_path_factory.getbasetemp(), once_per_run.FOLDER  # outer: a session run inside a test
    once_per_run.FOLDER = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "una-volta"
    yield
    once_per_run.FOLDER = outer


@pytest.fixture(scope="session", autouse=True)
def _one_click_command():
    """Build circolari's click command once per session, not at every in-process invocation.

    Typer rebuilds it on each ``CliRunner.invoke`` (it inspects the signature and type hints of
    every command: tens of milliseconds, hundreds of invocations). Other apps are built as before.
    """
    import typer.testing

    from circolari.cli.main import app

    build = typer.testing._get_command  # fails loudly here if a typer upgrade renames it
    command = build(app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(typer.testing, "_get_command", lambda given: command if given is app else build(given))
        yield


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_alphabets_searched_by_bisection():
    """Hypothesis checks each drawn character against its alphabet's sorted intervals one by one
    (``IntervalSet.__contains__``: some 700 intervals for the printable Unicode texts of
    test_mail_prepare); a bisection gives the same answer (a third of those tests' CPU). Interval
    lists that are not sorted and disjoint keep Hypothesis's own scan.

    Each string drawn also hashes its alphabet (the key of Hypothesis's caches of draw
    constraints): the hash of those ~700 intervals, computed again at every draw, was a tenth of
    the drawing in test_mail_prepare. An IntervalSet's intervals are a tuple that never changes,
    so its hash is kept on it."""
    import bisect

    from hypothesis.internal.intervalsets import IntervalSet

    scan = IntervalSet.__contains__  # fails loudly here if a Hypothesis upgrade renames it
    assert isinstance(IntervalSet().intervals, tuple)  # immutable: a kept hash stays right

    def kept_hash(self):
        value = self.__dict__.get("_kept_hash")
        if value is None:
            value = self.__dict__["_kept_hash"] = hash(self.intervals)
        return value

    def contains(self, elem):
        starts = self.__dict__.get("_starts_for_bisection")
        if starts is None:
            spans = self.intervals
            ordered = all(u <= v for u, v in spans) and all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
            starts = self.__dict__["_starts_for_bisection"] = [u for u, _ in spans] if ordered else False
        if starts is False:
            return scan(self, elem)
        code = ord(elem) if isinstance(elem, str) else elem
        assert 0 <= code <= 0x10FFFF
        i = bisect.bisect_right(starts, code) - 1
        return i >= 0 and code <= self.intervals[i][1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(IntervalSet, "__contains__", contains)
        mp.setattr(IntervalSet, "__hash__", kept_hash)
        yield


def page_texts(data: bytes) -> list[str]:
    """Text of each page of the PDF ``data``, its lines joined by "\\n" (pdfium's text layer, the
    PDF reader of browsers: the words and lines pypdf extracts, in a fifth of pypdf's time on our
    acts). pdfium joins a line ending with "-" to the next one as a hyphenated word (U+FFFE in
    place of the "-"): the "-" and the line's end are given back, as printed."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n").replace("\ufffe", "-\n"))
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def pdf_text(path: Path) -> list[str]:
    """Text of each page, whitespace collapsed (``page_texts``, once per file content in a test
    process: several tests read the same reference act)."""
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).digest()
    if digest not in _PDF_TEXTS:
        _PDF_TEXTS[digest] = tuple(re.sub(r"\s+", " ", text) for text in page_texts(data))
    return list(_PDF_TEXTS[digest])


_PDF_TEXTS: dict[bytes, tuple[str, ...]] = {}  # by the file's SHA-256


def render_pdf(act: Path, out: Path) -> Path:
    """``act``'s PDF alone, written where ``circolari render`` puts it (``out/<act>/<act>.pdf``),
    for a test about the PDF: none of the DOCX, text and manifest that render writes besides it
    (``render_act(preview=True)``: the same PDF bytes, a quarter less work for the DGR)."""
    from circolari.input.project import Project
    from circolari.render import render_act

    rendered = render_act(Path(act), Project.locate(Path(act), out=out), preview=True)
    path = Path(out) / rendered.name / f"{rendered.name}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(rendered.files[path.name])
    return path


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


PROJECT_FOLDERS = ("templates", "recipients", "examples")


def write_project(to: Path, names: tuple[str, ...] = PROJECT_FOLDERS) -> Path:
    """A private copy in ``to`` of the repository's folders ``names`` (templates, registry,
    examples: each file's bytes, permissions and times, as copytree makes it), written from their
    files as read once per test process (``_project_files`` checks at the end of the session that
    the repository still holds them)."""
    from helpers.trees import Tree, write_tree

    tree = _project_tree()
    write_tree(Tree(tuple(f for f in tree.folders if f[0].split(os.sep)[0] in names),
                    tuple(f for f in tree.files if f[0].split(os.sep)[0] in names)), to)
    return to


@functools.cache
def _project_tree():
    from helpers.trees import read_tree

    return read_tree(ROOT, PROJECT_FOLDERS)


@pytest.fixture(scope="session", autouse=True)
def _project_files():
    """After the session: the repository's folders still hold what ``write_project`` copied."""
    yield
    if _project_tree.cache_info().currsize:
        from helpers.trees import read_tree

        def contents(tree):
            return [entry[:-1] for entry in tree.folders + tree.files]  # all but the times

        assert contents(read_tree(ROOT, PROJECT_FOLDERS)) == contents(_project_tree()), \
            "the repository's templates, registry or examples changed during the tests"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the project's templates, registry and examples, to render or break."""
    return write_project(tmp_path)


@dataclass
class Reference:
    """A reference act rendered through the CLI, with the document tree and fields its text
    writer was given (what a reader should find in the PDF, in reading order), and the render in
    memory that the CLI wrote out (``circolari.render.Rendered``: its files, document and layout)."""

    folder: Path
    pdf: Path
    doc: object
    fields: dict
    rendered: object


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def reference(tmp_path_factory) -> dict[str, Reference]:
    """Both reference acts ("circolare", "delibera") rendered once for the session. Read-only:
    a test that changes an output works on a copy (checked when the session ends)."""
    import circolari.render as render
    from circolari.writers import text as text_writer

    out = tmp_path_factory.mktemp("riferimento")
    seen, renders = {}, {}
    original, render_loaded = text_writer.write_text, render.render_loaded

    def spy(doc, fields=None):
        seen[doc.kind] = (doc, fields)
        return original(doc, fields)

    def kept(*args, **kwargs):
        rendered = render_loaded(*args, **kwargs)
        renders[rendered.kind] = rendered
        return rendered

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text_writer, "write_text", spy)
        mp.setattr(render, "render_loaded", kept)
        result = run_cli("render", NOTA, DGR, "--out", out)
    assert result.exit_code == 0, result.output
    acts = {kind: Reference(out / act.stem, out / act.stem / f"{act.stem}.pdf", *seen[kind], renders[kind])
            for kind, act in (("circolare", NOTA), ("delibera", DGR))}
    for ref in acts.values():  # what the CLI wrote is the render kept here
        assert ref.pdf.read_bytes() == ref.rendered.files[ref.pdf.name]
    yield from _with(out, acts)


@pytest.fixture(scope="session")
def nota_out(reference) -> Path:
    """The reference circular's output folder."""
    return reference["circolare"].folder


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A test CA and signer certificates (helpers.pki), made once for the whole session."""
    from helpers.pki import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def asst_series(tmp_path_factory) -> tuple[Path, Path]:
    """(project, series folder): the ASST letter series (helpers.series, CSV table) rendered once
    with two jobs; tests that change it work on a copy."""
    from helpers.series import rows, write_act, write_csv

    project = write_project(tmp_path_factory.mktemp("serie"), ("templates", "recipients"))
    act = write_act(project, "riparto.csv")
    write_csv(project / "atti" / "riparto.csv", rows(project))
    result = run_cli("render", act, "--out", project / "out", "--jobs", "2", cwd=project)
    assert result.exit_code == 0, result.output
    return project, project / "out" / "riparto"


def copy_of(shared: Path, to: Path) -> Path:
    """A private copy of a shared project folder, to change (the shared one stays as it was)."""
    from helpers.trees import copy_tree

    return copy_tree(shared, to)


def _shared_project(tmp_path_factory, name: str) -> Path:
    return write_project(tmp_path_factory.mktemp(name))


@pytest.fixture(scope="session")
def approved_examples(tmp_path_factory):
    """(project, approve's result): both examples reviewed (pack in out/review) and approved
    afresh by "Revisore di prova" (the bundled approvals removed first), once for the session.
    Read-only: tests that go on from there work on ``copy_of`` it."""
    project = _shared_project(tmp_path_factory, "approvati")
    shutil.rmtree(project / "examples" / "approvati")
    review = run_cli("review", project / "templates", project / "examples", cwd=project)
    assert review.exit_code == 0, review.output
    result = run_cli("approve", project / "examples", "--by", "Revisore di prova", cwd=project)
    assert result.exit_code == 0, result.output
    yield from _with(project, (project, result))


@pytest.fixture(scope="session")
def modified_pack(tmp_path_factory) -> Path:
    """A project whose DGR has the tariff 190 changed to 200 (cited 3 times), reviewed with both
    examples into out/review (red: exit 1), once for the session. Read-only."""
    project = _shared_project(tmp_path_factory, "pacchetto")
    act = project / "examples" / "dgr-xi-3681-2020.yaml"
    act.write_text(act.read_text(encoding="utf-8").replace("importo: 190", "importo: 200"), encoding="utf-8")
    result = run_cli("review", project / "templates", project / "examples", "--out", project / "out" / "review",
                     cwd=project)
    assert result.exit_code == 1, result.output
    yield from _with(project, project)


@pytest.fixture(scope="session")
def previews(tmp_path_factory) -> Path:
    """A project with the preview of both examples in out/<act>/preview, once for the session.
    Read-only: tests that change it work on ``copy_of`` it."""
    project = _shared_project(tmp_path_factory, "anteprime")
    for act in (NOTA, DGR):
        result = run_cli("preview", project / "examples" / act.name, "--out", project / "out", cwd=project)
        assert result.exit_code == 0, result.output
    yield from _with(project, project)


@pytest.fixture(scope="session")
def tariff_diff(tmp_path_factory):
    """(project, diff's result): ``diff`` of the DGR against a v2.yaml with the tariff 190 changed to
    195 (cited 3 times), its page in confronto.html, once for the session. Read-only."""
    project = _shared_project(tmp_path_factory, "confronto")
    v1, v2 = project / "examples" / DGR.name, project / "examples" / "v2.yaml"
    v2.write_text(v1.read_text(encoding="utf-8").replace("importo: 190", "importo: 195"), encoding="utf-8")
    result = run_cli("diff", v1, v2, "--html", project / "confronto.html", cwd=project)
    assert result.exit_code == 1, result.output
    yield from _with(project, (project, result))


def _with(folder: Path, value):
    """Yield ``value``, then check that no test changed ``folder``."""
    before = _files(folder)
    yield value
    assert _files(folder) == before, f"a test changed the shared folder {folder}: work on a copy (copy_of)"


def docx_paragraphs(path: Path):
    import docx

    return docx.Document(str(path)).paragraphs


def read_bytes(path: Path) -> io.BytesIO:
    return io.BytesIO(path.read_bytes())
