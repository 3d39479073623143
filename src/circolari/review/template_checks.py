"""Lint of a templates folder, from Jinja's syntax tree (templates are never rendered here).

- syntax errors, with their line;
- included, extended or imported templates that do not exist; blocks a child defines
  that its parent lacks; macros imported but not defined; unknown filters and tests;
- variables the act's context does not provide, and fields the act model does not have
  (``atto.xyz``), following ``for``, ``set``, ``with`` and ``include`` through the tree.

The context each main template receives is the ``TypedDict`` its kind of act builds
(``kinds/circolare.py``, ``kinds/delibera.py``).
"""

from __future__ import annotations

import dataclasses
import os
import typing
from pathlib import Path

from circolari.errors import CircolariError, Problem, did_you_mean
from circolari.input.files import confined, in_copy, read_text

def contexts() -> dict[str, tuple[str, dict]]:
    """Kind of act -> (its main template, the checker type of each variable of its context),
    read from the kind's ``TypedDict`` (``circolari.kinds``): the one description of it."""
    from circolari.kinds import KINDS

    return {name: (kind.template, {key: _resolve(value) for key, value in kind.context_types().items()})
            for name, kind in KINDS.items()}


_ALWAYS = {"loop", "true", "false", "none", "True", "False", "None", "self", "varargs", "kwargs", "caller"}
UNKNOWN = None


