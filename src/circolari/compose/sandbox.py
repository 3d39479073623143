"""Bounds on the work a template may do: templates beside an act are untrusted input.

The sandbox refuses ``range()`` beyond ``MAX_RANGE`` items, counts every loop iteration and
every call against ``MAX_OPERATIONS``, refuses string/list products, sums, powers and widths
(``center``, ``indent``, ``format``, ``%``, ``str.format``…) that would exceed ``MAX_OUTPUT``
before building them, and stops rendering once the output passes ``MAX_OUTPUT`` characters.
Each limit raises ``TemplateLimit`` with an Italian message; compose/jinja.py locates it.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import wraps

from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

MAX_RANGE = 10_000
MAX_OPERATIONS = 1_000_000  # loop iterations + 4 per call, in one render
CALL_COST = 4  # a call (a macro above all) costs several loop iterations
MAX_OUTPUT = 20_000_000  # characters of HTML


class TemplateLimit(Exception):
    """A template went past one of the sandbox's limits (message in Italian)."""


class _Work:
    __slots__ = ("left",)

    def __init__(self):
        self.left = MAX_OPERATIONS

    def spend(self, cost: int = 1) -> None:
        self.left -= cost
        if self.left < 0:
            raise TemplateLimit(f"il template fa troppo lavoro (oltre {MAX_OPERATIONS:,} unità tra cicli e chiamate)"
                                .replace(",", "."))


_WORK: ContextVar[_Work | None] = ContextVar("circolari_template_work", default=None)


def _spend(cost: int = 1) -> None:
    work = _WORK.get()
    if work is not None:
        work.spend(cost)


def counted(iterable):
    """Filter wrapped around every ``{% for %}``'s iterable: one operation per item, taken from
    the render's budget in the loop itself (a function call per item took half the time of a loop
    that runs until the budget is spent: bench/bench_hostile.py)."""
    work = _WORK.get()
    if work is None:
        yield from iterable
        return
    for item in iterable:
        work.left -= 1
        if work.left < 0:
            work.spend(0)  # raises TemplateLimit
        yield item


def bounded_range(*args):
    """``range()`` of at most ``MAX_RANGE`` items."""
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise TemplateLimit(f"range() di {len(values)} elementi: il massimo nei template è {MAX_RANGE}"
                            .replace(",", "."))
    return values


def _bounded_lipsum(n=5, html=True, min=20, max=100):  # noqa: A002 (Jinja's own argument names)
    """Jinja's placeholder text, at most 100 paragraphs of at most 1,000 words."""
    from jinja2.utils import generate_lorem_ipsum

    if n > 100 or max > 1000:
        raise TemplateLimit("lipsum(): al massimo 100 paragrafi di 1000 parole")
    return generate_lorem_ipsum(n, html, min, max)


def _product(left, right):
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(times, int) and len(sequence) * times > MAX_OUTPUT:
            raise TemplateLimit(f"una moltiplicazione produrrebbe un testo di oltre {MAX_OUTPUT} caratteri")
    return left * right


def _sum(left, right):
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
            and len(left) + len(right) > MAX_OUTPUT:
        raise TemplateLimit(f"una somma produrrebbe un testo di oltre {MAX_OUTPUT} caratteri")
    return left + right


def _power(left, right):
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 1000:
        raise TemplateLimit(f"la potenza {left} ** {right} è troppo grande")
    return left ** right


_WIDTHS = re.compile(r"\{[^{}]*:[^{}]*?(\d{8,})|%(?:\([^)]*\))?[-+ #0]*\d*\.?(\d{8,})")


def _refuse_huge(arguments, pattern=None) -> None:
    """A width or count beyond ``MAX_OUTPUT`` among ``arguments`` (or in the format string
    ``pattern``) would build a huge text: refused before it is built."""
    def huge(value):
        if isinstance(value, (tuple, list)):
            return any(huge(v) for v in value)
        return isinstance(value, int) and not isinstance(value, bool) and value > MAX_OUTPUT

    widths = (int(a or b) for a, b in _WIDTHS.findall(pattern)) if isinstance(pattern, str) else ()
    if any(huge(a) for a in arguments) or any(w > MAX_OUTPUT for w in widths):
        raise TemplateLimit(f"una larghezza oltre {MAX_OUTPUT} caratteri nel template")


