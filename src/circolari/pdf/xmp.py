"""XMP metadata for PDF/A: build the packet, read it back, bump it after an edit.

Predefined schemas are used (dc, xmp, pdf, pdfaid); a tagged PDF also claims
PDF/UA-1 (pdfuaid), which PDF/A-2 requires to be described by an extension schema.  Dates are written identically in the XMP
packet and in the Info dictionary (see :func:`pdf_date`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape  # not xml.sax.saxutils: it imports urllib.request, http, ssl, email

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}
_UA_EXTENSION = (
    '  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\n'
    '   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    '<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>'
    f'<pdfaSchema:namespaceURI>{NS["pdfuaid"]}</pdfaSchema:namespaceURI>'
    '<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>'
    '<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    '<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>'
    '<pdfaProperty:category>internal</pdfaProperty:category>'
    '<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>'
    '</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>\n'
    '  </rdf:Description>\n'
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_HEADER = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_TRAILER = '\n<?xpacket end="w"?>'


@dataclass
class XmpInfo:
    """The XMP properties that PDF/A ties to the Info dictionary, plus pdfaid."""

    title: str | None = None
    creator: list[str] = field(default_factory=list)
    description: str | None = None
    keywords: str | None = None
    producer: str | None = None
    creator_tool: str | None = None
    create_date: str | None = None
    modify_date: str | None = None
    metadata_date: str | None = None
    part: str | None = None
    conformance: str | None = None
    ua_part: str | None = None  # pdfuaid:part, the PDF/UA part claimed


def clean_text(text: str) -> str:
    """Collapse whitespace and control characters so XMP and Info hold the same text."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def xmp_date(when: datetime) -> str:
    """ISO 8601 date with offset, to the second: 2024-03-05T10:00:00+01:00."""
    return when.replace(microsecond=0).isoformat()


