"""pyHanko's ``sign`` packages with lazy re-exports (``signature/pyhanko_lazy.py``)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

from circolari.signature.pyhanko_lazy import PACKAGES, reexports


def test_pyhanko_packages_stay_lazy_and_complete():
    """An upgrade of pyHanko whose package ``__init__`` does more than re-export names fails here
    (it would silently bring back the signer and aiohttp into ``verify``); every name the real
    package exports is still there, imported on first use."""
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        assert reexports(spec.loader.get_source(name)), f"{name}: __init__ no longer only re-exports"
    script = (
        "from circolari.signature.pyhanko_lazy import lazy_packages\nlazy_packages()\n"
        "import pyhanko.sign, pyhanko.sign.timestamps\n"
        "assert 'aiohttp' not in __import__('sys').modules\n"
        "from pyhanko.sign import PdfSigner, fields, validation\n"
        "from pyhanko.sign.signers.pdf_signer import PdfSigner as real\n"
        "assert PdfSigner is real and fields.enumerate_sig_fields\n"
        "from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper\n"
        "assert set(pyhanko.sign.__all__) >= {'PdfSigner', 'sign_pdf'}\n"
        "import json, sys\nprint(json.dumps(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "pyhanko.sign.timestamps.aiohttp_client" in json.loads(proc.stdout)


def test_reexports_reads_only_plain_reexporting_inits():
    assert reexports('"""doc"""\nfrom .a import x, y as z\n__all__ = ["x", "z"]\n') == {"x": "a", "z": "a"}
    assert reexports("from .a import x\nimport os\n") is None
    assert reexports("from .a import *\n") is None
    assert reexports("from ..a import x\n") is None
    assert reexports("") is None


def test_lazy_modules_run_on_first_use():
    """cryptography's pkcs12 stays unexecuted through pyHanko's imports, and works when used."""
    script = (
        "from circolari.signature.pyhanko_lazy import lazy_packages\nlazy_packages()\n"
        "import sys\nimport pyhanko.pdf_utils.reader\n"
        "assert 'cryptography.x509' not in sys.modules\n"
        "from cryptography.hazmat.primitives.serialization import pkcs12\n"
        "from cryptography.hazmat.primitives.serialization.pkcs12 import PKCS12KeyAndCertificates\n"
        "from cryptography.hazmat.primitives.asymmetric import ec\n"
        "data = pkcs12.serialize_key_and_certificates(b'k', ec.generate_private_key(ec.SECP256R1()),\n"
        "    None, None, pkcs12.serialization.NoEncryption())\n"
        "assert isinstance(pkcs12.load_pkcs12(data, None), PKCS12KeyAndCertificates)\n"
        "assert 'cryptography.x509' in sys.modules\nprint('ok')")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
