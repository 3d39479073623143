"""CPU and wall time of a cold `circolari sign` (PAdES B-B, no TSA) of the reference DGR, beside
the same command with aiohttp loaded first, as pyHanko's signer imported it before
``signature/pyhanko_lazy.DEFERRED_CALLS`` (the rival), and an empty interpreter (the floor).

Run: PYTHONPATH=src python bench/bench_sign.py
The rows run in turn, round after round, so that they see the same machine load; printed: min
and median of wall and CPU (user + system) ms, and what the deferral saves (rival - sign, CPU
medians). CPU is the steadier figure on a shared machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_verify import ENV, PASSWORD, make_pki, timed_ms

ROOT = Path(__file__).resolve().parents[1]
DGR = ROOT / "examples" / "dgr-xi-3681-2020.yaml"
RUNS = 7
# the console entry point, as `python -m circolari` runs it, after ``PRELUDE``
ENTRY = "{}\nimport sys\nfrom circolari.cli.entry import main\nsys.argv[0] = 'circolari'\nmain()"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "circolari", "render", str(DGR), "--out", str(tmp)],
                       check=True, capture_output=True)
        pdf = tmp / DGR.stem / f"{DGR.stem}.pdf"
        _, p12 = make_pki(tmp)
        ENV["CIRCOLARI_P12_PASSWORD"] = PASSWORD.decode()  # the environment timed_ms runs commands in

        def sign(prelude: str) -> list[str]:
            out = tmp / "firmato.pdf"
            out.unlink(missing_ok=True)
            return [sys.executable, "-c", ENTRY.format(prelude), "sign", str(pdf), "--p12", str(p12), "-o", str(out)]

        rows = [("floor: python -c pass", lambda: [sys.executable, "-c", "pass"]),
                ("rival: circolari sign, aiohttp loaded first (as before)", lambda: sign("import aiohttp")),
                ("circolari sign DGR.pdf (PAdES B-B, no TSA)", lambda: sign(""))]
        timed_ms(rows[-1][1]())  # bytecode, as after install
        figures: list[list[tuple[float, float]]] = [[] for _ in rows]
        for _ in range(RUNS):
            for row, (_, cmd) in zip(figures, rows):
                row.append(timed_ms(cmd()))
    print(f"{RUNS} rounds of fresh processes, ms; load average (1 min) {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'':58} {'wall min':>8} {'median':>7} {'CPU min':>8} {'median':>7}")
    for (label, _), row in zip(rows, figures):
        walls, cpus = zip(*row)
        print(f"{label:58} {min(walls):8.0f} {statistics.median(walls):7.0f} "
              f"{min(cpus):8.0f} {statistics.median(cpus):7.0f}")
    rival, signed = (statistics.median(cpu for _, cpu in row) for row in figures[1:])
    print(f"the deferred aiohttp saves {rival - signed:.0f} ms of CPU per cold sign "
          f"({(rival - signed) / rival:.0%} of the rival's {rival:.0f} ms)")


if __name__ == "__main__":
    main()
