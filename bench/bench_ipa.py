"""Time and memory of ``circolari recipients import indicepa`` on a 200,000-row IndicePA file.

Run: PYTHONPATH=src python bench/bench_ipa.py
The file is generated from the shape of the test fixture (tests/ipa/enti.csv and amministrazioni.txt:
same columns, rows repeated with numbered codes); the last rows carry the codes given to the bundled
registry's ASST, so the import matches 27 bodies near the end of the file. Each figure is printed
beside a floor measured in the same run: a bare ``csv.reader`` pass over the same file.
Goal: < 10 s and < 200 MB peak for the import (a separate process, cold imports included).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "ipa"
ROWS = 200_000
GOAL_SECONDS, GOAL_MB = 10.0, 200.0

_PEAK = ("import atexit, resource, sys\n"
         "atexit.register(lambda: print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr))\n")
FLOOR = _PEAK + ("import csv\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
                 "    n = sum(1 for _ in csv.reader(f, delimiter=sys.argv[2]))\n")
CLI = _PEAK + "from circolari.cli.main import main\nsys.argv[0] = 'circolari'\nmain()\n"

def generate(layout: Path, target: Path, codes: list[str]) -> None:
    """ROWS rows shaped like the fixture's; the last ``len(codes)`` rows take the registry's codes."""
    delimiter = "\t" if layout.suffix == ".txt" else ","
    with layout.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL))
    header, samples = rows[0], rows[1:]
    code_at = [h.lower() for h in header].index("codice_ipa" if delimiter == "," else "cod_amm")
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n",
                            quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_ALL, escapechar="\\")
        writer.writerow(header)
        for n in range(ROWS):
            row = list(samples[n % len(samples)])
            tail = n - (ROWS - len(codes))
            row[code_at] = codes[tail] if tail >= 0 else f"{row[code_at]}_{n}"
            writer.writerow(row)


def registry_with_codes(folder: Path) -> list[str]:
    """Copy the registry and give each ASST a benchmark IPA code; return the codes."""
    shutil.copytree(ROOT / "recipients", folder)
    path = folder / "asst.yaml"
    text, codes = path.read_text(encoding="utf-8"), []

    def number(match):
        codes.append(f"bench_asst_{len(codes)}")
        return f"{match.group(0)}\n  codice_ipa: {codes[-1]}"

    text = re.sub(r"^  tipo: ASST$", number, re.sub(r"^  codice_ipa: .*\n", "", text, flags=re.M), flags=re.M)
    path.write_text(text, encoding="utf-8")
    return codes


def measure(script: str, args: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and peak RSS (MB) of ``python -c script args`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, float(result.stderr.strip().splitlines()[-1]), result

def main() -> None:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        codes = registry_with_codes(tmp / "recipients")
        for layout in (FIXTURE / "enti.csv", FIXTURE / "amministrazioni.txt"):
            big = tmp / layout.name
            generate(layout, big, codes)
            size = big.stat().st_size / 1e6
            delimiter = "\t" if layout.suffix == ".txt" else ","
            floor_s, floor_mb, _ = measure(FLOOR, [str(big), delimiter], tmp)
            seconds, peak, result = measure(CLI, ["recipients", "import", "indicepa", str(big),
                                                  "--recipients", str(tmp / "recipients"), "--data", "2026-01-01"], tmp)
            summary = next((line for line in result.stdout.splitlines() if "enti trovati" in line), result.stdout[-300:])
            ok = result.returncode == 0 and seconds < GOAL_SECONDS and peak < GOAL_MB and f"{len(codes)} enti trovati" in summary
            failed |= not ok
            print(f"import indicepa {layout.name} ({ROWS} righe, {size:.0f} MB): {seconds:.2f} s, picco {peak:.0f} MB "
                  f"(obiettivo < {GOAL_SECONDS:.0f} s, < {GOAL_MB:.0f} MB) {'OK' if ok else 'NON RAGGIUNTO'}; "
                  f"pavimento csv.reader nudo: {floor_s:.2f} s, {floor_mb:.0f} MB; {summary}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
