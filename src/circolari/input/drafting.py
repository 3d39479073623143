"""Text a clerk left unfinished or mistyped: skeleton text from ``circolari new`` still in
place, an oggetto that repeats its own label, Markdown bold in the oggetto (printed literally).
Warnings of both ``check`` and ``render``."""

from __future__ import annotations

import re

from circolari.errors import Problem
from circolari.input.strings import all_strings, text_line
from circolari.input.validation import field_name

# Placeholders of templates/nuovo/*.yaml (tests/test_input_drafting.py keeps the two in step)
PLACEHOLDERS = ("NOME COGNOME", "da completare", "Primo paragrafo del testo", "seconda indicazione",
                "TITOLO DELLA SEZIONE", "Testo della sezione", "Descrizione del primo requisito",
                "02/6765.0000", "nome_cognome@")
_LABEL = re.compile(r"\s*oggetto\s*:", re.IGNORECASE)
_BOLD = re.compile(r"\*\*\S|__\S")


def drafting_problems(act, doc) -> list[Problem]:
    """Warnings about ``act`` (read from ``doc``)."""
    found = []
    for path, raw in all_strings(doc.data):
        marker = next((m for m in PLACEHOLDERS if m in raw), None)
        if marker:
            found.append(Problem(f"testo dello schema di partenza ancora presente («{marker}»)", file=doc.path,
                                 line=text_line(doc, path, marker), field=field_name(path), level="avviso",
                                 hint="sostituirlo con il testo dell'atto"))
    line = doc.line_of(("oggetto",))
    if _LABEL.match(act.oggetto):
        found.append(Problem("l'oggetto comincia con «Oggetto:»: nell'atto la parola comparirebbe due volte",
                             file=doc.path, line=line, field="oggetto", level="avviso",
                             hint="togliere «Oggetto:» dall'inizio del campo: l'etichetta la stampa il modello"))
    if _BOLD.search(act.oggetto):
        found.append(Problem("il grassetto Markdown (**...**) non è supportato nell'oggetto: gli asterischi "
                             "comparirebbero nell'atto", file=doc.path, line=line, field="oggetto",
                             level="avviso", hint="togliere gli asterischi: l'oggetto ha già il suo stile"))
    return found
