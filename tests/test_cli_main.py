"""The clerk's commands end to end: new, render, schema, and the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import NOTA, ROOT, pdf_text, run_cli, write_project


def test_new_skeleton_renders_as_it_is(project):
    act = project / "atti" / "nota-vaccini.yaml"
    created = run_cli("new", "circolare", act, cwd=project)
    assert created.exit_code == 0, created.output
    assert "#" in act.read_text(encoding="utf-8")  # commented for the clerk
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(project / "out" / "nota-vaccini" / "nota-vaccini.pdf"))
    assert "Ai Direttori Generali ASST" in text and "AL DIRETTORE GENERALE AREU" in text
    assert "a. prima indicazione;" in text


def test_schema_describes_both_kinds_of_act():
    result = run_cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["discriminator"]["propertyName"] == "tipo"
    circolare = schema["$defs"]["Circolare"]
    assert {"oggetto", "destinatari", "corpo", "firmatario", "piede"} <= set(circolare["required"])
    assert "per_conoscenza" in circolare["properties"]


def test_new_never_writes_through_a_dangling_link(project, tmp_path_factory):
    """A dangling link named as the new act made ``new`` create the file where the link pointed."""
    elsewhere = tmp_path_factory.mktemp("altrove") / "creato.yaml"
    act = project / "examples" / "nuova.yaml"
    act.symlink_to(elsewhere)
    result = run_cli("new", "circolare", act, cwd=project)
    assert result.exit_code == 1 and "il file esiste già (o è un collegamento): non viene sovrascritto" in result.output
    assert not elsewhere.exists() and act.is_symlink()


def test_new_delibera_skeleton_renders_as_it_is(project):
    act = project / "atti" / "dgr-nuova.yaml"
    assert run_cli("new", "delibera", act, cwd=project).exit_code == 0
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    pages = pdf_text(project / "out" / "dgr-nuova" / "dgr-nuova.pdf")
    assert "DELIBERAZIONE N° XII / 1" in pages[0]
    assert f"L'atto si compone di {len(pages)} pagine di cui 1 pagina di allegati" in pages[0]
    assert "COD01 aut Descrizione del primo requisito" in pages[-1]


def test_compiled_template_cache_depends_on_the_filters(tmp_path, monkeypatch):
    """A template compiled for another filter set is never reused (context filters compile differently)."""
    from jinja2 import pass_context

    from circolari.compose import jinja as compose

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    plain = compose._bytecode_cache({"md": lambda text: text})
    with_context = compose._bytecode_cache({"md": pass_context(lambda context, text: text)})
    assert plain.directory != with_context.directory
    assert compose._bytecode_cache({"md": lambda text: text}).directory == plain.directory


def test_compiled_template_reused_by_a_copy_of_the_folder_names_the_copys_file(tmp_path):
    """The compiled-template cache is keyed by name and source, not path: a second copy of a
    templates folder reuses the first copy's code, and its errors still name its own file and line."""
    from circolari.compose import jinja as compose

    messages = {}
    for copy in ("prima", "seconda"):
        project = write_project(tmp_path / copy)
        template = project / "templates" / "_piede.html.j2"
        template.write_text(template.read_text(encoding="utf-8") + "<p>{{ 1/0 }}</p>\n", encoding="utf-8")
        line = len(template.read_text(encoding="utf-8").splitlines())
        result = run_cli("render", project / NOTA.relative_to(ROOT), "--out", project / "out", cwd=project)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        messages[copy] = (result.output, f"{template}:{line}")
    cached = compose.environment((tmp_path / "seconda" / "templates").resolve()).get_template("_piede.html.j2")
    assert cached.filename == str((tmp_path / "seconda" / "templates" / "_piede.html.j2").resolve())
    for copy, (output, where) in messages.items():
        assert where in output and "divisione per zero" in output, (copy, output)
    assert str(tmp_path / "prima") not in messages["seconda"][0]


def test_compiled_templates_of_the_tests_stay_in_the_session_temp_folder(nota_out, tmp_path_factory):
    """The suite never writes the user's ~/.cache: conftest points XDG_CACHE_HOME at its temp folder."""
    from circolari.compose.jinja import environment

    cache = Path(environment((ROOT / "templates").resolve()).bytecode_cache.directory)
    assert cache.is_relative_to(tmp_path_factory.getbasetemp())
    assert any(cache.glob("*.cache")), "the reference render compiled no template into the cache"


def test_folder_render_skips_a_yaml_table_kept_beside_its_act(project):
    (project / "examples" / "dgr-xi-3681-2020.yaml").unlink()  # one act beside the table is enough
    (project / "examples" / "righe.yaml").write_text("# tabella\n- [A1, aut, uno]\n- [A2, aut, due]\n",
                                                     encoding="utf-8")
    result = run_cli("render", project / "examples", "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    assert not (project / "out" / "righe").exists()
    assert sorted(p.name for p in (project / "out").iterdir()) == [NOTA.stem]
    checked = run_cli("check", project / "examples", cwd=project)
    assert "righe.yaml" not in checked.output and checked.exit_code == 0, checked.output


def test_every_command_of_a_command_module_is_listed_in_the_app():
    """cli/main.py names each command's module; a command added to a module but not there would be lost."""
    from circolari.cli.main import COMMANDS, GROUPS, command_module
    from typer.main import get_command_name

    for module_name in set(COMMANDS.values()):
        names = {c.name or get_command_name(c.callback.__name__) for c in command_module(module_name).app.registered_commands}
        assert names == {name for name, module in COMMANDS.items() if module == module_name}, module_name
    listed = run_cli("--help").output
    for name in [*COMMANDS, *GROUPS]:
        assert f"\n  {name} " in listed
