"""The test helpers' own temporary files go when the test process ends: runs on one machine
(developers', CI's) must not pile folders up in the temporary folder (a thousand TLS and CA
folders were found in /tmp before these were removed at exit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_tls_and_pec_ca_helpers_leave_no_folder_behind(tmp_path):
    code = ("from helpers.mail import pec_signers, tls_files\n"
            "from pathlib import Path\n"
            "cert, key = tls_files(); ca = pec_signers()['ca_pem']\n"
            "assert Path(cert).is_file() and Path(key).is_file() and ca.is_file()\n")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT / "tests")}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    assert list(tmp_path.iterdir()) == []
