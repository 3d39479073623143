"""``init`` makes an office folder; ``--version``; the package card agrees with the package.

The wheel itself (built from the sdist, installed in a fresh venv outside the checkout, then
init, new, render, check, verify and a render outside any office folder, each output checked)
is tested by ``.ci/install-check``, which ``.ci/run`` runs after ``make test``."""

from __future__ import annotations

import json

from conftest import ROOT, pdf_text, run_cli


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
