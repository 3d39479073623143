"""The files one run of the test suite leaves in its temp folder, and what deleting them costs.

Run: python bench/bench_tmp.py   (from the project folder, with the test extras installed)
First the project copy the ``project`` fixture writes (conftest.write_project) beside
shutil.copytree of the same folders, per copy (best of two rounds, alternated). Then two runs
of the whole suite as `make test` runs it, in a temp root of their own (PYTEST_DEBUG_TEMPROOT),
one after the other:
1. a run with no old run to delete (as on a fresh CI machine): its folder's files, folders and
   bytes are counted, and its tail, from its last test's report to the end of the process
   (session teardown in the workers, the report), is the floor;
2. a run with run 1's folder old enough for pytest to delete it (three runs made since:
   ``tmp_path_retention_count``): its tail beside the floor and beside the rival, deleting
   run 2's folder (as large) after the tests, the way pytest deletes an old run at exit
   (shutil.rmtree).
Wall times on a shared machine include waiting for a core and for the disk: compare figures of
one run.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "worksteal", "-p", "no:cacheprovider",
          "-p", "bench_tmp"]
COPIES = 50


def pytest_runtest_logreport(report):
    """(Loaded into the run as a plugin) the time of the last test report, in the process that
    started the run."""
    global _LAST
    _LAST = time.time()


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get("BENCH_TMP_LAST"):
        Path(os.environ["BENCH_TMP_LAST"]).write_text(json.dumps(_LAST))


_LAST = 0.0


def run(temproot: Path) -> float:
    """Run the suite with its temp folders in ``temproot``; the seconds from its last test's
    report to the end of the process."""
    last = temproot / "last.json"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as `make test`
    env.update(PYTEST_DEBUG_TEMPROOT=str(temproot), BENCH_TMP_LAST=str(last),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")])))
    proc = subprocess.run(PYTEST, capture_output=True, text=True, cwd=ROOT, env=env)
    end = time.time()
    if proc.returncode:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
    return end - json.loads(last.read_text())


def count(folder: Path) -> tuple[int, int, int]:
    """(files, folders, bytes) under ``folder``."""
    files = folders = size = 0
    for _, subfolders, filenames in os.walk(folder):
        folders += len(subfolders)
        for name in filenames:
            files += 1
            size += os.lstat(os.path.join(_, name)).st_size
    return files, folders, size


def timed(action) -> tuple[float, float]:
    """(wall, CPU of this process) of ``action()``, in seconds."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    action()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def copies(work: Path) -> None:
    sys.path[:0] = [str(ROOT / "tests")]
    from conftest import PROJECT_FOLDERS, write_project  # the files read once per process, as in a worker

    def by_copytree(round_: int):
        for i in range(COPIES):
            for name in PROJECT_FOLDERS:
                shutil.copytree(ROOT / name, work / f"copytree{round_}-{i}" / name)

    def by_write_project(round_: int):
        for i in range(COPIES):
            write_project(work / f"write_project{round_}-{i}")

    write_project(work / "primo")
    best: dict[str, tuple[float, float]] = {}
    for round_ in range(2):
        for name, action in (("shutil.copytree", by_copytree), ("write_project", by_write_project)):
            best[name] = min(best.get(name, (1e9, 1e9)), timed(lambda: action(round_)))
    for name, (wall, cpu) in best.items():
        print(f"  {name:<16} {wall / COPIES * 1000:5.1f} ms wall, {cpu / COPIES * 1000:5.1f} ms CPU per copy")
    shutil.rmtree(work)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-tmp-") as temp:
        temproot = Path(temp)
        print("the project copy (templates, recipients, examples):")
        copies(temproot / "copie")
        floor = run(temproot)
        (runs,) = temproot.glob("pytest-of-*")
        (first,) = [p for p in runs.iterdir() if p.name.startswith("pytest-") and not p.is_symlink()]
        files, folders, size = count(first)
        print(f"one run's temp folder: {files} files, {folders} folders, {size / 1e6:.0f} MB")
        number = int(first.name.removeprefix("pytest-"))
        for n in (number + 1, number + 2):
            (runs / f"pytest-{n}").mkdir()  # two runs made since: the next run deletes the first
        tail = run(temproot)
        assert not first.exists(), "pytest kept the oldest run"
        wall, cpu = timed(lambda: shutil.rmtree(runs / f"pytest-{number + 3}"))
        print(f"tail of the run (last test report to exit): {tail:5.2f} s with an old run to delete, "
              f"{floor:5.2f} s with none (floor)")
        print(f"  rival: deleting one run's folder after the tests (rmtree, as pytest at exit): "
              f"{wall:5.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
