"""Pictures of a rendered act: one PNG per PDF page, and a preview folder to open in a browser."""

from __future__ import annotations

from pathlib import Path

from .html import csp_meta, escape, page, url


def page_images(pdf: bytes, *, scale: float = 1.5, grey: bool = False) -> list[bytes]:
    """One PNG per page (scale 1 = 72 dpi), in shades of grey if ``grey``."""
    import io

    import pypdfium2 as pdfium

    images = []
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            pdf_page = document[index]
            bitmap = pdf_page.render(scale=scale, grayscale=grey)
            buffer = io.BytesIO()
            image = bitmap.to_pil()
            (image.convert("L") if grey else image).save(buffer, format="PNG", optimize=False, compress_level=6)
            images.append(buffer.getvalue())
            bitmap.close()
            pdf_page.close()
    finally:
        document.close()
    return images


def write_preview(rendered, folder: Path) -> Path:
    """Write the HTML rendering, the page pictures and ``index.html`` into ``folder``; return the index."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("pagina-*.png"):
        old.unlink()
    name = rendered.name
    (folder / f"{name}.html").write_bytes(with_policy(rendered.files[f"{name}.html"]))
    (folder / "stile.css").write_bytes(rendered.files["stile.css"])
    images = page_images(rendered.files[f"{name}.pdf"])
    figures = []
    for number, png in enumerate(images, start=1):
        file = f"pagina-{number}.png"
        (folder / file).write_bytes(png)
        figures.append(f'<figure><a href="{file}"><img src="{file}" alt="pagina {number}"></a>'
                       f'<figcaption>pagina {number} di {len(images)}</figcaption></figure>')
    problems = rendered.warnings
    body = (f'<nav class="indice"><a href="{url(name + ".html")}">testo in HTML</a>'
            f'<a href="../{url(name + ".pdf")}">PDF (se generato con render)</a></nav>\n'
            + (f'<h2>Avvisi</h2>{_list(problems)}' if problems else "")
            + f'<h2>Pagine del PDF</h2>\n<div class="pagine grandi">{"".join(figures)}</div>')
    index = folder / "index.html"
    pages = f"{len(images)} pagin{'a' if len(images) == 1 else 'e'}"
    index.write_text(page(f"Anteprima: {name}", pages, body), encoding="utf-8")
    return index


def with_policy(html: bytes) -> bytes:
    """The act's HTML with the review pages' Content-Security-Policy first in its ``<head>``."""
    meta = csp_meta(styles=()).encode("utf-8")
    head = html.find(b"<head>")
    if head < 0:
        return b"<!DOCTYPE html>\n<head>" + meta + b"</head>\n" + html
    return html[:head + 6] + meta + html[head + 6:]


def _list(problems) -> str:
    from .html import problems_list

    return problems_list(problems)
