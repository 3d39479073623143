"""A new python-docx document per DOCX without parsing python-docx's template every time.

Most of a DOCX is the same for every act: styles, settings, font table, embedded fonts,
theme. ``new_document(setup)`` builds them once per process (python-docx's default
template, then ``setup``: our styles, fonts, language) and gives each new document its own
document, numbering and property parts (copies of the prepared ones) related to the
**shared** ones, which are never changed afterwards. ``package_bytes`` writes the zip once,
reusing the shared parts' deflated bytes. A letter series thus pays for the template once
per worker, not once per letter; the bytes are those of a document built from scratch.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from functools import lru_cache

from docx import Document as _template_document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part, XmlPart
from docx.package import Package

from circolari.writers.docx_compat import content_types_xml
from circolari.writers.zip_writer import Member, write_zip

_CONTENT_TYPES = "[Content_Types].xml"
_OWN = (RT.NUMBERING, RT.CORE_PROPERTIES, RT.EXTENDED_PROPERTIES)  # parts each document changes


@dataclass
class _Base:
    package: Package
    shared: frozenset                 # parts every document relates to and nobody changes
    members: dict                     # (part, "blob" | "rels") -> Member, filled once

    def member(self, part, what: str, name: str) -> Member:
        key = (part, what)
        if key not in self.members:
            self.members[key] = Member.of(name, part.blob if what == "blob" else part.rels.xml)
        return self.members[key]


@lru_cache(maxsize=2)
def _base(setup) -> _Base:
    document = _template_document()
    setup(document)
    package = document.part.package
    own = {rel.target_part for rels in (package.rels, document.part.rels) for rel in rels.values()
           if rel.reltype in _OWN}
    shared = frozenset(p for p in package.iter_parts() if p is not document.part and p not in own)
    return _Base(package, shared, {})


def _copy(part, package):
    if isinstance(part, XmlPart):
        return type(part)(part.partname, part.content_type, deepcopy(part.element), package)
    return Part(part.partname, part.content_type, part.blob, package)


def new_document(setup):
    """A python-docx Document prepared by ``setup`` (called once per process with the template
    document; it must only make what every document shares)."""
    base = _base(setup)
    package = Package()
    copies: dict = {}

    def target(part):
        if part in base.shared:
            return part
        if part not in copies:
            copies[part] = _copy(part, package)
            for rel_id, rel in part.rels.items():
                copies[part].rels.add_relationship(rel.reltype, target(rel.target_part), rel_id)
        return copies[part]

    for rel_id, rel in base.package.rels.items():
        package.rels.add_relationship(rel.reltype, target(rel.target_part), rel_id)
    package.circolari_base = base
    return package.main_document_part.document


def prepare(setup) -> None:
    """Make now what ``new_document(setup)`` and ``package_bytes`` make once per process: the
    prepared template and the shared parts' zip members (a render does it while its PDF is laid out)."""
    base = _base(setup)
    for part in base.shared:
        _shared_members(base, part)


def _shared_members(base: _Base, part) -> list[Member]:
    members = [base.member(part, "blob", part.partname.membername)]
    if len(part.rels):
        members.append(base.member(part, "rels", part.partname.rels_uri.membername))
    return members


def package_bytes(document) -> bytes:
    """The DOCX zip of ``document`` (made by ``new_document``): [Content_Types].xml first, then
    the members by name; fixed timestamps; shared parts deflated once per process."""
    package = document.part.package
    base = package.circolari_base
    parts = list(package.iter_parts())
    members = [Member.of(_CONTENT_TYPES, content_types_xml(parts)),
               Member.of("_rels/.rels", package.rels.xml)]
    for part in parts:
        if part in base.shared:
            members += _shared_members(base, part)
            continue
        members.append(Member.of(part.partname.membername, part.blob))
        if len(part.rels):
            members.append(Member.of(part.partname.rels_uri.membername, part.rels.xml))
    members.sort(key=lambda m: (m.name != _CONTENT_TYPES.encode(), m.name))
    return write_zip(members)
