"""The look shared by the review's HTML pages (Italian, self-contained, no scripts needed)."""

from __future__ import annotations

from html import escape

CSS = """
body { font-family: "Titillium Web", Arial, sans-serif; margin: 0; color: #1b1b1b; background: #f4f5f7; }
header.barra { background: #0b3d6b; color: #fff; padding: 12px 24px; }
header.barra h1 { margin: 0; font-size: 20px; }
header.barra p { margin: 4px 0 0; font-size: 13px; opacity: .85; }
main { padding: 16px 24px; }
section.scheda { background: #fff; border: 1px solid #d5d9de; border-radius: 6px; margin: 0 0 24px; padding: 12px 18px; }
h2 { font-size: 18px; margin: 6px 0 10px; } h3 { font-size: 15px; margin: 14px 0 6px; }
.pagine { display: flex; flex-wrap: wrap; gap: 12px; }
.pagine figure { margin: 0; text-align: center; font-size: 12px; color: #555; }
.pagine img { border: 1px solid #bbb; box-shadow: 0 1px 4px rgba(0,0,0,.15); background: #fff; display: block; }
.miniature img { width: 150px; }
.grandi img { width: 620px; max-width: 100%; }
ul.problemi { list-style: none; padding: 0; margin: 0; font-family: monospace; font-size: 13px; }
ul.problemi li { padding: 3px 6px; border-left: 4px solid #999; margin: 2px 0; background: #fafafa; }
ul.problemi li.errore { border-color: #c62828; background: #fdecea; }
ul.problemi li.avviso { border-color: #ef8f00; background: #fff4e0; }
.esito { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: bold; }
.esito.ok { background: #e3f4e6; color: #1e6b2c; } .esito.ko { background: #fdecea; color: #c62828; }
.esito.nuovo { background: #e6eefb; color: #0b3d6b; }
del, .tolto { background: #fbd0d0; color: #8a1111; text-decoration: line-through; }
ins, .aggiunto { background: #c9efcf; color: #11561e; text-decoration: none; }
.affiancati { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.affiancati > div { background: #fff; border: 1px solid #d5d9de; padding: 8px 12px; font-size: 13px;
  line-height: 1.45; max-height: 70vh; overflow: auto; }
.affiancati p { margin: 0 0 4px; min-height: 1em; }
ol.modifiche { font-size: 13px; } ol.modifiche li { margin: 3px 0; }
.dove { color: #555; font-style: italic; }
nav.indice a { margin-right: 12px; }
"""


def page(title: str, subtitle: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="it">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{CSS}</style>\n</head>\n'
            f'<body>\n<header class="barra"><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n'
            f'<main>\n{body}\n</main>\n</body>\n</html>\n')


def problems_list(problems) -> str:
    if not problems:
        return '<p class="esito ok">nessun problema</p>'
    items = "".join(f'<li class="{escape(p.level)}">{escape(p.format())}</li>' for p in problems)
    return f'<ul class="problemi">{items}</ul>'


__all__ = ["CSS", "escape", "page", "problems_list"]
