"""Each command loads only what it needs (speed: bench/bench_coldstart.py, bench/bench_verify.py;
docs/design.md, "Cold start").

Every check runs a fresh interpreter and reads its ``sys.modules``: no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import DGR, NOTA, ROOT

HEAVY = {"pydantic", "pikepdf", "pyhanko", "reportlab", "docx", "markdown_it", "jinja2", "babel", "lxml"}
NETWORK = {"aiohttp", "yarl", "urllib.request", "http.client", "ssl", "xml.sax"}


def loaded(code: str) -> set[str]:
    """Modules loaded by ``code`` in a new interpreter (its own output may come first)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return set(json.loads(proc.stdout.splitlines()[-1]))


def cli(*args) -> str:
    """Python code running ``circolari ARGS`` as the console script does, whatever its exit code."""
    return f"from circolari.cli.main import main\nimport sys\nsys.argv = ['circolari', *{[str(a) for a in args]!r}]\n" \
           "try:\n    main()\nexcept SystemExit:\n    pass"


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_cli_module_loads_no_heavy_library():
    assert not roots(loaded("import circolari.cli.main")) & HEAVY


def test_render_loads_no_signature_network_or_series_machinery(tmp_path):
    modules = loaded(cli("render", NOTA, "--out", tmp_path)
                     + "\nfrom circolari.model.delibera import Delibera\n"
                       "assert not Delibera.__pydantic_complete__, 'a circolare built the DGR validator'")
    assert (tmp_path / NOTA.stem / "manifest.json").is_file()
    assert not roots(modules) & {"pyhanko", "aiohttp", "multiprocessing", "openpyxl"}
    assert "markdown_it" not in roots(modules)  # its text is plain paragraphs (compose/markdown.py)
    assert not modules & NETWORK
    assert "importlib.metadata" not in modules  # pydantic's plugin search (cli/startup.py)
    assert "concurrent.futures.process" not in modules and "circolari.series.letters" not in modules
    assert {m for m in modules if m.startswith("circolari.cli.")} == {  # no other command's module
        "circolari.cli.main", "circolari.cli.startup", "circolari.cli.problems", "circolari.cli.options",
        "circolari.cli.render"}


def test_render_of_an_act_with_fatti_loads_no_babel(tmp_path):
    modules = loaded(cli("render", DGR, "--out", tmp_path))  # its fatti: figures and a date
    assert (tmp_path / DGR.stem / "manifest.json").is_file()
    assert "babel" not in roots(modules)  # compose/italian.py writes them as Babel does


def test_verify_loads_no_signer_no_aiohttp_no_pydantic(nota_out):
    pdf = nota_out / f"{NOTA.stem}.pdf"
    modules = loaded(cli("verify", pdf) + "\nimport pyhanko.sign.validation, pyhanko.sign.diff_analysis")
    assert "pyhanko.sign.validation" in modules
    assert not roots(modules) & {"aiohttp", "yarl", "pydantic_core", "reportlab", "docx", "jinja2", "yaml"}
    assert "pydantic" not in modules  # (only cli/startup.py's stand-in for its plugin loader)
    assert "pyhanko.sign.signers" not in modules and "pyhanko.sign.timestamps.aiohttp_client" not in modules
    # cryptography's pkcs12 stays unexecuted (signature/pyhanko_lazy.py), and with it x509
    assert "cryptography.x509" not in modules
