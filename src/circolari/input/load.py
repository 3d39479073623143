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
from yaml import AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, \
    SequenceEndEvent, SequenceStartEvent, StreamEndEvent

from circolari.errors import CircolariError, fail
from circolari.input.files import read_text

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}
_STR = "tag:yaml.org,2002:str"

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
        data, lines = _walk(text, path)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, path, text) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        raise fail(f"il file contiene il carattere di controllo U+{code:04X}, non ammesso", file=path, line=line,
                   hint="toglierlo dal file") from None
    except yaml.YAMLError:
        raise fail("sintassi YAML non valida", file=path, hint="controllare rientri, due punti e virgolette") from None
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


MAX_DEPTH = 64  # levels of nesting (an act needs about six)
MAX_ALIAS_NODES = 10_000  # values that aliases may repeat in one file

_KEY = object()  # a mapping's next event is a key
_NOTHING = object()  # no document in the stream
_IMPLICIT = _Loader.yaml_implicit_resolvers  # first character -> (tag, pattern): PyYAML's resolver table
_constructor = yaml.constructor.SafeConstructor()  # stateless use only: see _scalar


class _Open:
    """A collection whose end has not come yet: its anchor and size (values so far, for the alias
    accounting) and, while building, its container, path and (a mapping) pending key."""

    __slots__ = ("anchor", "size", "value", "path", "key", "key_line", "mark", "log_from", "log_to")

    def __init__(self, anchor):
        self.anchor = anchor
        self.size = 1
        self.value = None


def _walk(text: str, file: Path) -> tuple[Any, Lines]:
    """Data and lines of the single document of ``text``, built from the parser's events in one pass.

    As the events come, nesting deeper than ``MAX_DEPTH`` and aliases that would repeat more than
    ``MAX_ALIAS_NODES`` values in all (a few hundred bytes of nested aliases expand to gigabytes)
    or that contain themselves are refused, so nothing deep or large is ever built. The first
    problem of the data (a tag, a key, a value) stops the building, not the walk: a syntax or shape
    error further on is reported instead, and what PyYAML's composer refuses (an undefined or
    repeated anchor, a second document) comes before it, in ``yaml.compose``'s words — the order
    of the former three passes (events checked, nodes composed, data built)."""
    loader = _Loader(text)
    try:
        return _events(loader.get_event, text, file)
    finally:
        loader.dispose()


def _events(get_event, text: str, file: Path) -> tuple[Any, Lines]:
    sizes: dict[str, int] = {}  # anchor -> values it stands for, once complete (the accounting)
    anchors: dict[str, Any] = {}  # anchor -> its scalar event or its collection's _Open
    stack: list[_Open] = []
    repeated = documents = 0
    lines: Lines = {}
    log: list | None = None  # every (path, line) from the first anchor on: what an alias repeats
    root: Any = _NOTHING
    building = True
    problem = None  # the data's first problem, raised if the walk ends well
    composer = False  # the composer refuses the text: yaml.compose says why
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            size = 1
            anchor = event.anchor
            if anchor is not None:
                sizes[anchor] = 1
                composer = composer or anchor in anchors
                anchors[anchor] = event
            if building and not composer:
                parent = stack[-1] if stack else None
                if parent is not None and parent.key is _KEY:
                    problem = _take_key(parent, event.value, event.start_mark, file)
                else:
                    try:
                        value = _scalar(event, file)
                    except CircolariError as exc:
                        problem = exc
                    else:
                        path, line = _place(parent, event.start_mark)
                        lines[path] = line
                        if log is not None:
                            log.append((path, line))
                        root = _attach(parent, value, root)
                building = problem is None
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if len(stack) >= MAX_DEPTH:
                raise fail(f"struttura annidata oltre {MAX_DEPTH} livelli", file=file,
                           line=event.start_mark.line + 1, hint="semplificare il file")
            frame = _Open(event.anchor)
            stack.append(frame)
            if event.anchor is not None:
                composer = composer or event.anchor in anchors
                anchors[event.anchor] = frame
                if log is None:
                    log = []
            if building and not composer:
                parent = stack[-2] if len(stack) > 1 else None
                tag = event.tag
                if parent is not None and parent.key is _KEY:
                    problem = _bad_key(event.start_mark, file)
                elif tag is not None and tag != "!" and tag not in _COLLECTION_TAGS:
                    problem = _tag_error(tag, event.start_mark, file)
                else:
                    frame.path, line = _place(parent, event.start_mark)
                    frame.mark = event.start_mark
                    lines[frame.path] = line
                    if log is not None:
                        log.append((frame.path, line))
                        frame.log_from = len(log)
                    frame.value = {} if kind is MappingStartEvent else []
                    frame.key = _KEY if kind is MappingStartEvent else None
                    root = _attach(parent, frame.value, root)
                building = problem is None
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            size = frame.size
            if frame.anchor is not None:
                sizes[frame.anchor] = size
                frame.log_to = len(log)
        elif kind is AliasEvent:
            if event.anchor not in sizes:
                if any(open_.anchor == event.anchor for open_ in stack):
                    raise fail(f"l'alias '*{event.anchor}' contiene sé stesso", file=file,
                               line=event.start_mark.line + 1, hint="togliere l'alias")
                composer = True  # undefined: the composer says so, with its line
                continue
            size = sizes[event.anchor]
            repeated += size
            if repeated > MAX_ALIAS_NODES:
                raise fail(f"gli alias '*' ripetono più di {MAX_ALIAS_NODES} valori", file=file,
                           line=event.start_mark.line + 1,
                           hint="scrivere i valori per esteso invece di annidare alias")
            if building and not composer:
                problem, root = _repeat(anchors[event.anchor], stack, root, lines, log, file)
                building = problem is None
        elif kind is DocumentStartEvent:
            documents += 1
            composer = composer or documents > 1
            continue
        elif kind is StreamEndEvent:
            break
        else:
            continue
        if stack:
            stack[-1].size += size
    if composer:
        yaml.compose(text, Loader=_Loader)  # raises the composer's own error
        raise fail("sintassi YAML non valida", file=file, hint="controllare rientri, due punti e virgolette")
    if problem is not None:
        raise problem
    return (None if root is _NOTHING else root), lines


