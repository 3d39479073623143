"""Just enough MIME for receipts: split a multipart body at its boundary, find an
attachment by file name, without building the whole message tree.

The stdlib parser builds every part and compiles a regular expression for each new
boundary (each receipt has its own): reading thousands of receipts, that was most of
the time. Headers are still read by the stdlib (``BytesHeaderParser``), one part at a
time; only the part sought is decoded. Input is CRLF (``smime`` canonicalises it).
"""

from __future__ import annotations

from email import policy as email_policy
from email.parser import BytesHeaderParser

_HEADERS = BytesHeaderParser(policy=email_policy.compat32)


def split_head(entity: bytes) -> tuple[bytes, bytes]:
    """``(header block, body)`` of an entity; the header block ends with one CRLF."""
    if entity.startswith(b"\r\n"):
        return b"", entity[2:]
    end = entity.find(b"\r\n\r\n")
    if end < 0:
        return entity, b""
    return entity[:end + 2], entity[end + 4:]


def headers(entity: bytes):
    """The headers of ``entity`` (compat32 message without a body)."""
    return _HEADERS.parsebytes(split_head(entity)[0] + b"\r\n")


def parts(body: bytes, boundary: str) -> list[bytes]:
    """The body parts of a multipart body, exactly as delimited (RFC 2046 §5.1.1): a
    delimiter is ``--boundary`` at the start of a line, then optional spaces or tabs and
    CRLF (``--`` after it for the last one); the CRLF before it belongs to it. A line
    that only begins like the delimiter (a longer boundary) is content. Without a
    closing delimiter the last part runs to the end, as the stdlib reads it."""
    delimiter = b"\r\n--" + boundary.encode("ascii", "replace")
    text = b"\r\n" + body
    found: list[bytes] = []
    start = None
    pos = 0
    while True:
        i = text.find(delimiter, pos)
        if i < 0:
            break
        j = i + len(delimiter)
        closing = text.startswith(b"--", j)
        k = j + 2 if closing else j
        while text[k:k + 1] in (b" ", b"\t"):
            k += 1
        if not (text.startswith(b"\r\n", k) or k == len(text)):
            pos = j                      # e.g. "--boundary-2": not this delimiter
            continue
        if start is not None:
            found.append(text[start:i])
        if closing:
            return found
        start = pos = k + 2
    if start is not None and start <= len(text):
        found.append(text[start:])
    return found


def find_attachment(entity: bytes, filename: str) -> bytes | None:
    """The decoded content of the first part named ``filename`` (Content-Disposition
    or Content-Type name), in this entity or its nested multiparts; attached messages
    (``message/rfc822``, e.g. postacert.eml) are not entered."""
    end = entity.find(b"\r\n\r\n")
    block = (entity if end < 0 else entity[:end]).lower()
    if not any(token in block for token in (filename.lower().encode("ascii", "replace"),
                                             b"multipart", b"*=", b"=?")):
        return None        # neither named so (plainly or encoded) nor a multipart
    head, body = split_head(entity)
    msg = _HEADERS.parsebytes(head + b"\r\n")
    if (msg.get_filename() or "").lower() == filename.lower():
        msg.set_payload(body)            # decoded by its Content-Transfer-Encoding
        return msg.get_payload(decode=True)
    boundary = msg.get_boundary()
    if msg.get_content_maintype() != "multipart" or not boundary:
        return None
    for part in parts(body, boundary):
        found = find_attachment(part, filename)
        if found is not None:
            return found
    return None
