"""pyHanko without its network client: lazy re-exports for two of its packages.

``pyhanko.sign/__init__.py`` re-exports the signer and ``pyhanko.sign.timestamps/__init__.py``
the aiohttp time-stamp client, so any ``import pyhanko.sign.validation`` loads the whole signer,
aiohttp, yarl and asyncio's HTTP stack (~0.15 s of the ~0.5 s of a cold ``circolari verify``).
``lazy_packages()`` puts each package in ``sys.modules`` with its ``__init__``'s re-exported
names resolved on first use (PEP 562 ``__getattr__``) instead of at import. The names come from
the package's own ``__init__.py``; when it holds anything but ``from .sub import names`` (and
``__all__``), the package is imported as usual: a pyHanko upgrade can only cost speed, which
``tests/test_signature_pyhanko_lazy.py`` reports.

``LAZY_MODULES`` are plain modules that pyHanko imports whole and uses only inside functions
that verifying never calls: each is in ``sys.modules`` unexecuted and runs on its first
attribute access. cryptography's ``pkcs12`` (for pyHanko's public-key PDF encryption) brings
``cryptography.x509`` with it (~20 modules).

``DEFERRED_CALLS``: a name that a pyHanko module imports from a package and only ever calls.
pyHanko's signer imports its AdES validation module, which imports the aiohttp fetcher backend
(for revocation data a time-stamp's validation may fetch): aiohttp, yarl, and SSL contexts
that read the system's certificates, ~0.15 s of a ~0.9 s cold ``circolari sign`` that fetches
nothing (bench/bench_cold_commands.py). The package stays unexecuted in ``sys.modules`` and
the name is a function that executes it and calls the real one; only while the importer's
source mentions the name in its import and in calls alone (else, as for the re-exports, the
package is imported as usual).
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import re
import sys

PACKAGES = ("pyhanko.sign", "pyhanko.sign.timestamps")  # parents first
LAZY_MODULES = ("cryptography.hazmat.primitives.serialization.pkcs12",)
# importer: (package, name it imports from there and only calls)
DEFERRED_CALLS = {"pyhanko.sign.validation.ades": ("pyhanko_certvalidator.fetchers.aiohttp_fetchers",
                                                   "AIOHttpFetcherBackend")}


def lazy_packages() -> None:
    """Install the lazy packages and modules, unless already imported (idempotent)."""
    for name in PACKAGES:
        if name not in sys.modules:
            _install(name)
    for name in LAZY_MODULES:
        if name not in sys.modules:
            lazy_module(name)
    for importer, (name, attr) in DEFERRED_CALLS.items():
        if importer not in sys.modules and name not in sys.modules:
            deferred_call(importer, name, attr)


def deferred_call(importer: str, name: str, attr: str) -> None:
    """Put package ``name`` in ``sys.modules`` unexecuted, ``attr`` in it a function that executes
    it and calls its real ``attr`` (any other attribute executes it too), if ``importer`` only
    imports and calls ``attr``. Nothing is imported to find out."""
    spec, source = _unimported_spec(name), None
    importer_spec = _unimported_spec(importer)
    if importer_spec is not None and importer_spec.loader is not None:
        try:
            source = importer_spec.loader.get_source(importer)
        except (ImportError, OSError):
            pass
    if spec is None or spec.loader is None or spec.submodule_search_locations is None \
            or not source or not only_calls(source, name, attr):
        return
    module = importlib.util.module_from_spec(spec)

    def execute():
        if "__getattr__" in vars(module):  # not executed yet
            del module.__getattr__
            spec.loader.exec_module(module)
        return module

    def call(*args, **kwargs):
        return getattr(execute(), attr)(*args, **kwargs)

    call.__name__ = call.__qualname__ = attr
    setattr(module, attr, call)
    module.__getattr__ = lambda other: getattr(execute(), other)
    sys.modules[name] = module


def only_calls(source: str, module: str, attr: str) -> bool:
    """Whether ``source`` imports ``attr`` from ``module`` once and mentions it elsewhere only as
    ``attr(`` (a text check: parsing pyHanko's 2,600-line module would cost 40 ms; a mention in
    a comment or string makes it fail, which only costs speed)."""
    imports = re.findall(rf"^from {re.escape(module)} import \(?\s*{attr},?\s*\)?$", source, re.MULTILINE)
    return len(imports) == 1 and source.count(attr) == source.count(f"{attr}(") + 1 \
        and not re.search(rf"\w{attr}", source)


def _unimported_spec(name: str):
    """Module ``name``'s spec, found without importing it or any package above it."""
    parts = name.split(".")
    spec = importlib.machinery.PathFinder.find_spec(parts[0])
    for end in range(2, len(parts) + 1):
        if spec is None or not spec.submodule_search_locations:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:end]), spec.submodule_search_locations)
    return spec


def lazy_module(name: str) -> None:
    """Put module ``name`` in ``sys.modules``, executed on its first attribute access.

    (Not importlib's LazyLoader: the import system reads ``__spec__`` of a module it finds in
    ``sys.modules`` when it is imported again, which would execute it at once.)
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is not None:
        return
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str):
        del module.__getattr__
        spec.loader.exec_module(module)
        return getattr(module, attr)

    module.__getattr__ = __getattr__
    sys.modules[name] = module


def _install(name: str) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    try:
        source = spec.loader.get_source(name)
    except (ImportError, OSError):
        return
    exports = reexports(source or "")
    if exports is None:
        return
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str):
        if attr not in exports:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(f"{name}.{exports[attr]}"), attr)
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__
    module.__all__ = list(exports)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def reexports(source: str) -> dict[str, str] | None:
    """{name: submodule} of an ``__init__`` made only of ``from .sub import a, b`` (plus a
    docstring and ``__all__``); None if it does anything else."""
    exports: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module \
                and "." not in node.module and all(a.name != "*" for a in node.names):
            exports.update({alias.asname or alias.name: node.module for alias in node.names})
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        elif isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        else:
            return None
    return exports or None

