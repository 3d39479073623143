"""`circolari verify` reads the PDF with pikepdf in a forked child while pyHanko works in the
parent (``verify_file(parallel=True)``, ``circolari.forked``): the report must be the same as
the plain one, line by line, for good, altered, unsigned and damaged files, also when the child
dies. The checks run in one fresh interpreter (one thread, nothing imported yet), as the command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.pdfa import finished
from helpers.pki import PASSWORD

from circolari.signature.pades import sign_pdf

# Run in a fresh interpreter: verify each file in parallel first (pikepdf must stay out of this
# process), then plainly; then the first two again in parallel with a child that dies reading
# the document. Print the reports, with the clock's minutes and pikepdf's stream address (in its
# message on a damaged file) masked.
SCRIPT = """
import json, os, re, sys
from pathlib import Path
from circolari.signature.verdict import load_trust
from circolari.signature.verify import verify_file
import circolari.signature.verify_pdf as verify_pdf

trust = load_trust([Path(sys.argv[1])])
files = [Path(p) for p in sys.argv[2:]]
mask = lambda lines: [re.sub(r"\\d\\d:\\d\\d UTC", "*", line) for line in lines]
parallel = [mask(verify_file(files[0], trust, parallel=True).lines())]
pikepdf_in_parent = "pikepdf" in sys.modules  # the first file is signed: read in the child
parallel += [mask(verify_file(path, trust, parallel=True).lines()) for path in files[1:]]
plain = [mask(verify_file(path, trust).lines()) for path in files]
parent, real = os.getpid(), verify_pdf.read_document
verify_pdf.read_document = lambda raw: os._exit(7) if os.getpid() != parent else real(raw)
child_dies = [mask(verify_file(path, trust, parallel=True).lines()) for path in files[:2]]
print(json.dumps({"parallel": parallel, "plain": plain, "pikepdf_in_parent": pikepdf_in_parent,
                  "child_dies": child_dies}))
"""


@pytest.fixture(scope="module")
def signed_set(pki, tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("parallelo")
    act = folder / "atto.pdf"
    act.write_bytes(finished(pages=2))
    good = folder / "buono.pdf"
    sign_pdf(act, good, pki.p12, PASSWORD)
    raw = good.read_bytes()
    tampered = bytearray(raw)
    index = tampered.index(b"<pdf:Keywords>vaccinazioni") + len(b"<pdf:Keywords>")
    tampered[index] = ord("V")
    (folder / "alterato.pdf").write_bytes(bytes(tampered))
    (folder / "troncato.pdf").write_bytes(raw[: raw.index(b"/ByteRange") + 200])
    (folder / "rotto.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <</ByteRange [0 1 2 3]")
    return [good, folder / "alterato.pdf", act, folder / "troncato.pdf", folder / "rotto.pdf"]


@pytest.fixture(scope="module")
def reports(pki, signed_set) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(pki.ca), *map(str, signed_set)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.splitlines()[-1])


def test_parallel_verify_reports_exactly_what_the_plain_one_does(reports):
    result = reports
    assert not result["pikepdf_in_parent"]  # the document was read in the child
    assert result["parallel"] == result["plain"]
    good, tampered, unsigned, truncated, broken = result["plain"]
    assert good[-1] == "Esito: VALIDO" and "  Controllo PDF/A-2b: nessun problema trovato" in good
    assert tampered[-1] == "Esito: NON VALIDO"
    assert unsigned[-1].startswith("Esito: NON FIRMATO")
    assert "  ERRORE: impossibile leggere le firme del PDF: struttura dei campi firma danneggiata" \
        in truncated and truncated[-1] == "Esito: NON VALIDO"
    assert any("il PDF è danneggiato o troncato" in line for line in broken)
    assert broken[-1] == "Esito: NON VALIDO"


def test_parallel_verify_when_the_child_dies_is_computed_here(reports):
    assert reports["child_dies"] == reports["plain"][:2]
    assert reports["plain"][0][-1] == "Esito: VALIDO" and reports["plain"][1][-1] == "Esito: NON VALIDO"
