"""The DOCX writer builds the parts every document shares once per process (docx_base) and
writes its zip itself (zip_writer): same bytes as zipfile, shared parts never changed."""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import EXAMPLES, NOTA


def test_zip_writer_writes_the_bytes_zipfile_writes():
    from circolari.writers.zip_writer import Member, write_zip

    members = {"[Content_Types].xml": b"<Types/>", "word/a.xml": b"<a>" + b"testo " * 500 + b"</a>", "vuoto": b""}
    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w") as target:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data, compresslevel=1)
    written = write_zip([Member.of(name, data) for name, data in members.items()])
    assert written == expected.getvalue()
    assert {n: zipfile.ZipFile(io.BytesIO(written)).read(n) for n in members} == members


def _docx(act):
    from circolari.input.project import Project
    from circolari.render import render_act

    rendered = render_act(act, Project.locate(act.parent))
    return next(data for name, data in rendered.files.items() if name.endswith(".docx"))


def test_docx_written_after_other_acts_is_the_same_and_shared_parts_stay_unchanged():
    from circolari.writers import docx_base
    from circolari.writers.docx import _prepare_template
    from circolari.writers.zip_writer import Member

    first = _docx(NOTA)
    _docx(EXAMPLES / "dgr-xi-3681-2020.yaml")  # tables, lists, annexes: every part of the writer
    assert _docx(NOTA) == first
    base = docx_base._base(_prepare_template)
    assert base.members, "the shared parts were not reused"
    for (part, what), member in base.members.items():
        assert Member.of(member.name.decode(), part.blob if what == "blob" else part.rels.xml) == member, member.name
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names[0] == "[Content_Types].xml" and "word/fonts/font1.odttf" in names and "word/styles.xml" in names


@pytest.mark.parametrize("text", ["parola", " spazi ai lati ", "", "a\tb", "riga\nnuova"])
@pytest.mark.parametrize("bold, italic, underline", [(False, False, False), (True, False, False),
                                                     (False, True, True), (True, True, True)])
def test_fast_run_is_the_xml_python_docx_writes(text, bold, italic, underline):
    from docx import Document

    from circolari.writers.docx import _add_run

    document = Document()
    expected, fast = document.add_paragraph(), document.add_paragraph()
    run = expected.add_run(text)
    run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
    _add_run(fast, text, bold=bold, italic=italic, underline=underline)
    assert fast._p.xml == expected._p.xml
