"""Safe YAML loading that remembers the line of every value.

Values come back as plain Python data (dict, list, str, int, float, bool,
None) together with a map from their path (keys and list indexes) to the
1-based line where they are written, so that validation errors can name the
line. Timestamps stay strings: dates are parsed and reported by the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from circolari.errors import fail
from circolari.input.files import read_text

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}

Lines = dict[tuple, int]


class YamlDoc:
    """Parsed YAML data plus the line of each path."""

    def __init__(self, path: Path, data: Any, lines: Lines):
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, loc: tuple) -> int | None:
        """Line of the longest known prefix of ``loc``."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())


def load_yaml(path: Path) -> YamlDoc:
    """Parse one YAML document; syntax errors become located ``CircolariError``."""
    path = Path(path)
    text = read_text(path)
    try:
        _check_shape(text, path)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path, text) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise fail(f"il file contiene il carattere di controllo U+{code:04X}, non ammesso", file=path, line=line,
                   hint="toglierlo dal file") from None
    except yaml.YAMLError:
        raise fail("sintassi YAML non valida", file=path, hint="controllare rientri, due punti e virgolette") from None
    lines: Lines = {}
    data = _build(node, (), lines, path) if node is not None else None
    return YamlDoc(path, data, lines)


_YAML_PROBLEMS = {  # PyYAML's words -> the clerk's
    "did not find expected ',' or ']'": "manca ']' o ',': parentesi quadra non chiusa?",
    "did not find expected ',' or '}'": "manca '}' o ',': parentesi graffa non chiusa?",
    "mapping values are not allowed": "i due punti ':' non sono ammessi qui: racchiudere il testo tra virgolette",
    "could not find expected ':'": "manca ':' dopo il nome del campo",
    "found character '\\t' that cannot start any token": "tabulazione non ammessa: rientrare con spazi",
    "found unexpected end of stream": "il file finisce prima del previsto: virgolette non chiuse?",
    "found unknown escape character": "sequenza '\\' sconosciuta tra virgolette doppie: usare virgolette semplici",
    "expected <block end>, but found '<block mapping start>'": "rientro non coerente con le righe precedenti",
    "expected <block end>, but found '-'": "voce di elenco '- ' con rientro non coerente",
    "did not find expected node content": "valore mancante o incompleto",
    "found duplicate anchor": "ancora '&' ripetuta",
    "found undefined alias": "alias '*' non definito",
}


MAX_DEPTH = 64  # levels of nesting (an act needs about six)
MAX_ALIAS_NODES = 10_000  # values that aliases may repeat in one file


def _check_shape(text: str, path: Path) -> None:
    """Refuse, from the parser's events and before anything is built, nesting deeper than
    ``MAX_DEPTH`` and aliases that would repeat more than ``MAX_ALIAS_NODES`` values (a few
    hundred bytes of nested aliases expand to gigabytes) or that contain themselves."""
    sizes: dict[str, int] = {}
    stack: list[list] = []  # open collections: [anchor, values so far]
    repeated = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise fail(f"struttura annidata oltre {MAX_DEPTH} livelli", file=path,
                           line=event.start_mark.line + 1, hint="semplificare il file")
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                if any(anchor == event.anchor for anchor, _ in stack):
                    raise fail(f"l'alias '*{event.anchor}' contiene sé stesso", file=path,
                               line=event.start_mark.line + 1, hint="togliere l'alias")
                continue  # undefined: the composer says so, with its line
            size = sizes[event.anchor]
            repeated += size
            if repeated > MAX_ALIAS_NODES:
                raise fail(f"gli alias '*' ripetono più di {MAX_ALIAS_NODES} valori", file=path,
                           line=event.start_mark.line + 1,
                           hint="scrivere i valori per esteso invece di annidare alias")
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        else:
            continue
        if stack:
            stack[-1][1] += size


def _syntax_error(exc: yaml.MarkedYAMLError, path: Path, text: str = ""):
    """A located Italian message; the line is where the broken construct starts."""
    problem = (exc.problem or exc.context or "errore di sintassi").strip()
    mark = exc.problem_mark
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t" or "tab character" in problem:
        problem = "found character '\\t' that cannot start any token"
    for english, italian in _YAML_PROBLEMS.items():
        if problem.startswith(english):
            problem = italian
            break
    else:
        problem = "errore di sintassi"
    mark = exc.context_mark or exc.problem_mark
    hint = "controllare rientri, due punti e virgolette"
    if exc.context_mark and exc.problem_mark and exc.problem_mark.line != exc.context_mark.line:
        hint = f"il problema emerge alla riga {exc.problem_mark.line + 1}; {hint}"
    return fail(f"sintassi YAML non valida: {problem}", file=path, line=mark.line + 1 if mark else None, hint=hint)


_constructor = yaml.constructor.SafeConstructor()  # stateless use only: see _scalar


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a plain scalar, by PyYAML's safe constructor for its tag, called directly:
    ``construct_object`` would keep every node in the constructor's ``constructed_objects``,
    a module-level cache that grew with each file loaded."""
    return _constructor.yaml_constructors[node.tag](_constructor, node)


def _tag_error(node: yaml.Node, file: Path):
    return fail(f"etichetta YAML «{node.tag.replace('tag:yaml.org,2002:', '!!')}» non ammessa",
                file=file, line=node.start_mark.line + 1, hint="scrivere il valore semplice, senza '!!'")


def _build(node: yaml.Node, path: tuple, lines: Lines, file: Path) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
        raise _tag_error(node, file)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise fail("chiave non valida (deve essere un testo)", file=file,
                           line=key_node.start_mark.line + 1)
            key = key_node.value
            if key == "<<":
                raise fail("gli alias di fusione '<<' non sono ammessi", file=file,
                           line=key_node.start_mark.line + 1)
            if key in result:
                raise fail(f"chiave «{key}» ripetuta", file=file,
                           line=key_node.start_mark.line + 1,
                           hint="ogni campo va scritto una volta sola")
            result[key] = _build(value_node, path + (key,), lines, file)
            lines[path + (key,)] = key_node.start_mark.line + 1  # point at the key, not its block
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    if node.tag == _TIMESTAMP:
        return node.value
    if node.tag not in _PLAIN_TAGS:
        raise _tag_error(node, file)
    try:
        return _scalar(node)
    except yaml.YAMLError:
        raise fail("valore non valido", file=file, line=node.start_mark.line + 1,
                   hint="controllare il valore (numeri, date, testo)") from None
