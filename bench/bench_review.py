"""Time the review of both reference acts and a warm preview re-render of the DGR.

Run: PYTHONPATH=src python bench/bench_review.py
Goals (issue 17): ``circolari review templates examples`` < 3 s as a clerk runs it (separate
process, cold imports), beside ``circolari render examples`` in the same run; a warm re-render of
the DGR's preview after an edit < 100 ms.

What the watch figure measures: in a process that has already shown the preview once (as
``preview --watch`` has), the act file is saved with a tariff changed (190 <-> 195, cited on pages
3-5); the clock starts when the save returns and stops when ``preview.update`` -- the very call
``watch`` makes at each save -- has written the act's HTML, its PDF and the ``index.html`` the
open page reloads (the three changed pages still show their previous picture, marked
«in aggiornamento»). Not counted: watchfiles' 200 ms debounce (it waits for the editor to finish
saving) and the browser's reload interval (1 s). Printed beside it, from the same rounds: the
time until the changed pages' pictures are drawn too, the render alone (the floor: the layout
every approach must pay) and the same preview redrawing every page; then the CPU time of this
process for the page and for the render alone (on 2 shared cores the wall clock also counts the
time spent waiting for a core). Last, the CPU time of rendering both examples as review, approve and
diff do (the PDF and the text only) beside the full render (DOCX and manifest too), alternated; and
the CPU time of ``approve`` of both examples after their review, taking what the review rendered
beside rendering them again (as before the pack kept its renders), alternated, and the wall clock of
the same as separate processes. Last, the CPU time of reviewing the nota alone, and within it the
registry as the pack and approve read it (once per content, as check and render read it) beside
the registry parsed and validated afresh, as they did at every run before.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEW_GOAL, WATCH_GOAL = 3.0, 0.100
ROUNDS = 20
APPROVE_ROUNDS = 8


def quiet(_message: str) -> None:
    """``update``'s report, silenced."""


def save(act: Path, text: str, run: int) -> None:
    """Save the act as a clerk's editor does, the tariff at 195 on even runs and at 190 on odd ones."""
    act.write_text(text.replace("importo: 190", "importo: 195") if run % 2 == 0 else text, encoding="utf-8")


def _cli(project: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "circolari", *args], cwd=project, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from circolari.input.project import Project
    from circolari.render import render_act
    from circolari.review.preview import update

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        for name in ("templates", "recipients", "examples"):
            shutil.copytree(ROOT / name, project / name)
        renders, reviews = [], []
        for _ in range(3):
            shutil.rmtree(project / "out-render", ignore_errors=True)
            renders.append(_cli(project, "render", "examples", "--out", "out-render"))
            reviews.append(_cli(project, "review", "templates", "examples"))
        act = project / "examples" / "dgr-xi-3681-2020.yaml"
        text = act.read_text(encoding="utf-8")
        assert "importo: 190" in text
        setup = Project.locate(act, out=project / "out")
        folder = project / "out" / act.stem / "preview"
        update(act, setup, folder, report=quiet).draw()  # cold: imports, fonts, templates
        alone, page, drawn, every, page_cpu, alone_cpu = [], [], [], [], [], []
        for run in range(ROUNDS):  # each save changes a tariff cited on three pages (190 <-> 195)
            save(act, text, run)
            start, cpu = time.perf_counter(), time.process_time()
            pending = update(act, setup, folder, report=quiet)
            page.append(time.perf_counter() - start)
            page_cpu.append(time.process_time() - cpu)
            assert pending.stale == [3, 4, 5], pending.stale  # the page written, those pictures not yet
            pending.draw()
            drawn.append(time.perf_counter() - start)
            save(act, text, run + 1)  # the floor: the same edit, laid out only
            start, cpu = time.perf_counter(), time.process_time()
            render_act(act, setup, preview=True)
            alone.append(time.perf_counter() - start)
            alone_cpu.append(time.process_time() - cpu)
            save(act, text, run)  # the rival: every page redrawn, as before page keys
            (folder / "pagine.json").unlink()
            start = time.perf_counter()
            update(act, setup, folder, report=quiet).draw()
            every.append(time.perf_counter() - start)
        pack_cpu, full_cpu = _pack_render_cpu(project)
        taken_cpu, again_cpu, taken_cli, again_cli = _approve_cpu(project)
        nota_cpu, cached_cpu, parsed_cpu = _registry_cpu(project)


    def ms(xs):
        return f"min {min(xs) * 1000:.0f} ms, mediana {statistics.median(xs) * 1000:.0f} ms"
    print(f"carico della macchina: {os.getloadavg()[0]:.1f}")
    print(f"review di 2 esempi: min {min(reviews):.2f} s, mediana {statistics.median(reviews):.2f} s "
          f"(obiettivo < {REVIEW_GOAL:.0f} s; render degli stessi: min {min(renders):.2f} s) "
          + ("OK" if min(reviews) < REVIEW_GOAL else "TROPPO LENTO"))
    print(f"anteprima --watch, DGR a caldo, dal salvataggio alla pagina aggiornata scritta (HTML, PDF, index.html): "
          f"{ms(page)} (obiettivo < {WATCH_GOAL * 1000:.0f} ms) "
          + ("OK" if min(page) < WATCH_GOAL else "TROPPO LENTO"))
    print(f"  stesso giro fino alle immagini delle 3 pagine cambiate: {ms(drawn)}; "
          f"render da solo (minimo possibile): {ms(alone)}; ridisegnando tutte le pagine: {ms(every)} "
          f"({ROUNDS} giri)")
    print(f"  tempo CPU di questo processo (attese per la CPU escluse): pagina aggiornata {ms(page_cpu)}; "
          f"render da solo {ms(alone_cpu)}")
    print(f"render dei 2 esempi come lo fanno review, approve e diff (PDF e testo), tempo CPU: {ms(pack_cpu)}; "
          f"render completo (anche DOCX e manifest): {ms(full_cpu)} ({ROUNDS} giri)")
    print(f"approve dei 2 esempi dopo la review, tempo CPU: prendendo il render del pacchetto {ms(taken_cpu)}; "
          f"rifacendo il render (com'era prima): {ms(again_cpu)} ({APPROVE_ROUNDS} giri alternati)")
    print(f"  come processo a sé (circolari approve examples): prendendo il render del pacchetto {ms(taken_cli)}; "
          f"rifacendo il render: {ms(again_cli)} ({len(taken_cli)} giri alternati)")
    print(f"review della nota, tempo CPU: {ms(nota_cpu)}; di cui il registro, letto come lo leggono check e render "
          f"(una volta per contenuto): {ms(cached_cpu)}; analizzato di nuovo a ogni review e approve (com'era "
          f"prima): {ms(parsed_cpu)} ({ROUNDS} giri)")


