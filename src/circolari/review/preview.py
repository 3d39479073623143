"""Pictures of a rendered act: one PNG per PDF page, and a preview folder to open in a browser."""

from __future__ import annotations

from pathlib import Path

from .html import escape, page


def page_images(pdf: bytes, *, scale: float = 1.5) -> list[bytes]:
    """One PNG per page (scale 1 = 72 dpi)."""
    import io

    import pypdfium2 as pdfium

    images = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            pdf_page = document[index]
            bitmap = pdf_page.render(scale=scale)
            buffer = io.BytesIO()
            bitmap.to_pil().save(buffer, format="PNG", optimize=False, compress_level=6)
            images.append(buffer.getvalue())
            bitmap.close()
            pdf_page.close()
    finally:
        document.close()
    return images


def stylesheet() -> str:
    """``stile.css`` for the act's HTML: the CSS classes of ``styles.py`` as the browser shows them."""
    from ..styles import MARGIN_LEFT, STYLES

    rules = [f"body {{ font-family: 'Titillium Web', Arial, sans-serif; max-width: 21cm; margin: 1cm auto; "
             f"padding: 0 {MARGIN_LEFT:.0f}pt; background: #fff; }}",
             ".colonne { display: flex; gap: 24pt; } .colonna { flex: 1; }",
             "table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999; padding: 2pt 4pt; "
             "font-size: 8.5pt; vertical-align: top; }",
             "hr.salto-pagina { border: 0; border-top: 1px dashed #aaa; margin: 24pt 0; }",
             "header, footer { color: #333; } footer { border-top: 1px solid #ddd; margin-top: 24pt; }"]
    for name, s in STYLES.items():
        rules.append(f".{name} {{ font-size: {s.size}pt; font-weight: {'bold' if s.bold else 'normal'}; "
                     f"font-style: {'italic' if s.italic else 'normal'}; text-align: {s.align}; "
                     f"margin: {s.before}pt 0 {s.after}pt {s.indent}pt; line-height: {s.leading}; }}")
    return "\n".join(rules) + "\n"


def write_preview(rendered, folder: Path) -> Path:
    """Write the HTML rendering, the page pictures and ``index.html`` into ``folder``; return the index."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("pagina-*.png"):
        old.unlink()
    name = rendered.name
    (folder / f"{name}.html").write_bytes(rendered.files[f"{name}.html"])
    (folder / "stile.css").write_text(stylesheet(), encoding="utf-8")
    images = page_images(rendered.files[f"{name}.pdf"])
    figures = []
    for number, png in enumerate(images, start=1):
        file = f"pagina-{number}.png"
        (folder / file).write_bytes(png)
        figures.append(f'<figure><a href="{file}"><img src="{file}" alt="pagina {number}"></a>'
                       f'<figcaption>pagina {number} di {len(images)}</figcaption></figure>')
    problems = rendered.warnings
    body = (f'<nav class="indice"><a href="{escape(name)}.html">testo in HTML</a>'
            f'<a href="../{escape(name)}.pdf">PDF (se generato con render)</a></nav>\n'
            + (f'<h2>Avvisi</h2>{_list(problems)}' if problems else "")
            + f'<h2>Pagine del PDF</h2>\n<div class="pagine grandi">{"".join(figures)}</div>')
    index = folder / "index.html"
    pages = f"{len(images)} pagin{'a' if len(images) == 1 else 'e'}"
    index.write_text(page(f"Anteprima: {name}", pages, body), encoding="utf-8")
    return index


def _list(problems) -> str:
    from .html import problems_list

    return problems_list(problems)
