"""A deterministic zip (the DOCX package): fixed timestamps, members in the order given,
deflate level 1, the same bytes as ``zipfile`` writes for them, written once.

Members that every document shares (fonts, styles, theme) are compressed once per process:
``Member.shared`` keeps their deflated bytes, so a letter series does not deflate the same
fonts a thousand times.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_VERSION = 20           # deflate
_UNIX = 3               # "made by" system, as zipfile writes it on POSIX
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1 January 1980, 00:00 (time 0)
_MODE = 0o644 << 16


@dataclass(frozen=True)
class Member:
    """A member's name with its data already deflated."""

    name: bytes
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, name: str, data: bytes) -> Member:
        deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
        return cls(name.encode("ascii"), zlib.crc32(data), len(data), deflate.compress(data) + deflate.flush())


def write_zip(members: list[Member]) -> bytes:
    """The zip of ``members``, in their order."""
    out, central, offset = [], [], 0
    for m in members:
        head = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, 0, zlib.DEFLATED, 0, _DOS_DATE, m.crc, len(m.data),
                           m.size, len(m.name), 0)
        out += [head, m.name, m.data]
        central += [_CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, 0, zlib.DEFLATED, 0, _DOS_DATE,
                                  m.crc, len(m.data), m.size, len(m.name), 0, 0, 0, 0, _MODE, offset), m.name]
        offset += len(head) + len(m.name) + len(m.data)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(out) + directory + end
