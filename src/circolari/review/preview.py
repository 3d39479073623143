"""Pictures of a rendered act: one PNG per PDF page, and a preview folder to open in a browser."""

from __future__ import annotations

import re
from pathlib import Path

from circolari.compose.italian import pagine
from circolari.review.html import csp_meta, escape, page, url


def page_images(pdf: bytes, *, scale: float = 1.5, grey: bool = False, compress: int = 6) -> list[bytes]:
    """One PNG per page (scale 1 = 72 dpi), in shades of grey if ``grey``, encoded by Pillow
    (``compress`` 0-9): the approvals' page goldens, whose bytes the records hash."""
    import io

    images = []
    for bitmap in _bitmaps(pdf, None, scale=scale, grey=grey):
        buffer = io.BytesIO()
        image = bitmap.to_pil()
        (image.convert("L") if grey else image).save(buffer, format="PNG", optimize=False, compress_level=compress)
        images.append(buffer.getvalue())
    return images


def pictures(pdf: bytes, numbers=None, *, scale: float = 1.5):
    """(page number from 1, PNG) of the pages ``numbers`` (every page if None), in order, with
    the fast encoder (``png.py``: grey when the page has no colour)."""
    from circolari.review.png import png

    numbers = list(numbers) if numbers is not None else None
    for index, bitmap in enumerate(_bitmaps(pdf, numbers, scale=scale, rgb=True)):
        yield (numbers[index] if numbers is not None else index + 1), png(bitmap)


def _bitmaps(pdf: bytes, numbers, *, scale: float, grey: bool = False, rgb: bool = False):
    """The pypdfium2 bitmaps of the pages ``numbers`` (every page if None), in order."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        for number in (range(1, len(document) + 1) if numbers is None else numbers):
            pdf_page = document[number - 1]
            bitmap = pdf_page.render(scale=scale, grayscale=grey, rev_byteorder=rgb)
            try:
                yield bitmap
            finally:
                bitmap.close()
                pdf_page.close()
    finally:
        document.close()


PAGES_RECORD = "pagine.json"  # the key of each pagina-N.png (page_keys), to redraw only what changed
SCALE = 1.5


def _drawn(folder: Path) -> list[str]:
    """The keys of the pictures now in ``folder`` (from its record; none if unreadable)."""
    import json

    try:
        old = json.loads((folder / PAGES_RECORD).read_text(encoding="utf-8"))
        return list(old["pagine"]) if old.get("scala") == SCALE else []
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return []


def _stale(folder: Path, keys: list[str], old: list[str]) -> list[int]:
    """The pages (from 1) whose picture is missing or was drawn from other content."""
    return [n for n, key in enumerate(keys, start=1)
            if n > len(old) or old[n - 1] != key or not (folder / f"pagina-{n}.png").is_file()]


def write_pages(pdf: bytes, folder: Path, keys: list[str] | None = None) -> list[str]:
    """``pagina-N.png`` for every page of ``pdf``, redrawing only the pages whose content
    changed since the last call (``page_keys``, computed here unless given); return the keys."""
    import json

    from circolari.output import write_atomic
    from circolari.review.page_keys import page_keys

    keys = page_keys(pdf) if keys is None else keys
    stale = _stale(folder, keys, _drawn(folder))
    (folder / PAGES_RECORD).unlink(missing_ok=True)  # until the pictures below are written
    for number, png in pictures(pdf, stale, scale=SCALE):
        write_atomic(folder / f"pagina-{number}.png", png)
    for extra in folder.glob("pagina-*.png"):
        number = extra.stem.partition("-")[2]
        if not (number.isdigit() and 1 <= int(number) <= len(keys)):
            extra.unlink()
    write_atomic(folder / PAGES_RECORD, json.dumps({"scala": SCALE, "pagine": keys}).encode("utf-8"))
    return keys


def write_preview(rendered, folder: Path, *, refresh: int | None = None) -> Path:
    """Write the HTML rendering (in the PDF's font, with the PDF's page figures), the PDF, the
    page pictures and ``index.html`` into ``folder``; return the index. ``refresh`` (seconds):
    the page reloads itself (``preview --watch``)."""
    pending = write_page(rendered, folder, refresh=refresh)
    pending.draw()
    return pending.index


class Pending:
    """A preview page written before the pictures of its changed pages: :meth:`draw` draws them
    and writes the page again, now showing them."""

    def __init__(self, rendered, folder: Path, keys: list[str], refresh: int | None):
        self.rendered, self.folder, self.keys, self.refresh = rendered, folder, keys, refresh
        self.index = folder / "index.html"
        self.stale = _stale(folder, keys, _drawn(folder))

    def draw(self) -> None:
        write_pages(self.rendered.files[f"{self.rendered.name}.pdf"], self.folder, self.keys)
        self.stale = []
        _write_index(self)


def write_page(rendered, folder: Path, *, refresh: int | None = None) -> Pending:
    """What the clerk waits for after a save: the HTML rendering, the PDF and ``index.html``
    (the pages whose content changed keep their previous picture, marked «in aggiornamento»,
    until ``draw()`` of the returned :class:`Pending` draws them)."""
    from circolari.output import write_atomic
    from circolari.review.page_keys import page_keys

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = rendered.name
    pdf = rendered.files[f"{name}.pdf"]
    html = mark_page_ends(rendered.files[f"{name}.html"].decode("utf-8"), rendered.document, rendered.layout)
    html = fill_page_figures(html, rendered.pages, rendered.layout.fields())
    write_atomic(folder / f"{name}.html", with_policy(html.encode("utf-8")))
    write_atomic(folder / "stile.css", font_faces(folder) + rendered.files["stile.css"])
    write_atomic(folder / f"{name}.pdf", pdf)  # the PDF shown, never a stale one
    pending = Pending(rendered, folder, page_keys(pdf), refresh)
    _write_index(pending)
    return pending


def _write_index(pending: Pending) -> None:
    """``index.html``: links to the HTML and the PDF, the warnings, a figure per page."""
    rendered, folder, keys = pending.rendered, pending.folder, pending.keys
    name, old = rendered.name, _drawn(folder) if pending.stale else []
    width, height = _picture_size(rendered.files[f"{name}.pdf"])
    figures = []
    for number, key in enumerate(keys, start=1):
        caption = f"pagina {number} di {len(keys)}"
        if number in pending.stale:  # its previous picture, if any, until the new one is drawn
            caption += " · in aggiornamento"
            if number > len(old) or not (folder / f"pagina-{number}.png").is_file():
                figures.append(f'<figure><div class="assente"></div><figcaption>{caption}</figcaption></figure>')
                continue
            key = old[number - 1]
        file = url(f"pagina-{number}.png") + f"?v={key[:12]}"  # a redrawn page is fetched again
        figures.append(f'<figure><a href="{file}"><img src="{file}" alt="pagina {number}" loading="lazy" '
                       f'width="{width}" height="{height}"></a><figcaption>{caption}</figcaption></figure>')
    problems = rendered.warnings
    body = (f'<nav class="indice"><a href="{url(name + ".html")}">testo in HTML</a>'
            f'<a href="{url(name + ".pdf")}">PDF di queste pagine</a></nav>\n'
            + (f'<h2>Avvisi</h2>{_list(problems)}' if problems else "")
            + f'<h2>Pagine del PDF</h2>\n<div class="pagine grandi">{"".join(figures)}</div>')
    write_index(pending.index, page(f"Anteprima: {name}", pagine(len(keys)), body), pending.refresh)


def _picture_size(pdf: bytes) -> tuple[int, int]:
    """The first page picture's size in pixels (the browser keeps room for pictures not loaded yet)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        width, height = document.get_page_size(0) if len(document) else (595, 842)
    finally:
        document.close()
    return round(width * SCALE), round(height * SCALE)


