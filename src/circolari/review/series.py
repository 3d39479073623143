"""A series in the review pack: its first letter, and body by body what its table changes from
the approved one.

The pack and ``approve`` show and record a series through its first letter (``render_for_review``:
the common text cited with that row's figures; the others differ only by their figures). ``approve`` records each body's figures as its letter prints them (``snapshot``, in the act's
approval record under ``serie``); the pack compares the current table with them and lists, per
body, the figures that change and the letters added or removed.
"""

from __future__ import annotations


from circolari.errors import CircolariError
from circolari.series.diff import Change, changes, snapshot


def render_for_review(loaded, project, registry, *, name: str):
    """The act (``loaded``: act and document) as the pack shows it: a series as its first letter,
    any other act as itself."""
    from circolari.render import render_loaded
    from circolari.series.letters import letter_act, plan, table_path

    act, doc = loaded
    if getattr(act, "serie", None) is None or registry is None:
        return render_loaded(act, doc, project, name=name, review=True)
    result = plan(act, doc, registry)
    if result.errors:
        raise CircolariError(result.problems)
    first = letter_act(act, result.letters[0]) if result.letters else act
    rendered = render_loaded(first, doc, project, name=name, review=True)
    rendered.inputs.append(table_path(act, doc))  # which letter comes first, and its figures
    return rendered


def current(loaded, registry) -> dict | None:
    """The series' snapshot now, or None (not a series, or a table with errors: ``check`` shows them)."""
    from circolari.series.letters import plan

    if registry is None or loaded is None:
        return None
    act, doc = loaded
    if getattr(act, "serie", None) is None:
        return None
    result = plan(act, doc, registry)
    return None if result.errors else snapshot(result.letters)


def summary(found: list[Change]) -> list[str]:
    """How the letters differ, for the example's badge (empty when they do not)."""
    counts = {kind: sum(c.kind == kind for c in found) for kind in ("modificata", "nuova", "tolta")}
    words = {"modificata": ("lettera con cifre diverse", "lettere con cifre diverse"),
             "nuova": ("lettera in più", "lettere in più"), "tolta": ("lettera in meno", "lettere in meno")}
    return [f"{n} {words[kind][n != 1]}" for kind, n in counts.items() if n]


def section(now: dict, approved: dict | None) -> tuple[list[Change], str]:
    """(changes, HTML) of the series' letters against the approved snapshot."""
    from circolari.review.html import escape

    title = f"<h3>Lettere della serie ({len(now)})</h3>"
    if approved is None:
        return [], (title + '<p class="esito nuovo">nessuna tabella approvata con cui confrontare le cifre: '
                    "eseguire <code>circolari approve</code> dopo la revisione</p>")
    found = changes(approved, now)
    if not found:
        return [], title + '<p class="esito ok">ogni ente ha le cifre della tabella approvata</p>'
    rows = []
    for change in found:
        if change.kind == "nuova":
            what = "riga nuova: una lettera in più"
        elif change.kind == "tolta":
            what = "riga tolta: una lettera in meno"
        else:
            what = "; ".join(f"{name}: {before} → {after}" for name, before, after in change.fields)
        rows.append(f"<tr><td>{escape(change.ente)} ({escape(change.denominazione)})</td>"
                    f"<td>{change.row}</td><td>{escape(what)}</td></tr>")
    return found, (title + f'<p>{escape(", ".join(summary(found)))} rispetto alla tabella approvata.</p>'
                   '<table class="serie"><caption>Differenze dalla tabella approvata, ente per ente</caption>'
                   '<thead><tr><th scope="col">Ente</th><th scope="col">Riga</th><th scope="col">Cosa cambia</th>'
                   f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')
