"""How every command shows invalid input: Italian messages on stderr, exit code 1."""

from __future__ import annotations

import functools

import typer

from circolari.errors import CircolariError, Problem


def report(problems: list[Problem]) -> None:
    for problem in problems:
        typer.echo(problem.format(), err=True)


def clerk_errors(function):
    """Wrap a command so that ``CircolariError`` becomes its messages and exit code 1, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except CircolariError as exc:
            report(exc.problems)
            raise typer.Exit(1) from None
        except OSError as exc:  # a disk, a permission, a path: what, where and what to do
            from circolari.os_errors import os_problem

            report([os_problem(exc)])
            raise typer.Exit(1) from None
        except UnicodeError as exc:
            from circolari.os_errors import unicode_failure

            report(unicode_failure(exc).problems)
            raise typer.Exit(1) from None

    return wrapper


def run_reporting(fn):
    """Call ``fn()``; on ``CircolariError`` report it and exit 1 (for code inside a command)."""
    return clerk_errors(fn)()