def _pack_render_cpu(project: Path) -> tuple[list[float], list[float]]:
    """CPU time of rendering both examples as the pack does (``review=True``) and in full, alternated."""
    from circolari.input.project import Project
    from circolari.kinds.load import load_act
    from circolari.render import render_loaded

    acts = [load_act(act) + (Project.locate(act),) for act in sorted((project / "examples").glob("*.yaml"))]
    pack, full = [], []
    for _ in range(ROUNDS):
        for review, times in ((True, pack), (False, full)):
            cpu = time.process_time()
            for act, doc, setup in acts:
                render_loaded(act, doc, setup, name=doc.path.stem, review=review)
            times.append(time.process_time() - cpu)
    return pack, full


def _approve_cpu(project: Path) -> tuple[list[float], list[float], list[float], list[float]]:
    """CPU time of ``approve`` of both examples after their review: taking what the review rendered
    (``review/kept.py``) beside rendering them again (the same pack without its kept renders), alternated;
    then the wall clock of the same two as separate processes."""
    import json

    from circolari.input.project import Project
    from circolari.review.approve import RECORD, approve
    from circolari.review.kept import FIELD
    from circolari.review.pack import build_pack

    pack = project / "out" / "pacchetto"
    build_pack(project / "templates", [project / "examples"], pack)
    rival = project / "out" / "pacchetto-senza-rese"
    shutil.copytree(pack, rival)
    record = json.loads((rival / RECORD).read_text(encoding="utf-8"))
    assert len(record.pop(FIELD)) == 2, "both examples' renders kept"
    (rival / RECORD).write_text(json.dumps(record), encoding="utf-8")
    acts = sorted((project / "examples").glob("*.yaml"))
    taken, again = [], []
    for _ in range(APPROVE_ROUNDS):
        for folder, times in ((pack, taken), (rival, again)):
            cpu = time.process_time()
            results = approve(acts, lambda act: Project.locate(act), reviewer="Banco di prova", pack=folder)
            times.append(time.process_time() - cpu)
            assert [r.status for r in results] == ["invariato", "invariato"], results
    taken_cli, again_cli = [], []
    for _ in range(3):
        for folder, times in ((pack, taken_cli), (rival, again_cli)):
            times.append(_cli(project, "approve", "examples", "--by", "Banco di prova", "--pack", str(folder)))
    return taken, again, taken_cli, again_cli


def _registry_cpu(project: Path) -> tuple[list[float], list[float], list[float]]:
    """CPU time of the review of the nota (one act, as a clerk reviews a template change's effect on
    it); of the registry as the pack now reads it (``cached_registry``, once per content, as check
    and render read it); and of the registry parsed and validated afresh (``Registry.load``: what
    the pack and approve did at every run, beside the cached one check read). Alternated."""
    from circolari.registry.registry import Registry, cached_registry
    from circolari.review.pack import build_pack

    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    review, cached, parsed = [], [], []
    for run in range(ROUNDS):
        cpu = time.process_time()
        build_pack(project / "templates", [act], project / "out" / f"registro-{run}")
        review.append(time.process_time() - cpu)
        for times, read in ((cached, cached_registry), (parsed, Registry.load)):
            cpu = time.process_time()
            read(project / "recipients")
            times.append(time.process_time() - cpu)
    return review, cached, parsed


if __name__ == "__main__":
    main()
