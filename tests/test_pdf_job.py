"""A cold ``circolari render`` lays the PDF out in a forked worker (``pdf_job``): what it writes
must be byte for byte what a render in one process writes (the session's reference, rendered in
the test worker), also when the worker dies, and its errors must be the same.

The facts come from one fresh interpreter that runs the console entry point once per case
(``helpers.cold_render``), the circular alone first: each render forks its own worker, as a
command does; the later ones show what the worker's death, a character the font lacks and a
series change, which a process that rendered before does not (the worker is forked anew, its
items come back the same way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DGR, NOTA, ROOT


@pytest.fixture(scope="module")
def plain(reference) -> dict[Path, dict[str, bytes]]:
    """The files of NOTA and DGR rendered in one process (the session's reference: rendered in the
    test worker, which has ReportLab loaded: no PDF worker)."""
    return {act: {p.name: p.read_bytes() for p in reference[kind].folder.iterdir()}
            for kind, act in (("circolare", NOTA), ("delibera", DGR))}


def differ(out: Path, plain: dict[Path, dict[str, bytes]]) -> list[str]:
    """The files of the acts in ``plain`` whose bytes in ``out`` are not the plain render's."""
    return [name for act, files in plain.items() for name, data in files.items()
            if (out / act.stem / name).read_bytes() != data]


@pytest.fixture(scope="session")
def cold(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """Each case's result and folder (``helpers.cold_render``: once per run, read-only)."""
    from helpers import cold_render

    return cold_render.results(tmp_path_factory)["runs"]


def test_cold_render_in_the_worker_writes_what_one_process_writes(cold, plain):
    result, folder = cold["nota"]  # the first command of a fresh interpreter
    # laid out in the worker, which had loaded all its jobs need
    assert {k: result[k] for k in ("code", "reportlab_here", "jobs_loaded")} == \
        {"code": 0, "reportlab_here": False, "jobs_loaded": []}, result["stderr"][-3000:]
    assert differ(folder / "out", {NOTA: plain[NOTA]}) == []
    result, folder = cold["cold"]  # both acts' jobs in one worker
    assert {k: result[k] for k in ("code", "reportlab_here", "jobs_loaded")} == \
        {"code": 0, "reportlab_here": False, "jobs_loaded": []}, result["stderr"][-3000:]
    assert differ(folder / "out", plain) == []
    pdf = (folder / "out" / DGR.stem / f"{DGR.stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"pdfaid:part" in pdf


def test_cold_render_when_the_worker_dies_finishes_here_with_the_same_bytes(cold, plain):
    result, folder = cold["dies"]
    # ReportLab was not loaded here before (the runs before were laid out in workers): it was for this one
    assert {k: result[k] for k in ("code", "reportlab_here", "jobs_loaded")} == \
        {"code": 0, "reportlab_here": True, "jobs_loaded": None}, result["stderr"][-3000:]
    assert differ(folder / "out", plain) == []


def test_cold_render_names_characters_the_font_lacks_as_the_plain_render_does(cold):
    result, folder = cold["missing"]
    act = folder / "nota.yaml"
    assert "漢" in act.read_text(encoding="utf-8")
    assert result["code"] == 1
    assert "il carattere «漢» (U+6F22) non esiste nel carattere tipografico del PDF" in result["stderr"]
    assert f"{act}:" in result["stderr"] and "oggetto" in result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert not (folder / "out").exists() or not any((folder / "out").iterdir())


def test_cold_render_of_a_series_then_an_act_writes_both_and_the_act_as_one_process_does(cold, plain):
    """The series makes its first letter here (series/parallel.py), so the act after it is laid out
    here too: the early worker, unclaimed by the series, is let go by the entry point."""
    result, project = cold["series"]
    series = project / "examples" / "serie" / "richiesta-dati-sub-acute.yaml"
    out = project / "out"
    assert result["code"] == 0, result["stderr"][-3000:]
    assert f"{NOTA.relative_to(ROOT)}: 3 pagine -> {out / NOTA.stem}/" in result["stdout"]
    enti = [row.split(",")[0] for row in series.with_suffix(".csv").read_text(encoding="utf-8").splitlines()[1:]]
    letters = sorted(p.name for p in (out / series.stem).iterdir() if p.is_dir())
    assert letters == sorted(enti) and len(enti) == 3
    assert all((out / series.stem / p / f"{series.stem}-{p}.pdf").is_file() for p in letters)
    assert differ(out, {NOTA: plain[NOTA]}) == []
