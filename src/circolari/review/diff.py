"""Word-level difference between two renders of an act's text, with page and section.

Both sides are rendered in memory (nothing is written to out/); the words compared
are those of ``<act>.txt``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from circolari.review.html import attr, escape, page, script, url
from circolari.review.textmap import Word, act_words

CONTEXT = 6


@dataclass
class Change:
    number: int
    old: list[Word]
    new: list[Word]
    before: list[str]
    after: list[str]
    a: tuple[int, int]
    b: tuple[int, int]
    anchor: Word | None = None  # the new text's word where a deletion falls

    @property
    def where(self) -> str:
        """'pagina 3, premessa 11 (RITENUTO)'; both pages when the change moves."""
        new = self.new[0] if self.new else None
        old = self.old[0] if self.old else None
        word = new or self.anchor or old
        where = f"pagina {word.page}" if word and word.page else ""
        if word is not old and old and old.page and word.page and old.page != word.page:
            where += f" (prima pagina {old.page})"
        section = word.section if word else ""
        return ", ".join(x for x in (where, section) if x)


@dataclass
class TextDiff:
    old: list[Word]
    new: list[Word]
    changes: list[Change]

    @property
    def equal(self) -> bool:
        return not self.changes


def rendered_words(rendered) -> list[Word]:
    """Words of a render in memory: sections from its document tree, pages from its PDF."""
    files, name = rendered.files, rendered.name
    return act_words(files[f"{name}.txt"].decode("utf-8"), rendered.document, files.get(f"{name}.pdf"))


def text_words(text: str) -> list[Word]:
    """Words of a stored text (an approved render): no pages, no sections."""
    return act_words(text, None, None)


def compare(old: list[Word], new: list[Word]) -> TextDiff:
    from circolari.review.align import opcodes

    changes = []
    for tag, i1, i2, j1, j2 in opcodes([w.text for w in old], [w.text for w in new]):
        if tag == "equal":
            continue
        before = [w.text for w in new[max(0, j1 - CONTEXT):j1]]
        after = [w.text for w in new[j2:j2 + CONTEXT]]
        anchor = new[min(j1, len(new) - 1)] if new else None
        changes.append(Change(len(changes) + 1, old[i1:i2], new[j1:j2], before, after, (i1, i2), (j1, j2), anchor))
    return TextDiff(old, new, changes)


def use_colour(stream=None) -> bool:
    stream = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and hasattr(stream, "isatty") and stream.isatty()


def terminal(diff: TextDiff, old_label: str, new_label: str, *, colour: bool) -> str:
    red, green, dim, bold, reset = ("\x1b[31;9m", "\x1b[32;1m", "\x1b[2m", "\x1b[1m", "\x1b[0m") if colour \
        else ("", "", "", "", "")
    lines = [f"--- {old_label}", f"+++ {new_label}"]
    for c in diff.changes:
        removed = " ".join(w.text for w in c.old)
        added = " ".join(w.text for w in c.new)
        parts = []
        if removed:
            parts.append(f"{red}{removed}{reset}" if colour else f"[-{removed}-]")
        if added:
            parts.append(f"{green}{added}{reset}" if colour else f"{{+{added}+}}")
        before = ("… " if len(c.before) == CONTEXT else "") + " ".join(c.before)
        after = " ".join(c.after) + (" …" if len(c.after) == CONTEXT else "")
        lines.append(f"{bold}{c.number}. {c.where}{reset}")
        lines.append(f"   {dim}{before}{reset} {' '.join(parts)} {dim}{after}{reset}".rstrip())
    n = len(diff.changes)
    lines.append(f"{n} modific{'a' if n == 1 else 'he'}: {sum(len(c.old) for c in diff.changes)} parole tolte, "
                 f"{sum(len(c.new) for c in diff.changes)} aggiunte.")
    return "\n".join(lines) + "\n"


def _column(words: list[Word], marks: dict[int, int], tag: str, side: str, prefix: str) -> str:
    """The text as paragraphs (one per line), changed words inside <del>/<ins>."""
    out, line, current, open_change = [], None, [], None

    def close_mark():
        nonlocal open_change
        if open_change is not None:
            current.append(f"</{tag}>")
            open_change = None

    for index, word in enumerate(words):
        if word.line != line:
            close_mark()
            if line is not None:
                out.append("<p>" + " ".join(current).replace(" </", "</") + "</p>")
            current, line = [], word.line
        change = marks.get(index)
        if change != open_change:
            close_mark()
            if change is not None:
                current.append(f'<{tag} id="{attr(prefix)}m{change}-{side}" title="modifica {change}">')
                open_change = change
        current.append(escape(word.text))
    close_mark()
    if current:
        out.append("<p>" + " ".join(current).replace(" </", "</") + "</p>")
    return "\n".join(out).replace('"> ', '">')


def html_fragment(diff: TextDiff, old_label: str, new_label: str, prefix: str = "") -> str:
    """The list of changes and the two texts side by side; ``prefix`` keeps ids unique in a page."""
    old_marks = {i: c.number for c in diff.changes for i in range(*c.a)}
    new_marks = {j: c.number for c in diff.changes for j in range(*c.b)}
    if diff.equal:
        summary = '<p class="esito ok">nessuna differenza nel testo</p>'
    else:
        items = []
        for c in diff.changes:
            removed = escape(" ".join(w.text for w in c.old))
            added = escape(" ".join(w.text for w in c.new))
            text = (f"<del>{removed}</del> " if removed else "") + (f"<ins>{added}</ins>" if added else "")
            ids = " ".join(f"{prefix}m{c.number}-{side}" for side, words in (("o", c.old), ("n", c.new)) if words)
            items.append(f'<li><a data-modifica="{attr(ids)}" href="{url(fragment=ids.split()[-1])}">{escape(c.where) or "modifica"}</a>: '
                         f'<span class="dove">…{escape(" ".join(c.before[-3:]))}</span> {text} '
                         f'<span class="dove">{escape(" ".join(c.after[:3]))}…</span></li>')
        summary = (f'<p class="esito ko">{len(diff.changes)} modifiche</p>\n'
                   f'<ol class="modifiche">{"".join(items)}</ol>')
    return (f'{summary}\n<div class="affiancati">\n'
            f'<div class="prima"><h3>{escape(old_label)}</h3>\n{_column(diff.old, old_marks, "del", "o", prefix)}</div>\n'
            f'<div class="dopo"><h3>{escape(new_label)}</h3>\n{_column(diff.new, new_marks, "ins", "n", prefix)}</div>\n'
            f'</div>\n{script("sync")}{script("scroll")}')


def html_page(diff: TextDiff, old_label: str, new_label: str, summary: list[str] | None = None) -> str:
    """The whole comparison page; ``summary``: the changed figures (fatti) first."""
    head = ("<section class=\"scheda\" id=\"sintesi\"><h2>Cifre cambiate</h2><ul class=\"sintesi\">"
            + "".join(f"<li>{escape(line)}</li>" for line in summary) + "</ul></section>\n") if summary else ""
    return page("Confronto del testo dell'atto", f"{old_label} → {new_label}",
                head + html_fragment(diff, old_label, new_label))
