"""The DOCX is the same act as the PDF: the same embedded fonts, Italian, truthful properties,
and LibreOffice paginates it on the PDF's pages on a machine without the fonts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import DGR, NOTA, ROOT, run_cli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@pytest.fixture(scope="module")
def rendered(reference, tmp_path_factory) -> dict[str, Path]:
    """The reference acts' folders, and the DGR with a 168-row table (its real rows six times over)."""
    work = tmp_path_factory.mktemp("docx")
    for name in ("templates", "recipients", "examples"):
        shutil.copytree(ROOT / name, work / name)
    csv = work / "examples" / "dgr-xi-3681-2020-requisiti.csv"
    header, *rows = csv.read_text(encoding="utf-8").splitlines()
    rows = [r for r in rows if r.strip()]
    big = [re.sub(r"^(\w+)", rf"\g<1>-{copy}", row) for copy in range(1, 7) for row in rows][:168]
    assert len(big) == 168
    (work / "examples" / "tabella-168.csv").write_text("\n".join([header, *big]) + "\n", encoding="utf-8")
    dgr = (work / "examples" / DGR.name).read_text(encoding="utf-8")
    (work / "examples" / "dgr-168-righe.yaml").write_text(
        dgr.replace("dgr-xi-3681-2020-requisiti.csv", "tabella-168.csv"), encoding="utf-8")
    out = work / "out"
    result = run_cli("render", work / "examples" / "dgr-168-righe.yaml", "--out", out, cwd=work)
    assert result.exit_code == 0, result.output
    return {NOTA.stem: reference["circolare"].folder, DGR.stem: reference["delibera"].folder,
            "dgr-168-righe": out / "dgr-168-righe"}


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)


