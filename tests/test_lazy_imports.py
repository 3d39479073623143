"""Each command loads only what it needs (speed: bench/bench_coldstart.py, bench/bench_verify.py).

Every check runs a fresh interpreter and reads its ``sys.modules``: no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import NOTA, ROOT

from circolari.signature.pyhanko_lazy import PACKAGES, reexports

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
    assert not modules & NETWORK
    assert "concurrent.futures.process" not in modules


def test_verify_loads_no_signer_no_aiohttp_no_pydantic(nota_out):
    pdf = nota_out / f"{NOTA.stem}.pdf"
    modules = loaded(cli("verify", pdf) + "\nimport pyhanko.sign.validation, pyhanko.sign.diff_analysis")
    assert "pyhanko.sign.validation" in modules
    assert not roots(modules) & {"aiohttp", "yarl", "pydantic", "reportlab", "docx", "jinja2", "yaml"}
    assert "pyhanko.sign.signers" not in modules and "pyhanko.sign.timestamps.aiohttp_client" not in modules


def test_pyhanko_packages_stay_lazy_and_complete():
    """An upgrade of pyHanko whose package ``__init__`` does more than re-export names fails here
    (it would silently bring back the signer and aiohttp into ``verify``); every name the real
    package exports is still there, imported on first use."""
    import importlib.util

    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        assert reexports(spec.loader.get_source(name)), f"{name}: __init__ no longer only re-exports"
    modules = loaded(
        "from circolari.signature.pyhanko_lazy import lazy_packages\nlazy_packages()\n"
        "import pyhanko.sign, pyhanko.sign.timestamps\n"
        "assert 'aiohttp' not in __import__('sys').modules\n"
        "from pyhanko.sign import PdfSigner, fields, validation\n"
        "from pyhanko.sign.signers.pdf_signer import PdfSigner as real\n"
        "assert PdfSigner is real and fields.enumerate_sig_fields\n"
        "from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper\n"
        "assert set(pyhanko.sign.__all__) >= {'PdfSigner', 'sign_pdf'}")
    assert "pyhanko.sign.timestamps.aiohttp_client" in modules


def test_reexports_reads_only_plain_reexporting_inits():
    assert reexports('"""doc"""\nfrom .a import x, y as z\n__all__ = ["x", "z"]\n') == {"x": "a", "z": "a"}
    assert reexports("from .a import x\nimport os\n") is None
    assert reexports("from .a import *\n") is None
    assert reexports("from ..a import x\n") is None
    assert reexports("") is None
