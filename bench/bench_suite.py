"""The test suite's time beside its floor and issue 13's goal (≈ 25 s plus the browser tests).

Run: python bench/bench_suite.py   (from the project folder, with the test extras installed)
Three pytest runs, as `make test` runs the suite (`-n auto --dist worksteal`, bytecode kept),
one after the other so that they see the same machine load:
- floor: the same command selecting one quick test (interpreters, plugins, collection in every
  worker: what any run pays);
- browser: the browser tests alone (Chromium through selenium);
- suite: every test.
Printed for each: wall and CPU seconds (user + system, of pytest, its workers and every process
they waited for), and the suite's wall time against the goal, 25 s plus the browser run's wall.
Then the test files that cost the most (wall summed over their tests, from pytest's durations).
Wall times on a shared machine include waiting for a core: compare figures of one run.
"""

from __future__ import annotations

import collections
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-q", "-n", "auto", "--dist", "worksteal", "-p", "no:cacheprovider"]
BROWSER = "tests/test_review_preview_browser.py"
GOAL_BESIDE_BROWSER = 25.0
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as `make test`
DURATION = re.compile(r"^(\d+\.\d+)s (?:setup|call|teardown)\s+(\S+?)::", re.M)


def run(args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of pytest with ``args``, and its output; pytest must not fail."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(PYTEST + args, capture_output=True, text=True, cwd=ROOT, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-3000:])
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, proc.stdout


def one_test_name() -> str:
    """The name of the first collected test that no other test shares, not a browser test (those
    are collected first, conftest.pytest_collection_modifyitems; pytest-xdist stops with an
    internal error when no test is selected, so the floor runs one)."""
    listing = subprocess.run(PYTEST[:3] + ["-q", "--collect-only", "-p", "no:cacheprovider"], capture_output=True,
                             text=True, cwd=ROOT, env=ENV).stdout
    names = [line.split("::")[-1] for line in listing.splitlines() if "::" in line and BROWSER not in line]
    return next(name for name in names if names.count(name) == 1 and "[" not in name)


def main() -> None:
    floor = run(["-k", one_test_name()])
    browser = run([BROWSER])
    suite = run(["--durations=0", "--durations-min=0"])
    for name, (wall, cpu, _) in (("floor (one test)", floor), ("browser tests", browser), ("suite", suite)):
        print(f"{name:<16} wall {wall:6.1f} s   CPU {cpu:6.1f} s")
    goal = GOAL_BESIDE_BROWSER + browser[0]
    print(f"goal: suite wall ≤ {GOAL_BESIDE_BROWSER:.0f} s + browser wall = {goal:.1f} s; "
          f"suite {suite[0]:.1f} s = {suite[0] / goal:.2f}× the goal")
    per_file: collections.Counter[str] = collections.Counter()
    for seconds, path in DURATION.findall(suite[2]):
        per_file[path] += float(seconds)
    print(f"test time summed over all workers: {sum(per_file.values()):.1f} s; the costliest files:")
    for path, seconds in per_file.most_common(12):
        print(f"  {seconds:6.1f} s  {path}")


if __name__ == "__main__":
    main()
