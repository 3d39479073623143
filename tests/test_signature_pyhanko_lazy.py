"""pyHanko's ``sign`` packages with lazy re-exports (``signature/pyhanko_lazy.py``).

The facts about imports come from one fresh interpreter (``SCRIPT``): cryptography's pkcs12 is
used first, then pyHanko's ``sign`` packages are imported and used."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
import subprocess
import sys

import pytest

from circolari.signature.pyhanko_lazy import DEFERRED_CALLS, PACKAGES, only_calls, reexports

SCRIPT = """
import circolari.signature.pades  # installs the lazy packages, as signing and verifying do
import json, sys
facts = {}
import pyhanko.pdf_utils.reader
facts["x509 after reading"] = "cryptography.x509" in sys.modules
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.hazmat.primitives.serialization.pkcs12 import PKCS12KeyAndCertificates
from cryptography.hazmat.primitives.asymmetric import ec
data = pkcs12.serialize_key_and_certificates(b"k", ec.generate_private_key(ec.SECP256R1()),
    None, None, pkcs12.serialization.NoEncryption())
facts["pkcs12 loads"] = isinstance(pkcs12.load_pkcs12(data, None), PKCS12KeyAndCertificates)
facts["x509 after use"] = "cryptography.x509" in sys.modules
import pyhanko.sign, pyhanko.sign.timestamps
facts["aiohttp after import"] = "aiohttp" in sys.modules
from pyhanko.sign import PdfSigner, fields, validation
from pyhanko.sign.signers.pdf_signer import PdfSigner as real
facts["PdfSigner is real"] = PdfSigner is real and callable(fields.enumerate_sig_fields)
facts["aiohttp after the signer"] = "aiohttp" in sys.modules
from pyhanko.sign.validation import ades
backend = ades.AIOHttpFetcherBackend()  # the deferred name, called
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
facts["deferred call gives the real backend"] = isinstance(AIOHttpFetcherBackend, type) \
    and type(backend) is AIOHttpFetcherBackend and "aiohttp" in sys.modules
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
facts["sign exports"] = sorted(pyhanko.sign.__all__)
facts["modules"] = sorted(sys.modules)
print(json.dumps(facts))
"""


@pytest.fixture(scope="module")
def facts() -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_pyhanko_packages_stay_lazy_and_complete(facts):
    """An upgrade of pyHanko whose package ``__init__`` does more than re-export names fails here
    (it would silently bring back the signer and aiohttp into ``verify``); every name the real
    package exports is still there, imported on first use."""
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        assert reexports(spec.loader.get_source(name)), f"{name}: __init__ no longer only re-exports"
    assert facts["aiohttp after import"] is False
    assert facts["PdfSigner is real"] is True
    assert set(facts["sign exports"]) >= {"PdfSigner", "sign_pdf"}
    assert "pyhanko.sign.timestamps.aiohttp_client" in facts["modules"]


def test_reexports_reads_only_plain_reexporting_inits():
    assert reexports('"""doc"""\nfrom .a import x, y as z\n__all__ = ["x", "z"]\n') == {"x": "a", "z": "a"}
    assert reexports("from .a import x\nimport os\n") is None
    assert reexports("from .a import *\n") is None
    assert reexports("from ..a import x\n") is None
    assert reexports("") is None


def test_lazy_modules_run_on_first_use(facts):
    """cryptography's pkcs12 stays unexecuted through pyHanko's imports, and works when used."""
    assert facts["x509 after reading"] is False
    assert facts["pkcs12 loads"] is True
    assert facts["x509 after use"] is True


def test_signer_loads_no_aiohttp_until_its_fetcher_backend_is_called(facts):
    """pyHanko's signer imports the AdES module, which imports the aiohttp fetcher backend: it
    stays unloaded (a cold ``circolari sign`` without a TSA: bench/bench_cold_commands.py) until called."""
    assert facts["aiohttp after the signer"] is False
    assert facts["deferred call gives the real backend"] is True


def test_deferred_names_are_only_called_wherever_pyhanko_imports_them():
    """An upgrade of pyHanko whose AdES module no longer only imports and calls the backend
    loads aiohttp again (reported here); a module of pyHanko that imports the name and uses it
    otherwise (a class check, a subclass) would get the stand-in function: none may."""
    for importer, (package, name) in DEFERRED_CALLS.items():
        spec = importlib.util.find_spec(importer)
        assert only_calls(spec.loader.get_source(importer), package, name), f"{importer} does more than call {name}"
        roots = [Path(p) for top in ("pyhanko", "pyhanko_certvalidator")
                 for p in importlib.util.find_spec(top).submodule_search_locations]
        defined_in = Path(importlib.util.find_spec(package).origin).parent
        for source in (path for root in roots for path in root.rglob("*.py") if defined_in not in path.parents):
            text = source.read_text(encoding="utf-8")
            imports = len(re.findall(rf"import\s+\(?\s*{name}\b", text))
            assert text.count(name) == text.count(f"{name}(") + imports, f"{source} uses {name} otherwise"


def test_only_calls_reads_an_import_and_calls_alone():
    module, name = "a.b", "Backend"
    assert only_calls(f"from a.b import (\n    {name},\n)\ndef f():\n    return {name}()\n", module, name)
    assert only_calls(f"from a.b import {name}\n", module, name)
    assert not only_calls(f"from a.b import {name}\nisinstance(x, {name})\n", module, name)
    assert not only_calls(f"from a.b import {name}\nclass C({name}): pass\n", module, name)
    assert not only_calls(f"from a.c import {name}\n{name}()\n", module, name)
    assert not only_calls(f"from a.b import {name}\nMy{name}()\n", module, name)
    assert not only_calls(f"def f():\n    return {name}()\n", module, name)
