"""The ``circolari`` app: its commands, each loaded from its own module when it runs.

A command's module (``cli/render.py``, ``cli/review.py``…) is imported only when the command
is run or help lists it, so ``circolari render`` loads nothing that only ``review``, ``mail`` or
``verify`` need; each module keeps its heavy imports inside its commands.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_command_name, get_group_from_info
from typer.models import TyperInfo

# Each command's module in circolari/cli/ (its ``app`` holds the command) or, for a group of
# commands, the module whose ``app`` is the group. In the order ``circolari --help`` lists them.
COMMANDS = {"init": "office", "new": "office", "render": "render", "schema": "office", "check": "check",
            "preview": "review", "diff": "review", "review": "review", "approve": "review",
            "sign": "signature", "verify": "signature"}
GROUPS = {"recipients": "recipients", "mail": "mail"}


class _Commands(Mapping[str, Any]):
    """The app's commands by name, each built from its module the first time it is asked for."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            self._built[name] = _build(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter([*COMMANDS, *GROUPS])

    def __len__(self) -> int:
        return len(COMMANDS) + len(GROUPS)


def command_module(name: str):
    """The module ``circolari.cli.<name>``, imported on the import statement's path (unlike
    ``importlib.import_module``, ``python -X importtime`` lists it)."""
    return __import__(f"circolari.cli.{name}", fromlist=["app"])


def _build(name: str) -> Any:
    """The click command of ``name``, made as Typer makes a command or group of the app."""
    settings = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": app.rich_markup_mode}
    if name in GROUPS:
        module = command_module(GROUPS[name])
        return get_group_from_info(TyperInfo(module.app, name=name), suggest_commands=app.suggest_commands, **settings)
    if name not in COMMANDS:
        raise KeyError(name)
    module = command_module(COMMANDS[name])
    info = next(c for c in module.app.registered_commands if (c.name or get_command_name(c.callback.__name__)) == name)
    return get_command_from_info(info, **settings)


class _LazyGroup(TyperGroup):
    """The ``circolari`` group: knows its commands' names, imports a command's module when it is used."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    name="circolari",
    help="Atti della Direzione Generale (circolari, note, DGR) da dati YAML: PDF/A, DOCX, invio PEC.",
    cls=_LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from circolari import __version__

        typer.echo(f"circolari {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="mostra la versione ed esce")] = False) -> None:
    """Atti della Direzione Generale (circolari, note, DGR) da dati YAML: PDF/A, DOCX, invio PEC."""


def main() -> None:
    """Console entry point."""
    from circolari.cli.startup import one_command_process

    one_command_process()
    app()
