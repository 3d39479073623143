"""CPU and wall time of cold commands beside the same command with what it used to import
loaded first (the rival), and an empty interpreter (the floor):

- `circolari sign` (PAdES B-B, no TSA) of the reference DGR; rival: aiohttp loaded first, as
  pyHanko's signer imported it before ``signature/pyhanko_lazy.DEFERRED_CALLS``;
- `circolari mail status` of an act whose messages were sent; rival: ``circolari.mail.prepare``
  loaded first, as ``mail_dir_of`` brought it (pydantic, the project) before ``mail/files.py``.

Run: PYTHONPATH=src python bench/bench_cold_commands.py
The rows run in turn, round after round, so that they see the same machine load; printed: min
and median of wall and CPU (user + system) ms, and what each command saves against its rival
(CPU medians). CPU is the steadier figure on a shared machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_verify import ENV, PASSWORD, make_pki, rendered_dgr, timed_ms

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
# the console entry point, as `python -m circolari` runs it, after a prelude
ENTRY = "{}\nimport sys\nfrom circolari.cli.entry import main\nsys.argv[0] = 'circolari'\nmain()"


def sent_act(folder: Path) -> Path:
    """An act of 3 bodies whose messages are all sent (the tests' helpers.mail.sent_act)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from helpers.mail import sent_act as made

    return made(folder, 3)[0]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pdf = rendered_dgr(tmp)
        _, p12 = make_pki(tmp)
        ENV["CIRCOLARI_P12_PASSWORD"] = PASSWORD.decode()  # the environment timed_ms runs commands in
        act = sent_act(tmp / "pec")

        def entry(prelude: str, *args: str) -> list[str]:
            return [sys.executable, "-c", ENTRY.format(prelude), *args]

        def timed(cmd: list[str]) -> tuple[float, float]:
            (tmp / "firmato.pdf").unlink(missing_ok=True)  # sign writes it anew each time
            return timed_ms(cmd, expect=3 if "status" in cmd else 0)  # 3: not confirmed yet

        sign = ("sign", str(pdf), "--p12", str(p12), "-o", str(tmp / "firmato.pdf"))
        status = ("mail", "status", str(act))
        rows = [("floor: python -c pass", [sys.executable, "-c", "pass"]),
                ("rival: circolari sign, aiohttp loaded first (as before)", entry("import aiohttp", *sign)),
                ("circolari sign DGR.pdf (PAdES B-B, no TSA)", entry("", *sign)),
                ("rival: circolari mail status, prepare loaded first", entry("import circolari.mail.prepare", *status)),
                ("circolari mail status (3 messages sent)", entry("", *status))]
        for _, cmd in rows:  # bytecode, as after install
            timed(cmd)
        figures: list[list[tuple[float, float]]] = [[] for _ in rows]
        for _ in range(RUNS):
            for row, (_, cmd) in zip(figures, rows):
                row.append(timed(cmd))
    print(f"{RUNS} rounds of fresh processes, ms; load average (1 min) {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'':58} {'wall min':>8} {'median':>7} {'CPU min':>8} {'median':>7}")
    for (label, _), row in zip(rows, figures):
        walls, cpus = zip(*row)
        print(f"{label:58} {min(walls):8.0f} {statistics.median(walls):7.0f} "
              f"{min(cpus):8.0f} {statistics.median(cpus):7.0f}")
    cpu = [statistics.median(c for _, c in row) for row in figures]
    for name, rival, command in (("sign: the deferred aiohttp", cpu[1], cpu[2]),
                                 ("mail status: mail_dir_of out of prepare", cpu[3], cpu[4])):
        print(f"{name} saves {rival - command:.0f} ms of CPU per cold command "
              f"({(rival - command) / rival:.0%} of the rival's {rival:.0f} ms)")


if __name__ == "__main__":
    main()