def mark_page_ends(html: str, document, layout) -> str:
    """The act's HTML with, before the first body block drawn on a later page of the PDF, the
    page-number line of the footer of each page ending there («pagina 1 di 3»), as the PDF prints
    it at the foot of that page; the footer itself closes the HTML once, as the last page's."""
    from circolari.document.tree import Break, Field, Paragraph, Run

    numbered = next((b for b in document.footer if isinstance(b, Paragraph)
                     and any(isinstance(i, Field) and i.kind == "page" for i in b.inlines)), None)
    if numbered is None:
        return html

    def line(page: int) -> str:
        values = {"page": page, "pages": layout.pages, **layout.fields()}
        text = "".join(i.text if isinstance(i, Run) else " " if isinstance(i, Break) else i.text(values[i.kind])
                       for i in numbered.inlines)
        return f'<p class="fine-pagina" role="separator">{escape(text)}</p>'

    marks, ended = [], 1
    for at, first in zip(document.body_at, layout.body_pages):
        if at >= 0 and first is not None and first > ended:
            marks.append((at, "".join(line(n) for n in range(ended, first))))
            ended = first
    for at, mark in sorted(marks, reverse=True):
        html = html[:at] + mark + html[at:]
    return html


_FIELD = re.compile(r"<span\b([^<>]*)>\s*</span>")
_ATTR = re.compile(r'\b(data-campo|data-unita)="([^"]*)"')


def fill_page_figures(html: str, pages: int, fields: dict[str, int]) -> str:
    """The act's HTML with the PDF layout's figures in its empty ``data-campo`` spans: page
    counts as the PDF prints them; the footer, shown once at the end, is the last page's (the
    others' page numbers are where their page ends: :func:`mark_page_ends`)."""
    from circolari.document.tree import Field

    values = {"page": pages, "pages": pages, **fields}

    def fill(match: re.Match) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        value = values.get(attrs.get("data-campo", ""))
        if value is None:
            return match.group(0)
        unit = tuple(attrs["data-unita"].split("/", 1)) if "/" in attrs.get("data-unita", "") else None
        return f"<span{match.group(1)}>{escape(Field(attrs['data-campo'], unit=unit).text(value))}</span>"

    return _FIELD.sub(fill, html)