def _resolve(annotation):
    """A pydantic field or context annotation as a checker type: model class, ("list", T), ("dict", T),
    a dict of keys and types (a ``TypedDict``), or UNKNOWN."""
    from pydantic import BaseModel

    if typing.is_typeddict(annotation):
        return {key: _resolve(value) for key, value in typing.get_type_hints(annotation).items()}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _resolve(args[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        real = [a for a in args if a is not type(None)]
        return _resolve(real[0]) if len(real) == 1 else UNKNOWN
    if origin is list:
        return ("list", _resolve(args[0]) if args else UNKNOWN)
    if origin is dict:
        return ("dict", _resolve(args[1]) if len(args) == 2 else UNKNOWN)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return annotation if isinstance(annotation, type) else UNKNOWN


def _describe(t) -> str:
    if isinstance(t, type):
        from circolari.kinds import KINDS

        return next((kind.indefinite for kind in KINDS.values() if kind.model() is t), f"«{t.__name__}»")
    return "questo valore"


class TemplateChecker:
    """Check every template of one folder; ``problems`` collects what is found."""

    def __init__(self, folder: Path):
        from circolari.compose.jinja import environment

        self.folder = Path(folder)
        self.env = environment(self.folder.resolve())
        self.problems: list[Problem] = []
        self.observed: dict[tuple[str, str], object] = {}  # what was read of the folder (``look``)
        self._top = os.path.realpath(self.folder)
        self._seen: set[tuple] = set()
        self._trees: dict[str, object] = {}

    def look(self, what: str, name: str = ""):
        """``look(self.folder, what, name)``, remembered in ``observed``."""
        if (what, name) not in self.observed:
            self.observed[what, name] = look(self.folder, what, name, top=self._top)
        return self.observed[what, name]

    # -- entry points --------------------------------------------------
    def run(self) -> list[Problem]:
        self.look("kinds")  # the context of each main template comes from them
        if not self.look("folder"):
            self.report("cartella dei template non trovata", None, file=self.folder)
            return self.problems
        names = self.look("names")
        for name in names:
            self.tree(name)
        for kind, (name, context) in contexts().items():
            if name not in names:
                self.report(f"manca il template principale «{name}» (serve a ogni {kind})", None, file=self.folder)
                continue
            self.walk_template(name, dict(context), stack=())
        return self.problems

    def report(self, message: str, line: int | None, *, name: str | None = None, file=None,
               level: str = "errore", hint: str | None = None) -> None:
        where = file if file is not None else self.folder / name
        key = (str(where), line, message)
        if key not in self._seen:
            self._seen.add(key)
            self.problems.append(Problem(message, file=where, line=line, hint=hint, level=level))

    def tree(self, name: str):
        """The parsed template, or None (its syntax error reported)."""
        from jinja2 import TemplateSyntaxError

        if name in self._trees:
            return self._trees[name]
        tree = None
        source = self.look("source", name)
        if isinstance(source, str):
            try:
                tree = _parse(self.env, source, name, str(self.folder / name))
            except TemplateSyntaxError as exc:
                self.report(f"errore di sintassi nel template: {exc.message}", exc.lineno, name=name)
        else:
            for problem in source:
                self.report(problem.message, problem.line, file=problem.file, hint=problem.hint)
        self._trees[name] = tree
        if tree is not None:
            self._static_checks(name, tree)
        return tree

    def _exists(self, name: str) -> bool:
        return self.look("exists", name)

    def _static_checks(self, name: str, tree) -> None:
        from jinja2 import nodes

        for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
            target = node.template
            if isinstance(target, nodes.Const) and isinstance(target.value, str):
                if not self._exists(target.value):
                    verb = {"Include": "incluso", "Extends": "esteso", "Import": "importato",
                            "FromImport": "importato"}[type(node).__name__]
                    known = self.look("names")
                    self.report(f"template {verb} «{target.value}» non esiste", node.lineno, name=name,
                                hint=did_you_mean(target.value, known))
                elif isinstance(node, nodes.FromImport):
                    parent = self.tree(target.value)
                    if parent is not None:
                        macros = {m.name for m in parent.find_all(nodes.Macro)}
                        for item in node.names:
                            macro = item[0] if isinstance(item, tuple) else item
                            if macro not in macros:
                                self.report(f"la macro «{macro}» non è definita in «{target.value}»",
                                            node.lineno, name=name)
        extends = next(iter(tree.find_all(nodes.Extends)), None)
        if extends is not None and isinstance(extends.template, nodes.Const) and self._exists(extends.template.value):
            parent_blocks = self._blocks(extends.template.value, set())
            for block in tree.find_all(nodes.Block):
                if parent_blocks is not None and block.name not in parent_blocks:
                    self.report(f"il blocco «{block.name}» non esiste in «{extends.template.value}»: "
                                "il suo contenuto non comparirebbe", block.lineno, name=name)
        for node in tree.find_all(nodes.Filter):
            if node.name not in self.env.filters:
                self.report(f"filtro «{node.name}» sconosciuto", node.lineno, name=name,
                            hint=did_you_mean(node.name, self.env.filters))
        for node in tree.find_all(nodes.Test):
            if node.name not in self.env.tests:
                self.report(f"test «{node.name}» sconosciuto", node.lineno, name=name,
                            hint=did_you_mean(node.name, self.env.tests))

    def _blocks(self, name: str, seen: set) -> set | None:
        from jinja2 import nodes

        tree = self.tree(name)
        if tree is None or name in seen:
            return None
        seen.add(name)
        found = {b.name for b in tree.find_all(nodes.Block)}
        parent = next(iter(tree.find_all(nodes.Extends)), None)
        if parent is not None and isinstance(parent.template, nodes.Const) and self._exists(parent.template.value):
            more = self._blocks(parent.template.value, seen)
            found |= more or set()
        return found

    # -- variables -----------------------------------------------------
    def walk_template(self, name: str, scope: dict, stack: tuple) -> None:
        tree = self.tree(name)
        if tree is None or name in stack:
            return
        self._name, saved = name, getattr(self, "_name", None)
        self.stmts(tree.body, scope, stack + (name,))
        self._name = saved

    def stmts(self, body, scope: dict, stack: tuple) -> None:
        for node in body:
            self.stmt(node, scope, stack)

    def stmt(self, node, scope: dict, stack: tuple) -> None:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            element = self.element(self.expr(node.iter, scope))
            inner = dict(scope)
            self.bind(node.target, element, inner)
            if node.test is not None:
                self.expr(node.test, inner)
            self.stmts(node.body, inner, stack)
            self.stmts(node.else_, scope, stack)
        elif isinstance(node, nodes.Assign):
            value = self.expr(node.node, scope)
            self.bind(node.target, value, scope)
        elif isinstance(node, nodes.AssignBlock):
            self.stmts(node.body, scope, stack)
            self.bind(node.target, UNKNOWN, scope)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values):
                self.bind(target, self.expr(value, scope), inner)
            self.stmts(node.body, inner, stack)
        elif isinstance(node, nodes.Include):
            if isinstance(node.template, nodes.Const) and self._exists(str(node.template.value)):
                self.walk_template(node.template.value, dict(scope), stack)
                self._name = stack[-1]
            else:
                self.expr(node.template, scope)
        elif isinstance(node, (nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Import):
                scope[node.target] = UNKNOWN
            else:
                for item in node.names:
                    scope[item[1] if isinstance(item, tuple) else item] = UNKNOWN
        elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = dict(scope)
            for arg in node.args:
                inner[arg.name] = UNKNOWN
            for extra in ("varargs", "kwargs", "caller"):
                inner[extra] = UNKNOWN
            if isinstance(node, nodes.Macro):
                scope[node.name] = UNKNOWN
            else:
                self.expr(node.call, scope)
            for default in node.defaults:
                self.expr(default, scope)
            self.stmts(node.body, inner, stack)
        else:
            for child in node.iter_child_nodes():
                if isinstance(child, nodes.Expr):
                    self.expr(child, scope)
                else:
                    self.stmt(child, scope, stack)

    def bind(self, target, value, scope: dict) -> None:
        from jinja2 import nodes

        if isinstance(target, nodes.Name):
            scope[target.name] = value
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, UNKNOWN, scope)
        elif isinstance(target, nodes.NSRef):
            self.expr(nodes.Name(target.name, "load", lineno=target.lineno), scope)

    @staticmethod
    def element(t):
        return t[1] if isinstance(t, tuple) and t[0] == "list" else UNKNOWN

    def expr(self, node, scope: dict):
        from jinja2 import nodes

        if isinstance(node, nodes.Name):
            if node.ctx != "load" or node.name in scope:
                return scope.get(node.name)
            if node.name not in _ALWAYS and node.name not in self.env.globals:
                self.report(f"variabile «{node.name}» non disponibile nel template", node.lineno, name=self._name,
                            hint=did_you_mean(node.name, scope) or "variabili: " + ", ".join(sorted(scope)))
            return UNKNOWN
        if isinstance(node, nodes.Getattr):
            return self.attribute(self.expr(node.node, scope), node.attr, node)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self.attribute(base, arg.value, node)
            if isinstance(arg, nodes.Slice):
                for part in (arg.start, arg.stop, arg.step):
                    if part is not None:
                        self.expr(part, scope)
                return base
            self.expr(arg, scope)
            if isinstance(base, tuple):
                return base[1]
            return UNKNOWN
        if isinstance(node, nodes.Filter):
            base = self.expr(node.node, scope) if node.node is not None else UNKNOWN
            for child in [*node.args, *(k.value for k in node.kwargs), node.dyn_args, node.dyn_kwargs]:
                if child is not None:
                    self.expr(child, scope)
            if node.name in ("first", "last", "random"):
                return self.element(base)
            if node.name in ("default", "d", "reverse", "sort", "unique", "list"):
                return base
            return UNKNOWN
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        return UNKNOWN

    def attribute(self, base, attr: str, node):
        from pydantic import BaseModel

        if isinstance(base, type) and issubclass(base, BaseModel):
            fields = base.model_fields
            if attr in fields:
                return _resolve(fields[attr].annotation)
            if hasattr(base, attr):
                return UNKNOWN
            self.report(f"il template usa «{attr}», ma {_describe(base)} non ha il campo «{attr}»", node.lineno,
                        name=self._name, hint=did_you_mean(attr, fields) or "campi: " + ", ".join(fields))
            return UNKNOWN
        if isinstance(base, dict):
            if attr in base:
                return base[attr]
            self.report(f"il template usa «{attr}», che non è fra i dati forniti ({', '.join(base)})",
                        node.lineno, name=self._name, hint=did_you_mean(attr, base))
            return UNKNOWN
        if isinstance(base, tuple) and base[0] == "dict":
            return base[1]
        return UNKNOWN


_TREES: dict[tuple, object] = {}  # Jinja's syntax trees by environment, name and source


def _parse(env, source: str, name: str, path: str):
    """``env.parse(source, name, path)``, parsed once per process for the same template text
    (a process that checks many acts against one templates folder or copies of it, as the test
    suite does): a tree does not hold the path, only a syntax error names it, and a syntax error
    is not kept, it is raised each time. The trees are only read here."""
    key = (type(env), env.lexer, tuple(env.extensions), name, source)  # the lexer: Jinja's, per syntax options
    if key not in _TREES:
        if len(_TREES) >= 256:
            _TREES.clear()
        _TREES[key] = env.parse(source, name, path)
    return _TREES[key]


def look(folder: Path, what: str, name: str = "", *, top: str | None = None):
    """What the checker reads of a templates folder: whether it is one (``folder``), its templates
    (``names``), whether a file ``exists``, a template's ``source`` (its text, or the problems that
    stop it being read: a link out of the folder, not a regular file, not UTF-8); also the kinds of
    act registered in the process (``kinds``), whose contexts the templates are checked against.
    ``top``: the folder resolved (``os.path.realpath``), once for many looks."""
    if what == "kinds":
        from circolari.kinds import KINDS

        return tuple(KINDS.items())
    if what == "folder":
        return folder.is_dir()
    if what == "names":
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2"))
    if what == "exists":
        return (folder / name).is_file()
    try:  # inside the folder (links followed), a regular file (a FIFO would hang), UTF-8
        return read_text(confined(folder / name, folder, f"il template «{name}»", top=top))
    except CircolariError as exc:
        return exc.problems


_RESULTS: dict[tuple[str, Path], tuple[dict, list[Problem]]] = {}


def check_templates(folder: Path) -> list[Problem]:
    """Every problem of the templates in ``folder``. The problems found are kept for the process
    with what the checker read of the folder (``look``): while all of it reads the same, they
    are given again without a new check (a process that checks many acts against one templates
    folder, as ``preview --watch`` and the test suite do), and so are those of another folder that
    reads the same (a copy), naming this folder's files."""
    folder = Path(folder)
    key = (str(folder), folder.resolve())  # problems name the files as ``folder`` was given
    kept = _RESULTS.get(key)
    if kept is None or not _unchanged(folder, kept[0]):
        kept, keep = _copied(folder), True  # a copy: the folder was just read and reads as observed
        if kept is None:
            checker = TemplateChecker(folder)
            kept = (checker.observed, checker.run())
            keep = _unchanged(folder, kept[0])  # not changed while checked
        if keep:
            _RESULTS.pop(key, None)
            if len(_RESULTS) >= 8:
                _RESULTS.pop(next(iter(_RESULTS)))
            _RESULTS[key] = kept
    return [dataclasses.replace(problem) for problem in kept[1]]  # the caller's own copies


def _copied(folder: Path) -> tuple[dict, list[Problem]] | None:
    """The problems kept for another folder from which ``folder`` reads the same (the same template
    names and texts, nothing that stops one being read), naming ``folder``'s files instead."""
    for (other, _), (observed, problems) in list(_RESULTS.items()):
        if _unchanged(folder, observed):
            old = Path(other)
            return observed, [dataclasses.replace(problem, file=in_copy(problem.file, old, folder))
                              for problem in problems]
    return None


def _unchanged(folder: Path, observed: dict) -> bool:
    top = os.path.realpath(folder)
    return all(look(folder, what, name, top=top) == seen for (what, name), seen in observed.items())
