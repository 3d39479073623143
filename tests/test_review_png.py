"""The preview's fast PNG encoder: pixel for pixel what pdfium drew, grey only when the page is."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from circolari.review.preview import pictures


def _pdf(colour: bool) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    page.setFont("Helvetica", 11)
    page.drawString(72, 760, "DELIBERA: tariffa di 195 euro al giorno")
    page.setFillColorRGB(0.1, 0.5, 0.2) if colour else page.setFillGray(0.4)
    page.rect(72, 600, 200, 80, fill=1)
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_pictures_are_pixel_identical_to_pdfium_and_grey_only_without_colour():
    import pypdfium2 as pdfium  # this test's only: not imported at collection in every worker
    from PIL import Image, ImageChops

    for colour, mode in ((True, "RGB"), (False, "L")):
        pdf = _pdf(colour)
        [(number, png)] = list(pictures(pdf, scale=1.5))
        picture = Image.open(io.BytesIO(png))
        picture.load()
        document = pdfium.PdfDocument(pdf)
        reference = document[0].render(scale=1.5).to_pil().convert("RGB")
        document.close()
        assert number == 1 and picture.mode == mode and picture.size == reference.size
        assert ImageChops.difference(picture.convert("RGB"), reference).getbbox() is None


def test_pictures_of_chosen_pages_keep_their_numbers():
    pdf = _pdf(False)
    assert [n for n, _ in pictures(pdf, [1], scale=0.5)] == [1]
