"""The DOCX package around the text: embedded fonts, Italian language, truthful properties.

- **Fonts**: the PDF's family (Titillium Web) is embedded as Word embeds TrueType fonts
  (ECMA-376 Part 1 §17.8.1): each face an obfuscated part (``word/fonts/*.odttf``) whose first
  32 bytes are XORed with the key derived from the GUID in ``w:fontKey``, referenced by
  ``w:embedRegular``/``w:embedBold``/... in ``word/fontTable.xml``. Word and LibreOffice then
  lay the DOCX out with the PDF's metrics, on machines that lack the font.
- **Language**: it-IT in the default run properties, the theme font language and the core
  properties, so that Word checks the spelling in Italian.
- **Properties**: ``docProps/app.xml`` names circolari and gives the pages measured by the PDF
  and the body's words; python-docx's leftover parts (the bibliography ``customXml``, the Word
  2010 ``stylesWithEffects``, the thumbnail) are not written.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache
from html import escape  # not xml.sax.saxutils: it imports urllib.request, http, ssl, email

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from circolari import __version__
from circolari.document import styles as S
from circolari.writers.docx_compat import set_part_blob

LANGUAGE = "it-IT"
FONT_FAMILY = S.DOCX_FONT
FACES = {"Regular": "embedRegular", "Bold": "embedBold", "Italic": "embedItalic", "BoldItalic": "embedBoldItalic"}
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
_LEFTOVERS = (RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def obfuscate(font: bytes, key: str) -> bytes:
    """ECMA-376 §17.8.1: XOR the first 32 bytes with the GUID ``key``'s 16 bytes, last first
    (the same operation undoes it)."""
    mask = uuid.UUID(key).bytes[::-1]
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(font[:32]))
    return head + font[32:]


@lru_cache(maxsize=1)
def _faces() -> tuple[tuple[str, str, bytes], ...]:
    """(face, fontKey, obfuscated bytes) of each embedded face; keys derive from the font data."""
    out = []
    for face in FACES:
        data = S.font_file(face).read_bytes()
        key = "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"
        out.append((face, key, obfuscate(data, key)))
    return tuple(out)


def prepare_shared(document) -> None:
    """Fonts, language and parts: what every DOCX shares (made once per process, ``docx_base``)."""
    _drop_leftovers(document)
    _embed_fonts(document)
    _italian(document)


def finish_package(document, *, pages: int) -> None:
    """The properties of one ``document`` (a python-docx Document): language, pages, words."""
    document.core_properties.language = LANGUAGE
    _app_properties(document, pages)


def _drop_leftovers(document) -> None:
    for rels in (document.part.rels, document.part.package.rels):
        for rel_id, rel in list(rels.items()):
            if rel.reltype in _LEFTOVERS or rel.reltype == RT.THUMBNAIL:
                del rels[rel_id]
    settings = document.settings.element
    for tag in ("w:savePreviewPicture", "w:proofState"):  # no thumbnail; spelling not yet checked
        for el in settings.findall(qn(tag)):
            settings.remove(el)


def _embed_fonts(document) -> None:
    table = document.part.part_related_by(RT.FONT_TABLE)
    embeds = []
    for number, (face, key, blob) in enumerate(_faces(), start=1):
        part = Part(PackURI(f"/word/fonts/font{number}.odttf"), OBFUSCATED_FONT, blob, document.part.package)
        embeds.append(f'<w:{FACES[face]} r:id="{table.relate_to(part, RT.FONT)}" w:fontKey="{key}"/>')
    set_part_blob(table, (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<w:fonts xmlns:w="{_W}" xmlns:r="{_R}">'
        f'<w:font w:name="{escape(FONT_FAMILY, quote=False)}"><w:charset w:val="00"/><w:family w:val="swiss"/>'
        f'<w:pitch w:val="variable"/>{"".join(embeds)}</w:font></w:fonts>').encode("utf-8"))
    settings = document.settings.element
    if settings.find(qn("w:embedTrueTypeFonts")) is None:
        embed = OxmlElement("w:embedTrueTypeFonts")
        anchor = settings.find(qn("w:zoom"))
        if anchor is None:
            settings.insert(0, embed)
        else:
            anchor.addnext(embed)


def _italian(document) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT_FAMILY)
    for lang in document.styles.element.iter(qn("w:lang")):
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)
    settings = document.settings.element
    for lang in settings.findall(qn("w:themeFontLang")):
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), LANGUAGE)
    for tag, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        for el in settings.findall(qn(tag)):
            el.set(qn("w:val"), value)


def body_counts(document) -> dict[str, int]:
    """Words and characters of the body, counted as Word does (headers and footers excluded)."""
    paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t")))
                  for p in document.element.body.iter(qn("w:p"))]
    paragraphs = [p for p in paragraphs if p.strip()]
    text = "\n".join(paragraphs)
    return {"words": len(text.split()), "characters": len(text) - sum(map(str.isspace, text)),
            "characters_with_spaces": len(text.replace("\n", "")), "paragraphs": len(paragraphs)}


def _app_properties(document, pages: int) -> None:
    counts = body_counts(document)
    app = document.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    set_part_blob(app, (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<TotalTime>0</TotalTime><Pages>{pages}</Pages><Words>{counts['words']}</Words>"
        f"<Characters>{counts['characters']}</Characters>"
        f"<Application>{escape(f'circolari {__version__}', quote=False)}</Application><DocSecurity>0</DocSecurity>"
        f"<Paragraphs>{counts['paragraphs']}</Paragraphs><ScaleCrop>false</ScaleCrop>"
        "<LinksUpToDate>false</LinksUpToDate>"
        f"<CharactersWithSpaces>{counts['characters_with_spaces']}</CharactersWithSpaces>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>").encode("utf-8"))