def test_docx_embeds_the_pdf_fonts_obfuscated_with_their_keys(rendered):
    from lxml import etree

    from circolari.writers.docx_package import obfuscate

    folder = rendered[NOTA.stem]
    import fontpkg_titillium_web

    with zipfile.ZipFile(folder / f"{NOTA.stem}.docx") as z:
        table = etree.fromstring(z.read("word/fontTable.xml"))
        rels = etree.fromstring(z.read("word/_rels/fontTable.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        fonts = table.findall(f"{W}font")
        assert [f.get(f"{W}name") for f in fonts] == ["Titillium Web"]
        faces = {}
        for embed in fonts[0]:
            if embed.tag.startswith(f"{W}embed"):
                data = z.read("word/" + targets[embed.get(f"{R}id")])
                key = embed.get(f"{W}fontKey")
                assert data[:4] != b"\x00\x01\x00\x00"  # obfuscated, not a plain TrueType file
                faces[embed.tag[len(W):]] = obfuscate(data, key)  # the same XOR undoes it
        settings = z.read("word/settings.xml").decode("utf-8")
        assert "<w:embedTrueTypeFonts/>" in settings
    files = fontpkg_titillium_web.ROOT / "files"
    assert faces == {f"embed{face}": (files / f"TitilliumWeb-{face}.ttf").read_bytes()
                     for face in ("Regular", "Bold", "Italic", "BoldItalic")}


def test_obfuscation_follows_ecma_376_key_order():
    from circolari.writers.docx_package import obfuscate

    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    font = bytes(range(40))
    expected = bytes(range(16, 0, -1))  # key bytes from the GUID string's end: FF EE ... 00
    mask = bytes.fromhex("FFEEDDCCBBAA99887766554433221100")
    assert obfuscate(font, key) == bytes(b ^ mask[i % 16] for i, b in enumerate(font[:32])) + font[32:]
    assert uuid.UUID(key).bytes[::-1] == mask and expected  # documented order


def test_docx_is_italian_and_its_properties_are_true(rendered):
    import docx

    from circolari import __version__
    from circolari.writers.docx_package import body_counts

    for name, folder in rendered.items():
        path = folder / f"{name}.docx"
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            styles = z.read("word/styles.xml").decode("utf-8")
            settings = z.read("word/settings.xml").decode("utf-8")
            app = z.read("docProps/app.xml").decode("utf-8")
        assert not [n for n in names if n.startswith("customXml/") or "stylesWithEffects" in n or "thumbnail" in n]
        langs = re.findall(r'<w:lang [^>]*/>', styles)
        assert langs and all('w:val="it-IT"' in lang and "en-US" not in lang for lang in langs)
        assert 'w:themeFontLang w:val="it-IT"' in settings and "en-US" not in settings
        document = docx.Document(str(path))
        assert document.core_properties.language == "it-IT"
        assert f"<Application>circolari {__version__}</Application>" in app
        assert f"<Pages>{_pages(folder / f'{name}.pdf')}</Pages>" in app
        words = int(re.search(r"<Words>(\d+)</Words>", app).group(1))
        text = " ".join(p.text for p in document.paragraphs)
        assert words == body_counts(document)["words"] and words >= len(text.split()) > 100


def test_libreoffice_paginates_each_docx_like_its_pdf_with_only_the_embedded_fonts(rendered, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (pacchetto libreoffice-writer-nogui) non installato")
    # No system font but LibreOffice's own symbols: every text font must come from the DOCX.
    fonts = next((p for p in (Path("/usr/share/fonts/truetype/libreoffice"),) if p.is_dir()), None)
    if fonts is None:
        pytest.skip("fonts-opensymbol non installato")
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{fonts}</dir>'
                    f'<cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>', encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(tmp_path)}
    docs = [folder / f"{name}.docx" for name, folder in rendered.items()]
    # A fresh profile, told it has seen a later LibreOffice: a first start "after an upgrade" runs
    # VCL's GraphicsRenderTests (~100 drawings checked, the log in user/), over half of soffice's
    # CPU here (1.9-2.7 -> 0.9-1.0 s); they test LibreOffice's drawing backend, not the DOCX.
    (tmp_path / "profile" / "user").mkdir(parents=True)
    (tmp_path / "profile" / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry">'
        '<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">'
        '<value>99.9</value></prop></item></oor:items>', encoding="utf-8")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "lo"), *map(str, docs)],
                   check=True, env=env, capture_output=True, timeout=600)
    assert not (tmp_path / "profile" / "user" / "GraphicsRenderTests.log").exists()  # the seed was read
    import pikepdf

    for name, folder in rendered.items():
        converted = tmp_path / "lo" / f"{name}.pdf"
        assert _pages(converted) == _pages(folder / f"{name}.pdf"), name
        with pikepdf.open(converted) as pdf:
            used = {str(font.get("/BaseFont")).split("+")[-1] for page in pdf.pages
                    for font in (page.Resources.get("/Font") or {}).values()}
        assert used and all(f.startswith("/TitilliumWeb") or f.startswith("TitilliumWeb") for f in used), used
    assert _pages(rendered["dgr-168-righe"] / "dgr-168-righe.pdf") > _pages(rendered[DGR.stem] / f"{DGR.stem}.pdf")


def test_dgr_page_statement_is_a_numpages_field_cached_with_the_pdf_figure(rendered):
    from lxml import etree

    folder = rendered[DGR.stem]
    with zipfile.ZipFile(folder / f"{DGR.stem}.docx") as z:
        body = etree.fromstring(z.read("word/document.xml"))
    statement = next(p for p in body.iter(f"{W}p") if "si compone di" in "".join(p.itertext()))
    runs = list(statement.iter(f"{W}r"))
    codes = [r.findtext(f"{W}instrText") for r in runs if r.find(f"{W}instrText") is not None]
    assert [c.strip() for c in codes] == ["NUMPAGES"]
    after = runs[[i for i, r in enumerate(runs) if r.find(f"{W}fldChar") is not None][1] + 1]
    assert after.findtext(f"{W}t") == str(_pages(folder / f"{DGR.stem}.pdf"))
