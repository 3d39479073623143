"""Jinja composition: sandboxed, strict, autoescaped; templates produce semantic HTML.

Data reaches a template only as context values: it is escaped where it is
printed and never compiled, so ``{{ 7*7 }}`` written by a clerk stays text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from circolari.compose.italian import data_breve, data_lunga


def _bytecode_cache(filters: dict):
    """Compiled templates kept in the user's cache folder, so a cold command skips Jinja's
    compiler; none if the folder is not writable.

    The cache is keyed by template name and source (``_path_free_cache``), but the compiled
    code also depends on the environment (a filter that takes the context is called
    differently), so the folder is named after a fingerprint of Jinja's version, this module,
    the sandbox and the filters' kinds.
    """
    import hashlib
    import os
    import tempfile

    import jinja2

    fingerprint = hashlib.sha256(Path(__file__).read_bytes())
    fingerprint.update((Path(__file__).parent / "sandbox.py").read_bytes())
    fingerprint.update(jinja2.__version__.encode())
    for name, function in sorted(filters.items()):
        fingerprint.update(f"{name}:{getattr(function, 'jinja_pass_arg', None)}".encode())
    base = (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "circolari" / "jinja"
            / fingerprint.hexdigest()[:16])
    try:
        base.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=base).close()
    except OSError:
        return None
    return _path_free_cache()(str(base))


def _path_free_cache():
    """A FileSystemBytecodeCache keyed by template name and source, not by the file's path as
    Jinja's own is: a copy of a templates folder elsewhere (a new office folder, each test's
    copy of the project) reuses the compiled code instead of compiling again. Jinja's compiled
    code holds the file's path only as its code objects' file name (tracebacks, ``__file__``,
    the template's ``filename``), which is set here to the file actually loaded."""
    from types import CodeType

    from jinja2 import FileSystemBytecodeCache

    def with_filename(code: CodeType, filename: str) -> CodeType:
        consts = tuple(with_filename(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
        return code.replace(co_filename=filename, co_consts=consts)

    class PathFreeBytecodeCache(FileSystemBytecodeCache):
        def get_bucket(self, environment, name, filename, source):
            bucket = super().get_bucket(environment, name, None, source)  # checked against the source
            if bucket.code is not None and filename is not None and bucket.code.co_filename != filename:
                bucket.code = with_filename(bucket.code, filename)
            return bucket

    return PathFreeBytecodeCache


def confined_loader(folder: Path):
    """A FileSystemLoader of ``folder`` that reads only regular files resolving inside it (links
    followed): a template linked to a file elsewhere is an Italian error, a FIFO is never read."""
    from jinja2 import FileSystemLoader
    from jinja2.loaders import split_template_path

    from circolari.input.files import confined, regular_file

    class ConfinedLoader(FileSystemLoader):
        def get_source(self, environment, template):
            path = Path(folder, *split_template_path(template))
            if path.exists() or path.is_symlink():  # else FileSystemLoader says TemplateNotFound
                confined(path, folder, f"il template «{template}»")
                regular_file(path, f"template «{template}»", hint="al suo posto serve un file di testo")
            return super().get_source(environment, template)

    return ConfinedLoader(str(folder))


@lru_cache(maxsize=8)
def environment(templates: Path):
    """The sandboxed Jinja environment for one templates folder (cached per folder)."""
    from jinja2 import StrictUndefined

    from circolari.compose.sandbox import Sandbox

    filters = {"md": _md_filter(), "data_lunga": data_lunga, "data_breve": data_breve}
    env = Sandbox(
        loader=confined_loader(templates),
        bytecode_cache=_bytecode_cache(filters),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env


def _md_filter():
    from jinja2 import pass_context

    from circolari.compose.markdown import markdown_to_html

    @pass_context
    def md(context, text: str, formula: str | None = None):
        """The ``md`` filter: Markdown to HTML, citing the figures of the act in the context."""
        return markdown_to_html(text, formula, getattr(context.get("atto"), "fatti", None))

    return md


def render_template(templates: Path, name: str, context: dict) -> str:
    """Render ``templates/name`` with ``context`` within the sandbox's limits; every template
    error (syntax, undefined value, runtime error, limit) becomes a located Italian message."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError

    from circolari.errors import CircolariError, fail
    from circolari.compose.sandbox import TemplateLimit, bounded_render, runtime_message

    folder = Path(templates).resolve()
    try:
        return bounded_render(environment(folder).get_template(name), context)
    except TemplateNotFound as exc:
        raise fail(f"template «{exc.name}» non trovato", file=Path(templates),
                   hint="controllare la cartella dei template") from None
    except TemplateSyntaxError as exc:
        raise fail(f"errore di sintassi nel template: {exc.message}", file=exc.filename or name,
                   line=exc.lineno) from None
    except CircolariError:
        raise
    except UndefinedError as exc:
        file, line = _template_frame(exc, folder, Path(templates) / name)
        raise fail(f"il template usa un valore che non esiste: {exc.message}", file=file, line=line) from None
    except TemplateLimit as exc:
        file, line = _template_frame(exc, folder, Path(templates) / name)
        raise fail(str(exc), file=file, line=line,
                   hint="semplificare il template: i template accanto a un atto hanno limiti di lavoro") from None
    except Exception as exc:  # any runtime error of a template (1/0, a bad call, a recursive macro)
        file, line = _template_frame(exc, folder, Path(templates) / name)
        raise fail(runtime_message(exc), file=file, line=line, hint="correggere il template") from None


def _template_frame(exc: BaseException, folder: Path, default: Path) -> tuple[Path, int | None]:
    """File and line of the innermost frame of a template of ``folder`` in the traceback
    (Jinja rewrites template frames to carry the template's file and line)."""
    file, line = default, None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith(".j2") and Path(code).is_relative_to(folder):
            file, line = Path(code), tb.tb_lineno
        tb = tb.tb_next
    return file, line


def source_line(files: list[Path], start_tag: str, tag: str) -> tuple[Path, int] | None:
    """Where in the template sources ``files`` an element of the composed HTML was written: the first
    line holding its start tag as composed, else the first holding ``<tag``; None when no line does
    (an element built by an expression). Errors then name the template's line, not the output's."""
    import re

    texts = []
    for file in files:
        try:
            texts.append((Path(file), Path(file).read_text(encoding="utf-8")))
        except (OSError, UnicodeError):
            continue
    first = start_tag.splitlines()[0].strip() if start_tag.strip() else ""
    opening = re.compile(rf"<{re.escape(tag)}(?![\w-])", re.IGNORECASE)
    tests = ([lambda line: first in line] if first else []) + [opening.search]
    for test in tests:
        for file, text in texts:
            for number, line in enumerate(text.splitlines(), start=1):
                if test(line):
                    return file, number
    return None
