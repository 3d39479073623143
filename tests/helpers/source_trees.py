"""The syntax tree of a source file, parsed once per test process: several tests scan every
module of the package (test_kinds, test_package_imports, test_writers_reportlab_compat)."""

from __future__ import annotations

import ast
from pathlib import Path

_TREES: dict[bytes, ast.Module] = {}  # by the file's content


def source_tree(path: Path) -> ast.Module:
    """``ast.parse`` of the file, memoised by its bytes. Shared: read it, never change it."""
    data = Path(path).read_bytes()
    tree = _TREES.get(data)
    if tree is None:
        tree = _TREES[data] = ast.parse(data, str(path))
    return tree
