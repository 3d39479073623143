"""The look shared by the review's HTML pages (Italian, self-contained, no scripts needed).

Every page carries a Content-Security-Policy that allows no script but the few fixed ones in
``SCRIPTS`` (by hash), nothing from the network, and images only beside the page; every name
put into an attribute goes through :func:`attr` or :func:`url`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from urllib.parse import quote

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
.miniature img { width: 220px; }
.coppia { display: flex; gap: 16px; flex-wrap: wrap; } .coppia figure { margin: 0; text-align: center; font-size: 12px; }
.coppia img { width: 440px; max-width: 45vw; border: 1px solid #bbb; background: #fff; }
.coppia .dopo img { border-color: #c62828; } .assente { width: 440px; height: 200px; border: 1px dashed #c62828; }
pre.sorgente { font-size: 12px; background: #fafafa; border: 1px solid #ddd; padding: 6px; overflow: auto; }
pre.sorgente span { display: block; } .contesto { color: #555; } .punto { color: #0b3d6b; }
ul.aspetto { color: #c62828; font-weight: bold; } .approvazione { color: #1e6b2c; font-style: normal; }
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
ul.sintesi { font-size: 14px; }
details.registro { font-size: 13px; margin: 6px 0; } table.impronte { border-collapse: collapse; font-size: 12px; }
table.impronte td, table.impronte th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
table.impronte tr[data-stato="cambiato"], table.impronte tr[data-stato="nuovo"], table.impronte tr[data-stato="tolto"] { color: #c62828; font-weight: bold; }
@media print {
  body { background: #fff; } header.barra { background: #fff; color: #000; border-bottom: 2px solid #000; }
  .affiancati { display: block; } .affiancati > div { max-height: none; overflow: visible; border: 0; }
  .affiancati .prima { display: none; } section.scheda { border: 0; break-inside: auto; }
  del, ins { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


# The only scripts a generated page may run; each is allowed by its hash in the page's CSP.
SCRIPTS = {
    # A click on a change scrolls both texts to it (the links work without scripts too).
    "sync": ("document.querySelectorAll('a[data-modifica]:not([data-pronto])').forEach(a => {"
             "a.dataset.pronto = '1'; a.addEventListener('click', e => { for (const id of a.dataset.modifica.split(' ')) {"
             "const el = document.getElementById(id); if (el) el.scrollIntoView({block: 'center'}); } e.preventDefault(); });"
             "});"),
    # The two texts scroll together (same fraction of their height).
    "scroll": ("document.querySelectorAll('.affiancati:not([data-pronto])').forEach(g => { g.dataset.pronto = '1';"
               "const [a, b] = g.querySelectorAll(':scope > div'); if (!a || !b) return; let busy = false;"
               "const follow = (x, y) => x.addEventListener('scroll', () => { if (busy) { busy = false; return; }"
               "busy = true; const r = x.scrollTop / Math.max(1, x.scrollHeight - x.clientHeight);"
               "y.scrollTop = r * (y.scrollHeight - y.clientHeight); });"
               "follow(a, b); follow(b, a); });"),
}


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(styles: tuple[str, ...] = (CSS,)) -> str:
    """The policy of every generated page: hashed scripts and styles only, images and fonts beside the page."""
    scripts = " ".join(_sha256(s) for s in SCRIPTS.values())
    return ("default-src 'none'; img-src 'self' file: data:; font-src 'self' file:; style-src 'self' file: "
            + " ".join(_sha256(s) for s in styles)
            + f"; script-src {scripts}; base-uri 'none'; form-action 'none'; object-src 'none'")


def csp_meta(styles: tuple[str, ...] = (CSS,)) -> str:
    return f'<meta http-equiv="Content-Security-Policy" content="{escape(csp(styles))}">'


def script(name: str) -> str:
    """The ``<script>`` element of one of ``SCRIPTS``."""
    return f"<script>{SCRIPTS[name]}</script>"


def attr(value: object) -> str:
    """A value for a double-quoted attribute."""
    return escape(str(value), quote=True)


def url(*parts: str, fragment: str | None = None) -> str:
    """A relative URL from path components (each percent-quoted), escaped for an attribute."""
    path = "/".join(quote(str(p), safe="") for p in parts)
    if fragment is not None:
        path += "#" + quote(str(fragment), safe="")
    return attr(path)


def anchor(name: str) -> str:
    """An id made of letters, digits, '-' and '_' only (other characters as _hex_): usable in lists of ids."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: f"_{ord(m.group()):x}_", name)


def page(title: str, subtitle: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="it">\n<head>\n<meta charset="utf-8">\n{csp_meta()}\n'
            f'<title>{escape(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{CSS}</style>\n</head>\n'
            f'<body>\n<header class="barra"><h1>{escape(title)}</h1><p>{escape(subtitle)}</p></header>\n'
            f'<main>\n{body}\n</main>\n</body>\n</html>\n')


def problems_list(problems) -> str:
    if not problems:
        return '<p class="esito ok">nessun problema</p>'
    items = "".join(f'<li class="{escape(p.level)}">{escape(p.format())}</li>' for p in problems)
    return f'<ul class="problemi">{items}</ul>'


__all__ = ["CSS", "SCRIPTS", "anchor", "attr", "csp", "csp_meta", "escape", "page", "problems_list", "script", "url"]