def pdf_date(when: datetime) -> str:
    """PDF date string of the same instant and offset: D:20240305100000+01'00'."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hh:02d}'{mm:02d}'"


def build_xmp(
    *,
    title: str,
    author: str,
    subject: str,
    keywords: str,
    producer: str,
    creator_tool: str,
    date: datetime,
    lang: str,
    tagged: bool = False,
) -> bytes:
    """Serialise a PDF/A-2b XMP packet (PDF/A-2a and PDF/UA-1 if ``tagged``);
    empty subject/keywords are left out."""
    stamp = xmp_date(date)
    def e(text: str) -> str:
        return escape(text, quote=False)

    props = [
        "<pdfaid:part>2</pdfaid:part>",
        f"<pdfaid:conformance>{'A' if tagged else 'B'}</pdfaid:conformance>",
        *(["<pdfuaid:part>1</pdfuaid:part>"] if tagged else []),
        "<dc:format>application/pdf</dc:format>",
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>',
        f"<dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>",
        f"<dc:language><rdf:Bag><rdf:li>{e(lang)}</rdf:li></rdf:Bag></dc:language>",
    ]
    if subject:
        props.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}'
            "</rdf:li></rdf:Alt></dc:description>"
        )
    if keywords:
        props.append(f"<pdf:Keywords>{e(keywords)}</pdf:Keywords>")
    props += [
        f"<pdf:Producer>{e(producer)}</pdf:Producer>",
        f"<xmp:CreatorTool>{e(creator_tool)}</xmp:CreatorTool>",
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{stamp}</xmp:ModifyDate>",
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>",
    ]
    prefixes = ("dc", "xmp", "pdf", "pdfaid", *(("pdfuaid",) if tagged else ()))
    xmlns = " ".join(f'xmlns:{p}="{NS[p]}"' for p in prefixes)
    body = (
        f'<x:xmpmeta xmlns:x="{NS["x"]}">\n'
        f' <rdf:RDF xmlns:rdf="{NS["rdf"]}">\n'
        f'  <rdf:Description rdf:about="" {xmlns}>\n   '
        + "\n   ".join(props)
        + "\n  </rdf:Description>\n" + (_UA_EXTENSION if tagged else "") + " </rdf:RDF>\n</x:xmpmeta>"
    )
    return (_HEADER + body + _TRAILER).encode("utf-8")


def _parse(packet: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(packet, parser)


def _text(node) -> str | None:
    """Value of a simple property, or the x-default/first item of an array."""
    items = node.findall(f"{{{NS['rdf']}}}*/{{{NS['rdf']}}}li")
    if not items:
        return node.text.strip() if node.text and node.text.strip() else (node.text or "")
    for item in items:
        if item.get(_XML_LANG) == "x-default":
            return item.text or ""
    return items[0].text or ""


def read_xmp(packet: bytes) -> XmpInfo:
    """Parse an XMP packet; raises ValueError if it is not well-formed XML/RDF."""
    try:
        root = _parse(packet)
    except Exception as exc:  # lxml.etree.XMLSyntaxError and friends
        raise ValueError(str(exc)) from exc
    info = XmpInfo()
    wanted = {
        (NS["dc"], "title"): "title",
        (NS["dc"], "description"): "description",
        (NS["pdf"], "Keywords"): "keywords",
        (NS["pdf"], "Producer"): "producer",
        (NS["xmp"], "CreatorTool"): "creator_tool",
        (NS["xmp"], "CreateDate"): "create_date",
        (NS["xmp"], "ModifyDate"): "modify_date",
        (NS["xmp"], "MetadataDate"): "metadata_date",
        (NS["pdfaid"], "part"): "part",
        (NS["pdfaid"], "conformance"): "conformance",
        (NS["pdfuaid"], "part"): "ua_part",
    }
    descriptions = root.iter(f"{{{NS['rdf']}}}Description")
    found = False
    for desc in descriptions:
        found = True
        for key, value in desc.attrib.items():  # abbreviated form: pdfaid:part="2"
            ns, _, local = key[1:].partition("}") if key.startswith("{") else ("", "", key)
            if (ns, local) in wanted:
                setattr(info, wanted[(ns, local)], value)
        for child in desc:
            if not isinstance(child.tag, str) or not child.tag.startswith("{"):
                continue
            ns, _, local = child.tag[1:].partition("}")
            if (ns, local) == (NS["dc"], "creator"):
                info.creator = [li.text or "" for li in child.iter(f"{{{NS['rdf']}}}li")]
            elif (ns, local) in wanted:
                setattr(info, wanted[(ns, local)], _text(child))
    if not found:
        raise ValueError("nessun rdf:Description nel pacchetto XMP")
    return info


def bump_xmp(packet: bytes, *, modified: datetime, producer: str) -> bytes:
    """Return the packet with ModifyDate, MetadataDate and Producer replaced."""
    from lxml import etree

    root = _parse(packet)
    descriptions = list(root.iter(f"{{{NS['rdf']}}}Description"))
    stamp = xmp_date(modified)
    for ns, local, value in (
        ("xmp", "ModifyDate", stamp),
        ("xmp", "MetadataDate", stamp),
        ("pdf", "Producer", producer),
    ):
        tag = f"{{{NS[ns]}}}{local}"
        for desc in descriptions:
            desc.attrib.pop(tag, None)
        node = next((n for d in descriptions for n in d.findall(tag)), None)
        if node is None:
            node = etree.SubElement(descriptions[0], tag, nsmap={ns: NS[ns]})
        node.text = value
    body = etree.tostring(root, encoding="unicode")
    return (_HEADER + body + _TRAILER).encode("utf-8")


def parse_xmp_date(text: str | None) -> datetime | None:
    """Parse an XMP (ISO 8601) date; None if absent or malformed."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_pdf_date(text: str | None) -> datetime | None:
    """Parse a PDF date string (D:YYYYMMDDHHmmSSOHH'mm', ISO 32000 §7.9.4) with pikepdf's decoder;
    None if absent or malformed. (Writing stays ``pdf_date``: pikepdf's encoder drops the closing
    apostrophe of the offset, and the bytes of the PDF must not change.)"""
    from pikepdf.models.metadata import decode_pdf_date

    try:
        return decode_pdf_date((text or "").strip())
    except ValueError:
        return None
