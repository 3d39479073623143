"""The template context of a DGR: frontispiece data, allegati with their table rows loaded."""

from __future__ import annotations

from circolari.input.load import YamlDoc
from circolari.model.delibera import Delibera
from circolari.input.tables import table_rows

TEMPLATE = "delibera.html.j2"
_ALIGN = {"sinistra": "left", "centro": "center", "destra": "right"}


def _tables(tables, act: YamlDoc, at: tuple) -> list[dict]:
    return [{
        "titolo": table.titolo,
        "colonne": [{"intestazione": c.intestazione, "larghezza": c.larghezza, "allineamento": _ALIGN[c.allineamento]}
                    for c in table.colonne],
        "righe": table_rows(table, act, at + (index,)),
    } for index, table in enumerate(tables)]


def delibera_context(act: Delibera, doc: YamlDoc) -> tuple[str, dict]:
    allegati = []
    for a_index, allegato in enumerate(act.allegati):
        at = ("allegati", a_index)
        allegati.append({
            "numero": allegato.numero,
            "titolo": allegato.titolo,
            "parte_integrante": allegato.parte_integrante,
            "sezioni": [{"titolo": s.titolo, "testo": s.testo,
                         "tabelle": _tables(s.tabelle, doc, at + ("sezioni", s_index, "tabelle"))}
                        for s_index, s in enumerate(allegato.sezioni)],
            "tabelle": _tables(allegato.tabelle, doc, at + ("tabelle",)),
        })
    half = (len(act.assessori) + 1) // 2
    context = {
        "atto": act,
        "assessori_colonne": [act.assessori[:half], act.assessori[half:]],
        "allegati": allegati,
        "riferimento": act.riferimento or act.oggetto,
        "parere_base": act.parere_base,
    }
    return TEMPLATE, context
