"""Pictures of a rendered act: one PNG per PDF page, and a preview folder to open in a browser."""

from __future__ import annotations

from pathlib import Path

from circolari.review.html import csp_meta, escape, page, url


def page_images(pdf: bytes, *, scale: float = 1.5, grey: bool = False, compress: int = 6) -> list[bytes]:
    """One PNG per page (scale 1 = 72 dpi), in shades of grey if ``grey``; ``compress`` 0-9
    (PNG encoding is most of the time: ``preview --watch`` uses 1)."""
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
            (image.convert("L") if grey else image).save(buffer, format="PNG", optimize=False, compress_level=compress)
            images.append(buffer.getvalue())
            bitmap.close()
            pdf_page.close()
    finally:
        document.close()
    return images


def write_preview(rendered, folder: Path, *, refresh: int | None = None) -> Path:
    """Write the HTML rendering, the PDF, the page pictures and ``index.html`` into ``folder``;
    return the index. ``refresh`` (seconds): the page reloads itself (``preview --watch``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("pagina-*.png"):
        old.unlink()
    name = rendered.name
    (folder / f"{name}.html").write_bytes(with_policy(rendered.files[f"{name}.html"]))
    (folder / "stile.css").write_bytes(rendered.files["stile.css"])
    (folder / f"{name}.pdf").write_bytes(rendered.files[f"{name}.pdf"])  # the PDF shown, never a stale one
    images = page_images(rendered.files[f"{name}.pdf"], compress=1 if refresh else 6)
    figures = []
    for number, png in enumerate(images, start=1):
        file = f"pagina-{number}.png"
        (folder / file).write_bytes(png)
        figures.append(f'<figure><a href="{file}"><img src="{file}" alt="pagina {number}"></a>'
                       f'<figcaption>pagina {number} di {len(images)}</figcaption></figure>')
    problems = rendered.warnings
    body = (f'<nav class="indice"><a href="{url(name + ".html")}">testo in HTML</a>'
            f'<a href="{url(name + ".pdf")}">PDF di queste pagine</a></nav>\n'
            + (f'<h2>Avvisi</h2>{_list(problems)}' if problems else "")
            + f'<h2>Pagine del PDF</h2>\n<div class="pagine grandi">{"".join(figures)}</div>')
    index = folder / "index.html"
    pages = f"{len(images)} pagin{'a' if len(images) == 1 else 'e'}"
    write_index(index, page(f"Anteprima: {name}", pages, body), refresh)
    return index


def write_index(index: Path, html: str, refresh: int | None) -> None:
    """Write the page (atomically: a reloading browser never reads half of it)."""
    from circolari.output import write_atomic

    if refresh:
        html = html.replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n<meta http-equiv="refresh" content="{int(refresh)}">', 1)
    write_atomic(index, html.encode("utf-8"))


def write_error(folder: Path, name: str, problems, *, refresh: int | None = None) -> Path:
    """The preview page after a failed render: the errors first, then the last pages that rendered."""
    from circolari.review.html import problems_list

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    old = sorted(folder.glob("pagina-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    figures = "".join(f'<figure><img src="{url(p.name)}" alt="{escape(p.name)}"><figcaption>{escape(p.stem)} '
                      "(versione precedente)</figcaption></figure>" for p in old)
    body = (f'<section class="scheda errore-anteprima"><h2>L\'atto non può essere generato</h2>'
            f'{problems_list(problems)}<p>Correggere il file e salvarlo: la pagina si aggiorna da sola.</p></section>'
            + (f'<h2>Ultime pagine generate</h2><div class="pagine grandi">{figures}</div>' if figures else ""))
    index = folder / "index.html"
    write_index(index, page(f"Anteprima: {name}", "errore", body), refresh)
    return index


def watch(act: Path, project, folder: Path, *, report=print, stop_event=None, refresh: int = 1) -> None:
    """Re-render the act and rewrite its preview at every save of the act, its folder's tables,
    the templates or the registry, until ``stop_event`` is set (or Ctrl-C)."""
    import watchfiles

    from circolari.errors import CircolariError
    from circolari.render import render_act

    act = Path(act)

    def once() -> None:
        try:
            rendered = render_act(act, project)
        except CircolariError as exc:
            write_error(folder, act.stem, exc.problems, refresh=refresh)
            report(f"{act}: errore, vedere l'anteprima")
            return
        write_preview(rendered, folder, refresh=refresh)
        report(f"{act}: {rendered.pages} pagine aggiornate")

    once()
    roots = {act.parent.resolve(), Path(project.templates).resolve(), Path(project.recipients).resolve()}
    out = Path(folder).resolve()
    for changes in watchfiles.watch(*sorted(r for r in roots if r.is_dir()), stop_event=stop_event,
                                    debounce=200, step=50, rust_timeout=500, yield_on_timeout=False):
        if any(not Path(path).resolve().is_relative_to(out) for _, path in changes):
            once()


def with_policy(html: bytes) -> bytes:
    """The act's HTML with the review pages' Content-Security-Policy first in its ``<head>``."""
    meta = csp_meta(styles=()).encode("utf-8")
    head = html.find(b"<head>")
    if head < 0:
        return b"<!DOCTYPE html>\n<head>" + meta + b"</head>\n" + html
    return html[:head + 6] + meta + html[head + 6:]


def _list(problems) -> str:
    from circolari.review.html import problems_list

    return problems_list(problems)
