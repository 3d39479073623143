"""Hostile YAML: alias bombs, deep nesting, tags, control bytes and tabs end in Italian messages, fast."""

from __future__ import annotations

import pytest

from conftest import run_cli

NOTA = "examples/nota-plasma-iperimmune-2020.yaml"

BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['x'] * 9)}]\n" for i in range(9))


ITEM = "- " + "\n  ".join(BOMB.splitlines()) + "\n"  # the bomb as one item of a list


def render(project, act):
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert not (project / "out").exists()
    return result.output


def append(project, text: str, name: str = NOTA):
    path = project / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def test_alias_bomb_in_an_act_is_refused_before_expanding(project):
    output = render(project, append(project, BOMB))
    assert "gli alias '*' ripetono più di 10000 valori" in output


def test_alias_bomb_in_the_registry_is_refused(project):
    registry = sorted((project / "recipients").glob("*.yaml"))[0]
    append(project, ITEM, registry.relative_to(project).as_posix())
    assert "ripetono più di 10000 valori" in render(project, project / NOTA)


def test_alias_bomb_in_a_table_file_is_refused(project):
    dgr = project / "examples" / "dgr-xi-3681-2020.yaml"
    table = project / "examples" / "tabella.yaml"
    table.write_text(ITEM, encoding="utf-8")
    dgr.write_text(dgr.read_text(encoding="utf-8").replace("file: dgr-xi-3681-2020-requisiti.csv",
                                                           "file: tabella.yaml"), encoding="utf-8")
    result = run_cli("render", dgr, "--out", project / "out", cwd=project)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "tabella.yaml" in result.output and "ripetono più di 10000 valori" in result.output


def test_self_containing_alias_is_refused(project):
    assert "contiene sé stesso" in render(project, append(project, "altro: &a [1, *a]\n"))


def test_deep_nesting_is_refused_with_a_message(project):
    output = render(project, append(project, "altro: " + "[" * 600 + "]" * 600 + "\n"))
    assert "struttura annidata oltre 64 livelli" in output


@pytest.mark.parametrize("text, words", [
    ("altro: !!binary aGVsbG8=\n", "etichetta YAML «!!binary» non ammessa"),
    ("altro: !!set {x}\n", "etichetta YAML «!!set» non ammessa"),
    ("altro: a\x00b\n", "carattere di controllo U+0000"),
    ("altro:\n\tb: 1\n", "tabulazione non ammessa"),
    ("altro: !!int x\n", "valore non valido"),  # PyYAML's ValueError was a traceback
    ("altro: !!bool forse\n", "valore non valido"),  # KeyError
    ("altro: !!float ''\n", "valore non valido"),  # IndexError
])
def test_yaml_oddities_are_italian_messages(project, text, words):
    output = render(project, append(project, text))
    assert words in output
    assert "should be" not in output and "found" not in output


def test_yaml_loader_keeps_nothing_between_loads(monkeypatch):
    """Loading a file leaves no YAML node alive: PyYAML's constructor cache kept every node of every
    file loaded (115, 230, 345 entries after three loads of the DGR). Each node the loads make is
    followed by a weak reference (a scan of every object in the process took 0.7 s)."""
    import gc
    import weakref

    import yaml

    from conftest import EXAMPLES
    from circolari.input.load import load_yaml

    made = []
    for cls in (yaml.ScalarNode, yaml.CollectionNode):  # every node class's own __init__
        def init(self, *args, _init=cls.__init__, **kwargs):
            _init(self, *args, **kwargs)
            made.append(weakref.ref(self))
        monkeypatch.setattr(cls, "__init__", init)
    for _ in range(3):
        assert load_yaml(EXAMPLES / "dgr-xi-3681-2020.yaml").data["numero"] == 3681
    gc.collect()
    # the loader builds from the parser's events: a node only for each number, boolean or null
    assert len(made) >= 3 * 10 and [ref for ref in made if ref() is not None] == []
