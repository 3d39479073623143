"""python-docx's private elements (``writers/docx_compat.py``): an upgrade that moves them fails here."""

from __future__ import annotations


def test_python_docx_private_elements_are_where_the_writer_expects():
    from circolari.writers.docx_compat import check

    check()
