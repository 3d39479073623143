"""What the PDF layout learnt about an act, as plain data (no ReportLab): the DOCX, the text,
the preview and the review read it, also when the PDF was laid out in another process."""

from __future__ import annotations

from dataclasses import dataclass, field

from circolari.document import styles as S


@dataclass
class Layout:
    """Page count, where allegati start, where signature blocks sit, what each page draws."""

    pages: int = 0
    annex_start: int | None = None
    signatures: dict[str, tuple[int, tuple[float, float, float, float]]] = field(default_factory=dict)
    # the structure elements and their marked content (a pdf_tags.Tagger), if tagged: used up
    # when the PDF is finished, so a layout sent from another process goes without it
    structure: object | None = None
    body_pages: list[int | None] = field(default_factory=list)  # first page of each body block (tagged only)
    # (page, text) of each piece of content drawn, page by page in drawing order (a review
    # takes the page of each word from here, not from the PDF's text); none if untagged
    drawn: list[tuple[int, str]] = field(default_factory=list)
    # body frame: distance from the page's top on the first and later pages, from its bottom
    # (the DOCX takes its margins from these, so that both paginate alike)
    frame: tuple[float, float, float] = (S.MARGIN_TOP, S.MARGIN_TOP, S.MARGIN_BOTTOM)

    @property
    def annex_pages(self) -> int:
        return self.pages - self.annex_start + 1 if self.annex_start else 0

    def fields(self) -> dict[str, int]:
        return {"act-pages": self.pages, "annex-pages": self.annex_pages}