def _guarded(function, formats: bool):
    """A text filter whose widths are checked first (``formats``: its value is a format string)."""
    @wraps(function)
    def guarded(value, *args, **kwargs):
        _refuse_huge((*args, *kwargs.values()), value if formats else None)
        return function(value, *args, **kwargs)
    return guarded


def _modulo(left, right):
    if isinstance(left, str):
        _refuse_huge((right,), left)
    return left % right


def _concat_checked(value):
    """After every ``~``: a string longer than ``MAX_OUTPUT`` stops the render."""
    if isinstance(value, str) and len(value) > MAX_OUTPUT:
        raise TemplateLimit(f"il template costruisce un testo di oltre {MAX_OUTPUT} caratteri")
    return value


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with bounded loops, calls, ranges, products and output."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.globals["range"] = bounded_range
        self.globals["lipsum"] = _bounded_lipsum
        self.binop_table.update({"*": _product, "+": _sum, "**": _power, "%": _modulo})
        for name in ("center", "indent", "format"):
            self.filters[name] = _guarded(self.filters[name], formats=name == "format")
        self.filters["_circolari_lungo"] = _concat_checked
        self.filters["_circolari_conta"] = counted  # the loop counter _generate inserts

    def _generate(self, source, name, filename, defer_init=False):
        """Wrap every loop's iterable in the counting filter and every ``~`` in the size check
        (filters, unlike names, cannot be rebound by a template)."""
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "_circolari_conta", [], [], None, None, lineno=loop.iter.lineno)
        for parent in list(source.find_all(nodes.Node)):
            for field in parent.fields:
                value = getattr(parent, field, None)
                if isinstance(value, nodes.Concat):
                    setattr(parent, field, _checked(value))
                elif isinstance(value, list):
                    value[:] = [_checked(v) if isinstance(v, nodes.Concat) else v for v in value]
        return super()._generate(source, name, filename, defer_init=defer_init)

    def call(*args, **kwargs):  # (self, context, callable, *arguments): names that cannot clash
        self, context, function, *rest = args
        _spend(CALL_COST)
        method = getattr(function, "__wrapped__", function)  # Jinja wraps str.format
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            _refuse_huge((*rest, *kwargs.values()),
                         owner if getattr(method, "__name__", "") in ("format", "format_map") else None)
        return ImmutableSandboxedEnvironment.call(self, context, function, *rest, **kwargs)


def _checked(node):
    return nodes.Filter(node, "_circolari_lungo", [], [], None, None, lineno=node.lineno)


def bounded_render(template, context: dict) -> str:
    """Render ``template`` with its own operations budget, stopping once the output
    passes ``MAX_OUTPUT`` characters."""
    token = _WORK.set(_Work())
    try:
        parts, size = [], 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateLimit(f"il template produce oltre {MAX_OUTPUT} caratteri di HTML")
            parts.append(chunk)
        return "".join(parts)
    finally:
        _WORK.reset(token)


def runtime_message(exc: BaseException) -> str:
    """An Italian message for a template's runtime error (decided by type, not by text)."""
    from jinja2.exceptions import SecurityError, TemplateError

    if isinstance(exc, RecursionError):
        return "una macro del template richiama se stessa senza fine (ricorsione troppo profonda)"
    if isinstance(exc, ZeroDivisionError):
        return "divisione per zero nel template"
    if isinstance(exc, SecurityError):
        return f"operazione non permessa nei template ({exc})"
    if isinstance(exc, MemoryError):
        return "il template richiede troppa memoria"
    if isinstance(exc, (TypeError, ValueError, AttributeError, LookupError, ArithmeticError)):
        return f"errore di calcolo nel template: operazione non valida su questi valori ({exc})"
    if isinstance(exc, TemplateError):
        return f"errore nel template: {exc}"
    return f"errore nel template durante la composizione ({type(exc).__name__}: {exc})"

