"""One style sheet for every writer: the template's CSS classes and how they look.

Sizes and spacing are in points. ``word`` is the style's name in the DOCX,
where a clerk finds it in the styles gallery. A DG with another look changes
these values, the templates and writers stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4
MARGIN_LEFT = MARGIN_RIGHT = 62.0
MARGIN_TOP = 48.0
MARGIN_BOTTOM = 48.0
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
FURNITURE_GAP = 14.0  # between the header or footer and the body
RIGHT_COLUMN = 250.0  # left indent of the addressees and the signature block

PDF_FONT = "TitilliumWeb"  # embedded in the PDF (installed with the package)
DOCX_FONT = "Titillium Web"  # the same family, embedded in the DOCX (writers/docx_package.py)
# The family's four faces: file suffix -> (bold, italic); the files come with fontpkg-titillium-web.
FONT_FACES = {"Regular": (False, False), "Bold": (True, False), "Italic": (False, True), "BoldItalic": (True, True)}


def font_file(face: str):
    """The TrueType file of one of ``FONT_FACES`` (an importlib resource)."""
    from importlib.resources import files

    return files("fontpkg_titillium_web") / "files" / f"TitilliumWeb-{face}.ttf"


@dataclass(frozen=True)
class Style:
    word: str
    size: float = 11.0
    bold: bool = False
    italic: bool = False
    align: str = "left"  # left | center | right | justify
    before: float = 0.0
    after: float = 6.0
    indent: float = 0.0
    leading: float = 1.25
    keep_with_next: bool = False
    heading: int = 0  # outline level: 1 = H1 in the PDF, Word's level 1 (Heading 1); 0 = body text


STYLES: dict[str, Style] = {
    # letterhead and page furniture
    "intestazione": Style("Intestazione atto", size=9, after=0),
    "marchio": Style("Marchio", size=17, bold=True, after=4, leading=1.0),
    "ente": Style("Ente", size=9, after=0),
    "direzione": Style("Direzione", size=9, bold=True, after=0),
    "recapito": Style("Recapito", size=8, align="right", after=0),
    "piede": Style("Piede pagina", size=8, after=0),
    "numero-pagina": Style("Numero pagina", size=8, align="right", after=0),
    # circolare
    "data": Style("Data e protocollo", indent=RIGHT_COLUMN, after=12),
    "destinatari-intestazione": Style("Destinatari intestazione", size=10, bold=True, indent=RIGHT_COLUMN,
                                      after=1, keep_with_next=True),
    # the space between bodies sits before each name: a body without PEC line keeps it too
    "destinatario-nome": Style("Destinatario", size=10, indent=RIGHT_COLUMN, before=7, after=0,
                               keep_with_next=True),
    "destinatario-indirizzo": Style("Destinatario indirizzo", size=10, indent=RIGHT_COLUMN, after=0,
                                    keep_with_next=True),
    "destinatario-pec": Style("Destinatario PEC", size=9, indent=RIGHT_COLUMN, after=0),
    "destinatari-categoria": Style("Destinatari categoria", size=10, indent=RIGHT_COLUMN, after=4),
    "epc": Style("Per conoscenza", size=10, italic=True, indent=RIGHT_COLUMN, before=12, after=0,
                 keep_with_next=True),
    "oggetto": Style("Oggetto", before=18, after=14, keep_with_next=True, heading=1),
    "corpo": Style("Corpo", align="justify", after=7),
    "elenco": Style("Elenco", align="justify", after=3),
    "saluti": Style("Saluti", before=10, after=14, keep_with_next=True),
    "firma-qualifica": Style("Firma qualifica", align="center", indent=RIGHT_COLUMN, after=2,
                             keep_with_next=True),
    "firma-nome": Style("Firma nome", align="center", indent=RIGHT_COLUMN, after=0),
    # delibera (DGR)
    "giunta-regione": Style("Giunta regione", size=14, bold=True, align="center", after=0),
    "giunta": Style("Giunta", size=10, align="center", after=0),
    "dgr-numero": Style("DGR numero", size=13, bold=True, align="center", before=10, after=2),
    "dgr-seduta": Style("DGR seduta", align="center", after=16),
    "dgr-etichetta": Style("DGR etichetta", size=9, italic=True, before=6, after=2, keep_with_next=True),
    "dgr-presidente": Style("DGR presidente", bold=True, after=4),
    "dgr-assessore": Style("DGR assessore", size=10, after=1),
    "dgr-riga": Style("DGR riga", before=6, after=2),
    "dgr-oggetto": Style("DGR oggetto", size=12, bold=True, before=2, after=14, heading=1),
    "dgr-parere": Style("DGR parere", size=9, before=6, after=3),
    "dgr-parere-firma": Style("DGR parere firma", size=9, after=1),
    "dgr-composizione": Style("DGR composizione", size=9, before=18, after=0),
    "premessa": Style("Premessa", align="justify", after=7),
    "delibera": Style("Delibera", size=12, bold=True, align="center", before=8, after=10, keep_with_next=True,
                      heading=2),
    "dispositivo": Style("Dispositivo", align="justify", after=5),
    "nota-firma": Style("Nota firma digitale", size=8, italic=True, before=18, after=0),
    "allegato-riferimento": Style("Allegato riferimento", size=9, italic=True, align="center", after=10),
    "allegato-titolo": Style("Allegato titolo", size=13, bold=True, align="center", after=12, keep_with_next=True,
                             heading=1),
    # generic headings
    "titolo-1": Style("Titolo 1 atto", size=13, bold=True, align="center", before=6, after=10,
                      keep_with_next=True, heading=1),
    "titolo-2": Style("Titolo 2 atto", size=11.5, bold=True, before=10, after=6,
                      keep_with_next=True, heading=2),
    "titolo-3": Style("Titolo 3 atto", size=11, bold=True, before=8, after=4,
                      keep_with_next=True, heading=3),
    "titolo-4": Style("Titolo 4 atto", size=11, italic=True, before=6, after=4,
                      keep_with_next=True, heading=4),
    "tabella": Style("Tabella testo", size=8.5, after=0, leading=1.15),
    "tabella-intestazione": Style("Tabella intestazione", size=8.5, bold=True, after=0, leading=1.15),
    "tabella-titolo": Style("Tabella titolo", size=10, bold=True, before=10, after=4, keep_with_next=True),
}

TABLE_PADDING = {"left": 4.0, "right": 4.0, "top": 2.0, "bottom": 3.0}  # inside each table cell

LIST_INDENT = 18.0  # per nesting level


def style(name: str) -> Style:
    """The style called ``name`` (the parser admits only known names)."""
    return STYLES[name]


def css() -> str:
    """``stile.css`` for the act's HTML preview: the same classes as the browser shows them.

    Paragraphs without a class take their container's ``data-p`` style, as in the writers;
    the footer goes to the end, and page figures (known only to the PDF) show as "#" unless the
    page holds them (``preview`` fills them in from the PDF's layout and marks where each PDF
    page ends with its footer's page number, ``.fine-pagina``).
    """
    rules = [f"body {{ font-family: 'Titillium Web', Arial, sans-serif; max-width: 21cm; margin: 1cm auto; "
             f"padding: 0 {MARGIN_LEFT:.0f}pt; background: #fff; display: flex; flex-direction: column; font-size: 11pt; }}",
             "p { margin: 0; } footer { order: 1; border-top: 1px solid #ddd; margin-top: 24pt; color: #333; }",
             "span[data-campo]:empty::before { content: '#'; color: #888; }",
             ".colonne { display: flex; gap: 24pt; } .colonna { flex: 1; }",
             "ol[type=a] { list-style-type: lower-alpha; }",
             "table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999; padding: 2pt 4pt; "
             "font-size: 8.5pt; vertical-align: top; } th { background: #e6e6e6; }",
             "hr.salto-pagina { border: 0; border-top: 1px dashed #aaa; margin: 24pt 0; }",
             ".fine-pagina { border-bottom: 1px dashed #aaa; margin: 12pt 0; padding-bottom: 2pt; "
             "text-align: right; font-size: 8pt; color: #555; }"]
    for name, s in STYLES.items():
        selector = f":is(p, h1, h2, h3, h4).{name}, [data-p=\"{name}\"] p:not([class])"  # not <body class=...>
        rules.append(f"{selector} {{ font-size: {s.size}pt; "
                     f"font-weight: {'bold' if s.bold else 'normal'}; "
                     f"font-style: {'italic' if s.italic else 'normal'}; text-align: {s.align}; "
                     f"margin: {s.before}pt 0 {s.after}pt {s.indent}pt; line-height: {s.leading}; }}")
    return "\n".join(rules) + "\n"