FONTS_FOLDER = "caratteri"


def font_faces(folder: Path) -> bytes:
    """Copy the PDF's font files beside the style sheet (once) and return their ``@font-face`` rules."""
    from circolari.output import write_atomic
    from circolari.document.styles import DOCX_FONT, FONT_FACES, font_file

    rules = []
    for face, (bold, italic) in FONT_FACES.items():
        source, target = font_file(face), folder / FONTS_FOLDER / f"TitilliumWeb-{face}.ttf"
        data = source.read_bytes()
        if not target.is_file() or target.stat().st_size != len(data):
            target.parent.mkdir(exist_ok=True)
            write_atomic(target, data)
        rules.append(f"@font-face {{ font-family: '{DOCX_FONT}'; src: url('{FONTS_FOLDER}/{target.name}') "
                     f"format('truetype'); font-weight: {'bold' if bold else 'normal'}; "
                     f"font-style: {'italic' if italic else 'normal'}; }}\n")
    return "".join(rules).encode("utf-8")


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
    old = sorted((p for p in folder.glob("pagina-*.png") if p.stem.partition("-")[2].isdigit()),
                 key=lambda p: int(p.stem.partition("-")[2]))
    figures = "".join(f'<figure><img src="{url(p.name)}" alt="{escape(p.name)}"><figcaption>{escape(p.stem)} '
                      "(versione precedente)</figcaption></figure>" for p in old)
    body = (f'<section class="scheda errore-anteprima"><h2>L\'atto non può essere generato</h2>'
            f'{problems_list(problems)}<p>Correggere il file e salvarlo: la pagina si aggiorna da sola.</p></section>'
            + (f'<h2>Ultime pagine generate</h2><div class="pagine grandi">{figures}</div>' if figures else ""))
    index = folder / "index.html"
    write_index(index, page(f"Anteprima: {name}", "errore", body), refresh)
    return index


def update(act: Path, project, folder: Path, *, report=print, refresh: int = 1) -> Pending | None:
    """What ``preview --watch`` does at each save, up to the page the clerk waits for: render the
    act, write its HTML, PDF and ``index.html`` (or the page of its errors: then None); the
    pictures of the changed pages are drawn by the returned :class:`Pending`."""
    from circolari.errors import CircolariError
    from circolari.render import render_act

    try:
        rendered = render_act(act, project, preview=True)
    except CircolariError as exc:
        write_error(folder, Path(act).stem, exc.problems, refresh=refresh)
        report(f"{act}: errore, vedere l'anteprima")
        return None
    pending = write_page(rendered, folder, refresh=refresh)
    report(f"{act}: {pagine(rendered.pages)} aggiornat{'a' if rendered.pages == 1 else 'e'}")
    return pending


def watch(act: Path, project, folder: Path, *, report=print, stop_event=None, refresh: int = 1,
          on_ready=None) -> None:
    """Re-render the act and rewrite its preview at every save of the act, its folder's tables,
    the templates or the registry, until ``stop_event`` is set (or Ctrl-C). ``on_ready(index)``
    is called once, after the first render (``--open`` opens the browser there, once: the page
    then reloads itself). One session per preview folder: the folder stays locked meanwhile."""
    import watchfiles

    from circolari.output import locked

    act, folder = Path(act), Path(folder)

    def once() -> None:
        pending = update(act, project, folder, report=report, refresh=refresh)
        if pending is not None:
            pending.draw()  # after the page: the clerk reads the text and the PDF meanwhile

    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder, message="un'anteprima --watch di questo atto è già in corso",
                hint="usare la pagina già aperta, che si aggiorna da sola, o chiudere l'altra anteprima (Ctrl-C)"):
        roots = {act.parent.resolve(), Path(project.templates).resolve(), Path(project.recipients).resolve()}
        out, started = folder.resolve(), False
        # The first render once the watcher is up (its first yield, within rust_timeout): a save made
        # while it renders is then seen, not lost until the next one.
        for changes in watchfiles.watch(*sorted(r for r in roots if r.is_dir()), stop_event=stop_event,
                                        debounce=200, step=50, rust_timeout=100, yield_on_timeout=True):
            if not started:
                started = True
                once()
                if on_ready is not None:
                    on_ready(folder / "index.html")
            elif any(not Path(path).resolve().is_relative_to(out) for _, path in changes):
                once()


OPEN_HINT = ("ogni --open apre di nuovo la pagina nel browser (di solito in una nuova scheda): con --watch la "
             "pagina resta una sola e si aggiorna a ogni salvataggio")


def open_in_browser(index: Path) -> None:
    """Show ``index`` in the browser, asking it to reuse its window (``new=0``; Chromium and
    Firefox open a tab all the same: ``--watch`` keeps one page, which reloads itself)."""
    import webbrowser

    webbrowser.open(Path(index).resolve().as_uri(), new=0)


def watched(folder: Path) -> bool:
    """Is a ``preview --watch`` session showing this folder (it holds the folder's lock)?"""
    import fcntl
    import os

    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken here
    return False


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
