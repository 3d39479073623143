"""What a manager reads at the top of a diff: which act (number, date, title) and which declared
figures changed, with how many times each is cited."""

from __future__ import annotations


def act_label(act, version: str = "") -> str:
    """'DGR n. XI/3681 del 26/10/2020 «Oggetto…» (versione)' of a loaded act."""
    from circolari.kinds import kind_of

    head = kind_of(act).heading(act)
    title = " ".join(str(act.oggetto).split())
    title = title if len(title) <= 90 else title[:89] + "…"
    return f"{head} «{title}»" + (f" ({version})" if version else "")


def fatti_summary(before, after) -> list[str]:
    """'tariffa_sub_acute: 190 → 195, 3 occorrenze' for each declared figure that changed
    between two loaded acts."""
    from circolari.compose.placeholders import PLACEHOLDER, format_value
    from circolari.kinds import kind_of

    a, b = getattr(before, "fatti", None) or {}, getattr(after, "fatti", None) or {}
    cited: dict[str, int] = {}
    for _, text in kind_of(after).markdown_texts(after):
        for m in PLACEHOLDER.finditer(text):
            cited[m.group(1)] = cited.get(m.group(1), 0) + 1
    lines = []
    for name in sorted(set(a) | set(b)):
        x, y = a.get(name), b.get(name)
        if x is not None and y is not None and x.valore == y.valore:
            continue
        shown = lambda f: format_value(f, None) if f is not None else "—"  # noqa: E731
        count = cited.get(name, 0)
        lines.append(f"{name}: {shown(x)} → {shown(y)}, {count} occorrenz{'a' if count == 1 else 'e'}")
    return lines
