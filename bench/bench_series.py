"""Bench of a letter series: 1,000 letters rendered (PDF/A + DOCX) with --jobs 2, then signed.

Run from the project root:  PYTHONPATH=src:tests python bench/bench_series.py
The bodies are 1,000 test bodies of a generated registry (no PEC: they print without an
address, as unverified bodies do), the table an XLSX of the series test's shape. Printed
beside each figure: the goal, the floor (one letter rendered in this process, times 1,000,
divided by the 2 processes) and, where docxtpl and LibreOffice are installed, the mail-merge
route measured in the same run (docxtpl fills a .docx, LibreOffice converts a batch).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

N = 1000
JOBS = 2
RENDER_GOAL, SIGN_GOAL, MEMORY_GOAL_MB, RATIO_GOAL = 20.0, 30.0, 500, 8
RIVAL_BATCH = 20


def make_project(folder: Path) -> Path:
    from helpers.series import ACT, write_xlsx

    shutil.copytree(ROOT / "templates", folder / "templates")
    registry = folder / "recipients"
    registry.mkdir()
    (registry / "gruppi.yaml").write_text("- id: prova\n  nome: Enti di prova\n  intestazione: Agli enti di prova\n",
                                          encoding="utf-8")
    entries = [f"- id: ente-{i:04d}\n  denominazione: Ente di prova {i:04d}\n  tipo: altro\n  pec: null\n"
               f"  gruppi: [prova]\n  fonte: banco di prova\n  verificato: false\n" for i in range(N)]
    (registry / "enti.yaml").write_text("\n".join(entries), encoding="utf-8")
    data = [[f"ente-{i:04d}", f"Ente di prova {i:04d}", 10 + i % 90, Decimal(1000 + i)] for i in range(N)]
    (folder / "atti").mkdir()
    write_xlsx(folder / "atti" / "serie.xlsx", data)
    total = sum((row[3] for row in data), Decimal(0))
    text = ACT.format(total=total, table="serie.xlsx", sheet="  foglio: Riparto\n", selection="gruppi: [prova]")
    (folder / "atti" / "serie.yaml").write_text(text, encoding="utf-8")
    return folder


def one_letter_seconds(project: Path) -> float:
    """The floor: one letter rendered in this process (warm), the best of five."""
    from circolari.kinds.load import load_act
    from circolari.input.project import Project
    from circolari.registry.registry import load_registry
    from circolari.render import render_loaded
    from circolari.series.letters import letter_act, plan

    act, doc = load_act(project / "atti" / "serie.yaml")
    proj = Project.locate(project / "atti")
    letter = plan(act, doc, load_registry(proj.recipients)).letters[0]
    best = float("inf")
    for _ in range(6):
        start = time.perf_counter()
        render_loaded(letter_act(act, letter), doc, proj, name="prova")
        best = min(best, time.perf_counter() - start)
    return best


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, float] = {}


def run(command: list[str], cwd: Path, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds and result of ``command``; its CPU seconds (all its processes) in ``CPU[command[3]]``."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    CPU[command[3]] = _children_cpu() - cpu
    return seconds, result


def load() -> str:
    return "carico della macchina (media 1 min) {:.1f} su {} core".format(os.getloadavg()[0], os.cpu_count())


def rival(folder: Path) -> float | None:
    """docxtpl + LibreOffice: seconds per letter for a batch of RIVAL_BATCH letters, or None."""
    try:
        from docx import Document
        from docxtpl import DocxTemplate
    except ImportError:
        return None
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    template = folder / "modello.docx"
    document = Document()
    document.add_paragraph("{{ denominazione }}")
    document.add_paragraph("A codesta Azienda sono assegnati {{ posti }} posti letto e l'importo di {{ importo }}.")
    document.save(template)
    out = folder / "rivale"
    out.mkdir()
    start = time.perf_counter()
    for i in range(RIVAL_BATCH):
        doc = DocxTemplate(template)
        doc.render({"denominazione": f"Ente di prova {i:04d}", "posti": 10 + i, "importo": f"€ {1000 + i},00"})
        doc.save(out / f"lettera-{i:04d}.docx")
    profile = folder / "lo-profile"
    subprocess.run([office, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, sorted(out.glob("*.docx")))],
                   capture_output=True, timeout=600)
    seconds = time.perf_counter() - start
    return seconds / RIVAL_BATCH if len(list(out.glob("*.pdf"))) == RIVAL_BATCH else None


def main() -> None:
    from helpers.series import make_p12

    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "progetto")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "CIRCOLARI_P12_PASSWORD": "segreta"}
        cli = [sys.executable, "-m", "circolari"]
        floor = one_letter_seconds(project)
        print(f"prima della misura: {load()}")
        seconds, result = run([*cli, "render", "atti/serie.yaml", "--jobs", str(JOBS)], project, env)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        letters = len(list((project / "out" / "serie").glob("*/serie-*.pdf"))) + \
            len(list((project / "out" / "serie").glob("*/serie-*.docx")))
        ok = result.returncode == 0 and letters == 2 * N
        verdict = "OK" if ok and seconds < RENDER_GOAL else "NON RAGGIUNTO"
        failed |= verdict != "OK"
        print(f"render di {N} lettere (PDF/A + DOCX, --jobs {JOBS}): {seconds:.1f} s (obiettivo < {RENDER_GOAL:.0f} s; "
              f"pavimento {floor * N / JOBS:.1f} s = {floor * 1000:.0f} ms per lettera x {N} / {JOBS}) {verdict}; "
              f"{seconds / N * 1000:.1f} ms per lettera; {letters} file PDF e DOCX; codice {result.returncode}; "
              f"CPU {CPU['render']:.1f} s ({CPU['render'] / N * 1000:.1f} ms per lettera); {load()}")
        print(f"memoria massima di un processo: {peak_mb:.0f} MB (obiettivo < {MEMORY_GOAL_MB} MB) "
              f"{'OK' if peak_mb < MEMORY_GOAL_MB else 'NON RAGGIUNTO'}")
        failed |= peak_mb >= MEMORY_GOAL_MB
        again, result = run([*cli, "render", "atti/serie.yaml", "--jobs", str(JOBS)], project, env)
        print(f"ripresa senza lavoro (tutte le lettere già fatte, verificate dalle impronte): {again:.1f} s; "
              f"{result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-200:]}")
        p12, _ = make_p12(Path(tmp))
        seconds, result = run([*cli, "sign", "out/serie", "--p12", str(p12), "--jobs", str(JOBS)], project, env)
        signed = len(list((project / "out" / "serie").glob("*/*.firmato.pdf")))
        verdict = "OK" if result.returncode == 0 and signed == N and seconds < SIGN_GOAL else "NON RAGGIUNTO"
        failed |= verdict != "OK"
        print(f"firma di {N} lettere (PAdES, --jobs {JOBS}): {seconds:.1f} s (obiettivo < {SIGN_GOAL:.0f} s) {verdict}; "
              f"{seconds / N * 1000:.1f} ms per lettera; {signed} firmate; codice {result.returncode}; "
              f"CPU {CPU['sign']:.1f} s ({CPU['sign'] / N * 1000:.1f} ms per lettera); {load()}")
        rival_seconds = rival(Path(tmp))
        if rival_seconds is None:
            print("docxtpl + LibreOffice: non installati, confronto non eseguito")
        else:
            ours_per_letter = floor  # one process, one letter: the same footing as the rival's per-letter figure
            ratio = rival_seconds / ours_per_letter
            print(f"docxtpl + LibreOffice ({RIVAL_BATCH} lettere in un'unica conversione): "
                  f"{rival_seconds * 1000:.0f} ms per lettera (solo PDF) contro {ours_per_letter * 1000:.0f} ms "
                  f"(PDF/A + DOCX, un processo): {ratio:.1f}x (obiettivo >= {RATIO_GOAL}x) "
                  f"{'OK' if ratio >= RATIO_GOAL else 'NON RAGGIUNTO'}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
