"""What qpdf says is wrong with an unreadable PDF, in words a clerk can read."""

from __future__ import annotations

import re

# qpdf names its input first; for bytes in memory that name is Python's repr of the stream
# ("stream <_io.BytesIO object at 0x…>"), then maybe "(object N G, offset K)", then ": ".
_STREAM_NAME = re.compile(r"^stream <[^>]*>(?: \(([^)]*)\))?: ")


def qpdf_reason(exc: Exception) -> str:
    """The reason in ``exc`` (a pikepdf.PdfError) without the Python object qpdf named."""
    text = str(exc)
    match = _STREAM_NAME.match(text)
    if not match:
        return text
    return text[match.end():] + (f" ({match.group(1)})" if match.group(1) else "")
