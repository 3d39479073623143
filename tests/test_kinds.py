"""Kinds of act live in ``circolari.kinds``: every other module asks the act's kind, so a new
kind is one module (here, a test-only «decreto») and no hand-written list of kinds elsewhere."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Literal

import pytest

from circolari.kinds import KINDS
from helpers.source_trees import source_tree

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "circolari"
NOTA = ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml"
# where kind names legitimately appear: the kinds themselves and the models' ``tipo`` literals
OWNERS = (SRC / "kinds", SRC / "model")


def _kind_name(node) -> bool:
    return isinstance(node, ast.Constant) and node.value in KINDS


def _mentions_kind(node) -> bool:
    """An expression about an act's kind: ``act.tipo``, ``data.get("tipo")``, ``kind``, ``act.kind``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in ("tipo", "kind"):
            return True
        if isinstance(sub, ast.Name) and sub.id in ("tipo", "kind"):
            return True
        if isinstance(sub, ast.Constant) and sub.value == "tipo":
            return True
    return False


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            literal = [op for op in operands if _kind_name(op) or (
                isinstance(op, (ast.Tuple, ast.List, ast.Set)) and any(_kind_name(e) for e in op.elts))]
            if literal and any(_mentions_kind(op) for op in operands if op not in literal):
                found.append((node.lineno, "confronta il tipo dell'atto con un nome scritto a mano"))
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            if len(node.elts) >= 2 and all(_kind_name(e) for e in node.elts):
                found.append((node.lineno, "elenco dei tipi scritto a mano"))
        elif isinstance(node, ast.Dict):
            if sum(_kind_name(k) for k in node.keys if k is not None) >= 2:
                found.append((node.lineno, "tabella per tipo scritta a mano"))
        elif isinstance(node, ast.ClassDef):
            values = [s.value for s in node.body if isinstance(s, ast.Assign)]
            if sum(_kind_name(v) for v in values) >= 2:
                found.append((node.lineno, "enumerazione dei tipi scritta a mano"))
    return found


def test_no_module_but_kinds_branches_on_the_kind_of_act():
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        if any(path.is_relative_to(owner) for owner in OWNERS):
            continue
        offences += [f"{path.relative_to(SRC)}:{line}: {why}" for line, why in _offences(source_tree(path))]
    assert offences == []


def test_the_kind_check_catches_a_hand_written_branch():
    """The scan above can fail: each pattern it forbids is found in a sample."""
    sample = ('if act.tipo == "circolare": pass\n'
              'KINDS = ("circolare", "delibera")\n'
              'LABEL = {"circolare": "la circolare", "delibera": "la deliberazione"}\n'
              'class Kind(str, Enum):\n    circolare = "circolare"\n    delibera = "delibera"\n'
              'ok = style == "delibera"\n')
    assert sorted(line for line, _ in _offences(ast.parse(sample))) == [1, 2, 3, 4]


@pytest.fixture
def decreto(monkeypatch):
    """A third kind, written as a new kind would be: one class, registered in ``KINDS``."""
    from circolari.kinds.circolare import CircolareKind
    from circolari.model.circolare import Circolare

    class Decreto(Circolare):
        """A decree: for this test, a circolare with another ``tipo``."""

        tipo: Literal["decreto"]

    class DecretoKind(CircolareKind):
        name = "decreto"
        label = "il decreto"
        indefinite = "un decreto"

        def model(self) -> type:
            return Decreto

        def _type_names(self) -> dict[str, type]:
            return {**super()._type_names(), "Circolare": Decreto}

    kind = DecretoKind()
    monkeypatch.setitem(KINDS, kind.name, kind)
    return kind


def test_a_new_kind_is_one_module(decreto, tmp_path):
    """Loading, checking, rendering, the schema, the template checker and the PEC message's
    wording all reach a kind registered in ``KINDS`` and nothing else."""
    from circolari.kinds.load import act_schema, load_act
    from circolari.input.project import Project
    from circolari.kinds import kind_of, label
    from circolari.render import render_act
    from circolari.review.checks import check_act
    from circolari.review.template_checks import check_templates, contexts

    act_file = tmp_path / "decreto-prova.yaml"
    act_file.write_text(NOTA.read_text(encoding="utf-8").replace("tipo: circolare", "tipo: decreto"), encoding="utf-8")
    project = Project(ROOT / "templates", ROOT / "recipients", tmp_path / "out")

    act, _ = load_act(act_file)
    assert type(act).__name__ == "Decreto" and kind_of(act) is decreto
    assert [p for p in check_act(act_file, project, today=act.data) if p.level == "errore"] == []
    rendered = render_act(act_file, project)
    manifest = json.loads(rendered.files["manifest.json"])
    assert manifest["act"]["kind"] == "decreto" and manifest["act"]["protocollo"] == act.protocollo
    assert "decreto" in json.dumps(act_schema()["discriminator"]["mapping"])
    assert "decreto" in contexts() and check_templates(ROOT / "templates") == []
    assert label("decreto") == "il decreto" and label("ignoto") == "l'atto"


def test_an_unknown_kind_names_every_registered_one(tmp_path):
    from circolari.errors import CircolariError
    from circolari.kinds.load import load_act

    act_file = tmp_path / "atto.yaml"
    for tipo in ("decreto", "[circolare]", "{delibera: 1}"):
        act_file.write_text(f"tipo: {tipo}\noggetto: prova\n", encoding="utf-8")
        with pytest.raises(CircolariError) as caught:
            load_act(act_file)
        problem = caught.value.problems[0]
        assert problem.line == 1 and problem.field == "tipo"
        assert all(f"'tipo: {name}'" in problem.hint for name in KINDS)
