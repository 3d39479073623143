"""Settings for a process that runs one command (docs/design.md, "Cold start").

Called by the console entry point only: tests and programs that import circolari keep
Python's and pydantic's defaults.
"""

from __future__ import annotations

import gc
import sys
import types

PYDANTIC_LOADER = "pydantic.plugin._loader"


def one_command_process() -> None:
    # Fewer collections while the hundreds of thousands of objects created by imports and the
    # layout live to the end (as mypy does): measured 55 -> 27 ms of a DGR render.
    gc.set_threshold(20_000, 50, 1000)
    # pydantic's plugin loader imports importlib.metadata (and with it email) to look for plugins
    # in every installed package when it builds its first model: ~20 ms; circolari uses none.
    # Its private module is replaced by one that finds none; if pydantic moves it,
    # tests/test_package_lazy_imports.py sees importlib.metadata loaded again.
    if PYDANTIC_LOADER not in sys.modules:
        loader = types.ModuleType(PYDANTIC_LOADER, "circolari: no pydantic plugins")
        loader.get_plugins = lambda: ()
        sys.modules[PYDANTIC_LOADER] = loader