def _place(parent: _Open | None, mark) -> tuple[tuple, int]:
    """Path and line of a value about to be added to ``parent`` (None: the document's root). A
    mapping's value is on its key's line; a list item, the root and a repeated value on their own."""
    if parent is None:
        return (), mark.line + 1
    if parent.key is None:
        return parent.path + (len(parent.value),), mark.line + 1
    return parent.path + (parent.key,), parent.key_line


def _attach(parent: _Open | None, value: Any, root: Any) -> Any:
    """Add ``value`` to ``parent``; the document's root."""
    if parent is None:
        return value
    if parent.key is None:
        parent.value.append(value)
    else:
        parent.value[parent.key] = value
        parent.key = _KEY
    return root


def _take_key(parent: _Open, key: str, mark, file: Path):
    """Make ``key`` the pending key of mapping ``parent``; the problem with it, if any."""
    if key == "<<":
        return fail("gli alias di fusione '<<' non sono ammessi", file=file, line=mark.line + 1)
    if key in parent.value:
        return fail(f"chiave «{key}» ripetuta", file=file, line=mark.line + 1,
                    hint="ogni campo va scritto una volta sola")
    parent.key, parent.key_line = key, mark.line + 1
    return None


def _bad_key(mark, file: Path):
    return fail("chiave non valida (deve essere un testo)", file=file, line=mark.line + 1)


def _tag_error(tag: str, mark, file: Path):
    return fail(f"etichetta YAML «{tag.replace('tag:yaml.org,2002:', '!!')}» non ammessa",
                file=file, line=mark.line + 1, hint="scrivere il valore semplice, senza '!!'")


def _repeat(anchored: Any, stack: list[_Open], root: Any, lines: Lines, log: list | None, file: Path):
    """Add a copy of the anchored value (a scalar event or a complete collection) where its alias is,
    with the lines of everything inside it; (the problem if any, the document's root)."""
    parent = stack[-1] if stack else None
    collection = isinstance(anchored, _Open)
    mark = anchored.mark if collection else anchored.start_mark
    if parent is not None and parent.key is _KEY:
        if collection:
            return _bad_key(mark, file), root
        return _take_key(parent, anchored.value, mark, file), root
    try:
        value = _copy(anchored.value) if collection else _scalar(anchored, file)
    except CircolariError as exc:
        return exc, root
    path, line = _place(parent, mark)
    lines[path] = line
    if log is not None:
        log.append((path, line))
    if collection:
        cut = len(anchored.path)
        for inner, inner_line in log[anchored.log_from:anchored.log_to]:
            inner = path + inner[cut:]
            lines[inner] = inner_line
            log.append((inner, inner_line))
    return None, _attach(parent, value, root)


def _copy(value: Any) -> Any:
    """A repeated collection is a new one each time, as if written out again."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _scalar(event: yaml.ScalarEvent, file: Path) -> Any:
    """The value of a scalar: its tag resolved as PyYAML's resolver does (an untagged or '!' plain
    scalar by the patterns of its first character, else a string); timestamps stay strings; other
    plain tags by PyYAML's safe constructor called directly (``construct_object`` would keep every
    node in the constructor's ``constructed_objects``, a module-level cache)."""
    tag, value = event.tag, event.value
    if tag is None or tag == "!":
        if not event.implicit[0]:
            return value
        for tag, pattern in _IMPLICIT.get(value[:1], ()):
            if pattern.match(value):
                break
        else:
            return value
    if tag == _STR or tag == _TIMESTAMP:
        return value
    if tag not in _PLAIN_TAGS:
        raise _tag_error(tag, event.start_mark, file)
    try:
        return _constructor.yaml_constructors[tag](
            _constructor, yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style))
    except (yaml.YAMLError, ValueError, LookupError):  # `!!int x`, `!!bool x`, `!!float ''`
        raise fail("valore non valido", file=file, line=event.start_mark.line + 1,
                   hint="controllare il valore (numeri, date, testo)") from None
