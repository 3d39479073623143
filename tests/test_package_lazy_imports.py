"""Each command loads only what it needs (speed: bench/bench_coldstart.py, bench/bench_verify.py;
docs/design.md, "Cold start").

One fresh interpreter reads its ``sys.modules`` after importing the CLI, then runs each command
in a child forked from it (what every command loads first is loaded once): no timing. A render's
modules are those of the cold interpreter of ``helpers.cold_render`` (the console entry point,
the circular alone first, then the DGR and the circular), read after each command.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import DGR, NOTA, ROOT

HEAVY = {"pydantic", "pikepdf", "pyhanko", "reportlab", "docx", "markdown_it", "jinja2", "babel", "lxml"}
NETWORK = {"aiohttp", "yarl", "urllib.request", "http.client", "ssl", "xml.sax"}

# argv: a JSON list of runs, each a list of (label, circolari's arguments, code run after them).
# Prints one JSON line per label: the modules loaded by then (the commands' own output comes too).
SCRIPT = """
import json, os, sys, traceback
from circolari.cli.main import main

def report(label):
    print("MODULES", json.dumps([label, sorted(sys.modules)]), flush=True)

def run(steps):
    for label, args, after in steps:
        sys.argv = ["circolari", *args]
        try:
            main()
        except SystemExit:
            pass
        exec(after, {})
        report(label)

report("cli")
for steps in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:  # a command in a process that has loaded only the CLI
        code = 1
        try:
            run(steps)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert status == 0, status
"""


@pytest.fixture(scope="session")  # once per worker: worksteal may split a module and come back to it
def loaded(nota_out, tmp_path_factory) -> dict[str, set[str]]:
    """Modules loaded, by label: ``cli`` (``import circolari.cli.main``), ``render`` (a circular),
    ``render-dgr`` (then a DGR, in the same process), ``verify``, ``mail`` (``mail status``, then
    the modules of send, receipts and imap)."""
    from helpers import cold_render

    renders = cold_render.results(tmp_path_factory)["runs"]
    out = tmp_path_factory.mktemp("moduli")
    runs = [[("verify", ["verify", str(nota_out / f"{NOTA.stem}.pdf")],
              "import pyhanko.sign.validation, pyhanko.sign.diff_analysis")],
            [("mail", ["mail", "status", str(out)],  # no act there: the command and its module load
              "import circolari.mail.send, circolari.mail.receipts, circolari.mail.imap")]]
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(runs)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    found = [json.loads(line.removeprefix("MODULES ")) for line in proc.stdout.splitlines() if line.startswith("MODULES ")]
    for name, acts in (("nota", (NOTA,)), ("cold", (DGR, NOTA))):  # its fatti: figures and a date
        result, folder = renders[name]
        assert result["code"] == 0 and all((folder / "out" / act.stem / "manifest.json").is_file() for act in acts)
    assert not renders["nota"][0]["dgr_validator_built"], "a circolare built the DGR validator"
    return {"render": set(renders["nota"][0]["modules"]), "render-dgr": set(renders["cold"][0]["modules"]),
            **{label: set(modules) for label, modules in found}}


def roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_cli_module_loads_no_heavy_library(loaded):
    assert not roots(loaded["cli"]) & HEAVY


def test_render_loads_no_signature_network_or_series_machinery(loaded):
    modules = loaded["render"]
    assert not roots(modules) & {"pyhanko", "aiohttp", "multiprocessing", "openpyxl"}
    assert "markdown_it" not in roots(modules)  # its text is plain paragraphs (compose/markdown.py)
    assert not modules & NETWORK
    assert "importlib.metadata" not in modules  # pydantic's plugin search (cli/startup.py)
    assert "concurrent.futures.process" not in modules and "circolari.series.letters" not in modules
    assert {m for m in modules if m.startswith("circolari.cli.")} == {  # no other command's module
        "circolari.cli.entry", "circolari.cli.main", "circolari.cli.startup", "circolari.cli.problems",
        "circolari.cli.options", "circolari.cli.render"}


def test_render_of_an_act_with_fatti_loads_no_babel(loaded):
    assert "babel" not in roots(loaded["render-dgr"])  # compose/italian.py writes them as Babel does


def test_verify_loads_no_signer_no_aiohttp_no_pydantic(loaded):
    modules = loaded["verify"]
    assert "pyhanko.sign.validation" in modules
    assert not roots(modules) & {"aiohttp", "yarl", "pydantic_core", "reportlab", "docx", "jinja2", "yaml"}
    assert "pydantic" not in modules  # (only cli/startup.py's stand-in for its plugin loader)
    assert "pyhanko.sign.signers" not in modules and "pyhanko.sign.timestamps.aiohttp_client" not in modules
    # cryptography's pkcs12 stays unexecuted (signature/pyhanko_lazy.py), and with it x509
    assert "cryptography.x509" not in modules


def test_mail_status_send_and_receipts_load_none_of_preparing(loaded):
    """They need only the act's mail folder (``mail.files.mail_dir_of``): not prepare's manifest
    checks (pydantic) nor the project (a cold ``mail status`` took twice the CPU)."""
    modules = loaded["mail"]
    assert "circolari.mail.status" in modules and "circolari.mail.receipts" in modules
    assert not modules & {"circolari.mail.prepare", "circolari.mail.manifest", "circolari.input.project"}
    assert "pydantic" not in modules and "pydantic_core" not in roots(modules)  # (cli/startup.py's stand-in only)
