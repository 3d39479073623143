"""The YAML loader builds data and lines from the parser's events in one pass: repeated values
(aliases) come with the lines of what they repeat, and problems are reported in the order of a
whole parse, then the composer, then the data."""

from __future__ import annotations

import pytest

from circolari.errors import CircolariError
from circolari.input.load import load_yaml


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return load_yaml(path)


def problem(tmp_path, text):
    with pytest.raises(CircolariError) as info:
        load(tmp_path, text)
    [found] = info.value.problems
    return found.message, found.line


def test_alias_repeats_a_fresh_copy_with_the_lines_of_what_it_repeats(tmp_path):
    doc = load(tmp_path, "base: &b\n  nome: x\n  voci: [1, {k: 2}]\naltro: *b\nelenco:\n  - *b\n  - &s testo\n  - *s\n")
    base = {"nome": "x", "voci": [1, {"k": 2}]}
    assert doc.data == {"base": base, "altro": base, "elenco": [base, "testo", "testo"]}
    assert doc.data["altro"] is not doc.data["base"] and doc.data["altro"]["voci"] is not doc.data["base"]["voci"]
    assert doc.lines[("altro",)] == 4  # the alias's key
    assert doc.lines[("altro", "nome")] == 2 and doc.lines[("altro", "voci", 1, "k")] == 3
    assert doc.lines[("elenco", 0)] == 1  # a list item repeating a value: where the value is written
    assert doc.lines[("elenco", 0, "voci", 0)] == 3
    assert doc.lines[("elenco", 2)] == 7


def test_alias_of_a_key_repeats_the_key_as_a_value(tmp_path):
    assert load(tmp_path, "&k 12: a\nb: *k\n").data == {"12": "a", "b": 12}


@pytest.mark.parametrize("text, message, line", [
    ("a: !!binary aGVsbG8=\nb: *nessuno\n", "sintassi YAML non valida: alias '*' non definito", 2),
    ("a: 1\na: 2\n---\nb: 1\n", "sintassi YAML non valida: errore di sintassi", 1),
    ("a: !!set {x}\nb: [1, 2\n", "sintassi YAML non valida: manca ']' o ',': parentesi quadra non chiusa?", 2),
    ("a: 1\na: 2\nb: &x [1, *x]\n", "l'alias '*x' contiene sé stesso", 3),
    ("a: !!int x\nb: [1]\n", "valore non valido", 1),
    ("a: &c [1]\n*c : 2\n", "chiave non valida (deve essere un testo)", 1),
])
def test_problems_come_in_the_order_of_parse_composer_data(tmp_path, text, message, line):
    assert problem(tmp_path, text) == (message, line)
