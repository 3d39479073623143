"""Import hygiene of the package, read from the source with ``ast``: no import cycles between
circolari modules, and no module reaching into another module's private names."""

from __future__ import annotations

import ast
import functools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.source_trees import source_tree

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "circolari"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@functools.cache
def trees() -> dict[str, ast.Module]:
    """Every module's syntax tree, parsed on first use (not at collection, in every test worker)."""
    return {name: source_tree(path) for name, path in MODULES.items()}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (annotations only, never executed)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return found


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every circolari import of ``module``."""
    return _imports(module, trees()[module])


@functools.cache
def _imports(module: str, tree: ast.Module) -> list[tuple[str, str, int]]:
    """See ``imports``.

    Imports inside functions count too: a lazy import only moves an edge to run time, the two
    modules still depend on each other. Imports under ``if TYPE_CHECKING:`` do not count."""
    skip, found = _type_checking_only(tree), []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names if alias.name.split(".")[0] == "circolari"]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            if target.split(".")[0] != "circolari":
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.append((submodule, "", node.lineno) if submodule in MODULES else (target, alias.name, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    """module -> the circolari modules it imports (a package's ``__init__`` counts as a module)."""
    return {module: {target for target, _, _ in imports(module) if target in MODULES and target != module}
            for module in MODULES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


@functools.cache
def _private_definitions(tree: ast.Module) -> frozenset[str]:
    """Private names a module defines: functions, classes, methods, module and ``self`` attributes."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                names.add(target.attr)
    return frozenset(name for name in names if _private(name))


@functools.cache
def _private_attributes(tree: ast.Module) -> tuple[tuple[int, str, str], ...]:
    """(line, attribute, source) of each ``obj._name`` except on ``self`` and ``cls``."""
    return tuple((node.lineno, node.attr, ast.unparse(node)) for node in ast.walk(tree)
                 if isinstance(node, ast.Attribute) and _private(node.attr)
                 and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")))


def private_uses() -> list[str]:
    """``from m import _x``, ``m._x`` on an imported circolari module, and ``obj._x`` where ``_x`` is a
    private name defined by another circolari module and not by this one."""
    defined = {module: _private_definitions(tree) for module, tree in trees().items()}
    owners_of: dict[str, list[str]] = {}
    for module, names in sorted(defined.items()):
        for name in names:
            owners_of.setdefault(name, []).append(module)
    found = []
    for module, tree in trees().items():
        for target, name, line in imports(module):
            if _private(name) or _private(target.rsplit(".", 1)[-1]):
                found.append(f"{module}:{line} imports {target}{'.' + name if name else ''}")
        for line, attribute, source in _private_attributes(tree):
            owners = [other for other in owners_of.get(attribute, ()) if other != module]
            if owners and attribute not in defined[module]:
                found.append(f"{module}:{line} uses {source} (private to {', '.join(owners)})")
    return found


def package(module: str) -> str:
    """The package of a module (``circolari.input.acts`` -> ``circolari.input``). A top-level module
    (``circolari.render``) is its own node, and so is an entry point (``__main__``, run by
    ``python -m`` and imported by nothing)."""
    parts = module.split(".")
    if parts[-1] == "__main__" or len(parts) < 3:
        return module
    return ".".join(parts[:2])


def package_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """package -> the other circolari packages its modules import."""
    out: dict[str, set[str]] = {}
    for module, targets in edges.items():
        own = package(module)
        out.setdefault(own, set()).update(package(t) for t in targets if package(t) != own)
        for target in targets:
            out.setdefault(package(target), set())
    return out


def test_no_import_cycles_between_circolari_modules():
    assert cycles(graph()) == []


def test_no_import_cycles_between_packages():
    """The packages form layers (docs/design.md, "Layout"): no two depend on each other, even
    through different modules."""
    assert cycles(package_graph(graph())) == []


def test_no_module_uses_another_modules_private_names():
    assert private_uses() == []


# The checks themselves, on small made-up graphs and sources: each must be able to fail.

def test_package_graph_finds_a_cycle_through_different_modules_and_ignores_entry_points():
    edges = {"circolari.a.x": {"circolari.b.y"}, "circolari.b.z": {"circolari.a.w"},
             "circolari.a.w": set(), "circolari.b.y": set()}
    assert cycles(package_graph(edges)) == [["circolari.a", "circolari.b"]]
    edges = {"circolari.a.__main__": {"circolari.b.y"}, "circolari.b.y": {"circolari.a.w"}, "circolari.a.w": set()}
    assert cycles(package_graph(edges)) == []


def test_cycle_finder_finds_a_three_module_cycle_and_ignores_a_chain():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


PROBE_OWNER = """
def _secret():
    pass


class Journal:
    def _event(self):
        pass
"""


@pytest.mark.parametrize("source, expected", [
    ("from circolari.probe_owner import _secret\n", "imports circolari.probe_owner._secret"),
    ("from circolari import probe_owner\nprobe_owner._secret()\n", "uses probe_owner._secret"),
    ("def f(journal):\n    journal._event()\n", "uses journal._event"),
])
def test_private_use_checker_catches_each_form(monkeypatch, source, expected):
    for name, text in (("circolari.probe_owner", PROBE_OWNER), ("circolari.probe_user", source)):
        monkeypatch.setitem(trees(), name, ast.parse(text))
        monkeypatch.setitem(MODULES, name, PACKAGE / f"{name.rsplit('.', 1)[1]}.py")
    found = [line for line in private_uses() if line.startswith("circolari.probe_user:")]
    assert any(expected in line for line in found), found


def test_private_use_checker_allows_own_names_and_public_ones(monkeypatch):
    source = "from circolari.probe_owner import Journal\n\ndef _mine():\n    pass\n\n_mine()\nJournal().public()\n"
    for name, text in (("circolari.probe_owner", PROBE_OWNER), ("circolari.probe_user", source)):
        monkeypatch.setitem(trees(), name, ast.parse(text))
        monkeypatch.setitem(MODULES, name, PACKAGE / f"{name.rsplit('.', 1)[1]}.py")
    assert [line for line in private_uses() if line.startswith("circolari.probe_user:")] == []


def test_ruff_is_clean():
    """The lint of ``make test`` (config in pyproject.toml), also when only pytest is run."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is missing: pip install -e '.[test]'"
    root = SRC.parent
    result = subprocess.run([ruff, "check", "--no-cache", "--quiet", "src", "tests", "bench"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
