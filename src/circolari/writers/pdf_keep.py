"""A signature block never alone on a page: it stays with the closing formula and at least the
last two lines of the paragraph before them.

ReportLab's ``keepWithNext`` keeps whole flowables together; ``_KeepTail`` instead lets the
paragraph break, carrying its last ``LINES`` lines over with what follows.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, PageBreak
from reportlab.platypus import Paragraph as RLParagraph

LINES = 2


class _KeepTail(Flowable):
    """``paragraph`` followed by ``following`` (small: closing formula, signature block)."""

    def __init__(self, paragraph: RLParagraph, following: list):
        super().__init__()
        self.paragraph, self.following = paragraph, following

    def _height(self, flowable, width: float, height: float) -> float:
        h = flowable.wrapOn(self.canv, width, height)[1]
        if isinstance(flowable, KeepTogether):
            h = flowable._H  # its wrap answers "too tall" on purpose, to be asked to split
        return h + flowable.getSpaceBefore() + flowable.getSpaceAfter()

    def wrap(self, aw, ah):
        # never drawn itself: always asked to split, into flowables placed one by one
        self.width, self.height = aw, ah + 1
        return self.width, self.height

    def split(self, aw, ah):
        parts = [self.paragraph, *self.following]
        total = sum(self._height(f, aw, ah) for f in parts) - parts[-1].getSpaceAfter()  # may pass the foot
        if total <= ah:
            return parts
        leading = self.paragraph.style.leading
        own = self._height(self.paragraph, aw, ah)
        head = self.paragraph.splitOn(self.canv, aw, min(ah, own - self.paragraph.getSpaceAfter() - LINES * leading))
        if len(head) == 2:  # the paragraph breaks: its last lines go over with what follows
            return [head[0], PageBreak(), head[1], *self.following]
        frame = getattr(self, "_frame", None)
        if getattr(frame, "_atTop", False):
            return parts  # already at the top of a page: nothing to gain from a break
        return [PageBreak(), *parts]  # too short to break: the whole paragraph goes over


def keep_tail(out: list) -> None:
    """Wrap the end of ``out`` (…, paragraph, keep-with-next paragraphs, signature group) so that
    the group is never alone on a page."""
    end = len(out) - 1
    start = end
    while start > 0 and isinstance(out[start - 1], RLParagraph) and out[start - 1].style.keepWithNext:
        start -= 1
    if start == 0 or type(out[start - 1]) is PageBreak or not isinstance(out[start - 1], RLParagraph):
        return
    out[start - 1:] = [_KeepTail(out[start - 1], out[start:])]
