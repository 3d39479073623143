"""Time a cold PAdES B-T signature's time-stamp request: a fresh process imports the client and
asks a local time-stamping authority (pyHanko's DummyTimeStamper behind http.server) for one token.

Run: PYTHONPATH=src:tests python bench/bench_tsa.py
Printed beside, from the same run (rounds alternate, CPU and wall ms, min and median): the floor,
the same process importing pyHanko's time-stamping API and sending nothing; and the rival,
pyHanko's aiohttp ``HTTPTimeStamper`` in circolari's place (``signature/tsa.py``). Each process
also says whether it loaded aiohttp.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

ROUNDS = 7
CLIENT = """
import asyncio, hashlib, sys
from circolari.signature.pyhanko_lazy import lazy_packages
lazy_packages()
{make}
token = asyncio.run(stamper.async_timestamp(hashlib.sha256(b"atto").digest(), "sha256"))
assert token["content_type"].native == "signed_data"
print("aiohttp" in sys.modules)
"""
MAKE = {"circolari": "from circolari.signature.tsa import UrllibTimeStamper\nstamper = UrllibTimeStamper(sys.argv[1], 30)",
        "pyHanko (aiohttp)": "from pyhanko.sign.timestamps import HTTPTimeStamper\nstamper = HTTPTimeStamper(sys.argv[1], timeout=30)"}
FLOOR = "from circolari.signature.pyhanko_lazy import lazy_packages\nlazy_packages()\nimport pyhanko.sign.timestamps.api\n"


def serve() -> str:
    from helpers.pki import NOW, make_tsa, serve_tsa

    stamper, _ = make_tsa(NOW - timedelta(days=1), NOW + timedelta(days=30), 7)
    return serve_tsa(stamper).url


def timed(code: str, url: str) -> tuple[float, float, str]:
    """(wall, CPU) ms of ``python -c code url`` in a fresh process, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src")})
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000, proc.stdout.strip()


def main() -> None:
    url = serve()
    rows = {"floor (import, no request)": FLOOR, **{name: CLIENT.format(make=make) for name, make in MAKE.items()}}
    results: dict[str, list[tuple[float, float, str]]] = {name: [] for name in rows}
    for _ in range(ROUNDS):
        for name, code in rows.items():
            results[name].append(timed(code, url))
    for name, runs in results.items():
        walls, cpus = [r[0] for r in runs], [r[1] for r in runs]
        loaded = {r[2] for r in runs} - {""}
        print(f"{name:28s} CPU {min(cpus):6.0f} / {statistics.median(cpus):6.0f} ms, wall {min(walls):6.0f} / "
              f"{statistics.median(walls):6.0f} ms (min / median)" + (f", aiohttp loaded: {', '.join(sorted(loaded))}" if loaded else ""))


if __name__ == "__main__":
    main()
