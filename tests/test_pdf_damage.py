"""An unreadable PDF is described by qpdf's reason, never by the name of a Python object."""

from __future__ import annotations

from conftest import run_cli

from circolari.pdf.pdfa_check import check_pdfa

NO_TRAILER = b"%PDF-1.7\ngarbage /ByteRange [0 1 2 3]\n"
NO_KIDS = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_verify_of_a_damaged_pdf_names_no_python_object(tmp_path):
    for name, raw, reason in (("troncato.pdf", NO_TRAILER, "unable to find trailer dictionary"),
                              ("senza-pagine.pdf", NO_KIDS, "root of pages tree has no /Kids array")):
        path = tmp_path / name
        path.write_bytes(raw)
        result = run_cli("verify", path)
        assert result.exit_code == 1, result.output
        line = next(line for line in result.output.splitlines() if "danneggiato o troncato" in line)
        assert reason in line
        assert "BytesIO" not in line and "0x" not in line and "stream <" not in line
        assert "Esito: NON VALIDO" in result.output


def test_pdfa_check_of_bytes_that_are_no_pdf_names_no_python_object():
    (failure,) = [f for f in check_pdfa(NO_TRAILER) if f.clause == "6.1"]
    assert "unable to find trailer dictionary" in failure.message
    assert "BytesIO" not in failure.message and "0x" not in failure.message
