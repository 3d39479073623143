"""Install anywhere: the wheel carries the defaults; ``init`` makes an office folder; ``--version``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import ROOT, pdf_text, run_cli


def _run(*args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_wheel_in_a_fresh_venv_outside_the_checkout_runs_init_new_render_check_verify(tmp_path):
    # The wheel, built as an office's IT would (not editable), from a clean copy of the sources.
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "out")
    for name in ("src", "templates", "recipients", "examples"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCOLARI_", "PYTHON"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    # With this interpreter's setuptools (a test dependency): an isolated build would download it.
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", wheels, source,
         cwd=tmp_path, env=env)
    wheel = next(wheels.glob("circolari-*.whl"))
    # A fresh venv; the dependencies (not circolari) come from this interpreter's site-packages,
    # added as a plain path so that its editable-install hook is not run.
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                     cwd=tmp_path, env=env).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel,
         cwd=tmp_path, env=env)
    where = _run(python, "-c", "import circolari; print(circolari.__file__)", cwd=tmp_path, env=env).stdout
    assert where.startswith(str(site)), where
    circolari = venv / "bin" / "circolari"

    assert _run(circolari, "--version", cwd=tmp_path, env=env).stdout.startswith("circolari 0.")
    assert _run(python, "-m", "circolari", "--version", cwd=tmp_path, env=env).stdout.startswith("circolari 0.")

    # The office folder, then the clerk's first act in it.
    _run(circolari, "init", "ufficio", cwd=tmp_path, env=env)
    office = tmp_path / "ufficio"
    assert (office / "templates" / "intestazioni" / "dg-welfare.yaml").is_file()
    assert (office / "recipients" / "asst.yaml").is_file()
    _run(circolari, "new", "circolare", "atti/nota.yaml", cwd=office, env=env)
    rendered = _run(circolari, "render", "atti/nota.yaml", cwd=office, env=env)
    assert "1 pagina" in rendered.stdout
    act = office / "out" / "nota"
    text = " ".join(pdf_text(act / "nota.pdf"))
    assert "Ai Direttori Generali ASST" in text and "DIREZIONE GENERALE WELFARE" in text
    from docx import Document

    assert any("Ai Direttori Generali ASST" in p.text for p in Document(str(act / "nota.docx")).paragraphs)
    checked = _run(circolari, "check", "atti/", cwd=office, env=env)
    assert "0 errori" in checked.stderr
    verified = subprocess.run([str(circolari), "verify", str(act / "nota.pdf")], cwd=office, env=env,
                              capture_output=True, text=True)
    assert verified.returncode == 4, verified.stdout + verified.stderr  # conforming, not yet signed
    assert "PDF/A-2b: nessun problema trovato" in verified.stdout
    assert "Esito: NON FIRMATO" in verified.stdout

    # Outside any office folder the shipped defaults are used.
    bare = tmp_path / "altrove"
    bare.mkdir()
    _run(circolari, "new", "delibera", "dgr.yaml", cwd=bare, env=env)
    _run(circolari, "render", "dgr.yaml", cwd=bare, env=env)
    assert (bare / "out" / "dgr" / "dgr.pdf").is_file()


def test_init_makes_an_office_folder_with_schema_and_editor_setting(tmp_path):
    result = run_cli("init", tmp_path / "ufficio", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    office = tmp_path / "ufficio"
    schema = json.loads((office / "atto.schema.json").read_text(encoding="utf-8"))
    assert schema["discriminator"]["propertyName"] == "tipo"
    settings = json.loads((office / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"]["./atto.schema.json"][0] == "atti/*.yaml"
    example = office / "atti" / "esempio-nota-plasma-2020.yaml"
    assert example.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../atto.schema.json\n")
    assert (office / "templates" / "mail" / "messaggio.txt.j2").is_file()
    assert (office / "templates" / "nuovo" / "delibera.yaml").is_file()
    rendered = run_cli("render", example, cwd=office)
    assert rendered.exit_code == 0, rendered.output
    assert "plasma iperimmune" in " ".join(pdf_text(office / "out" / "esempio-nota-plasma-2020" /
                                                      "esempio-nota-plasma-2020.pdf"))


def test_init_refuses_to_overwrite(tmp_path):
    office = tmp_path / "ufficio"
    (office / "templates").mkdir(parents=True)
    (office / "templates" / "mio.html.j2").write_text("mio", encoding="utf-8")
    result = run_cli("init", office, cwd=tmp_path)
    assert result.exit_code == 1
    assert "templates: errore: esiste già: init non sovrascrive nulla" in result.output
    assert sorted(p.name for p in office.iterdir()) == ["templates"]  # nothing else written
    assert (office / "templates" / "mio.html.j2").read_text(encoding="utf-8") == "mio"


def test_version_option():
    from circolari import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and result.output.strip() == f"circolari {__version__}"


def test_publiccode_and_changelog_agree_with_the_package():
    import tomllib

    import yaml

    from circolari import __version__

    card = yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert card["publiccodeYmlVersion"] == "0.4"
    assert card["softwareVersion"] == project["version"] == __version__
    assert card["legal"]["license"] == project["license"]
    assert len(card["description"]["it"]["shortDescription"]) <= 150
    assert 150 <= len(card["description"]["it"]["longDescription"]) <= 10000
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
