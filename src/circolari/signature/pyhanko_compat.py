"""pyHanko's private metadata hook, overridden here and nowhere else.

On every incremental update (a signature) pyHanko rewrites the Info dictionary and the XMP
packet through the private ``_update_meta`` (called by ``_prep_dom_for_writing`` when it
writes), in ways PDF/A refuses: Info and XMP out of step, an orphan XMP copy, PDF 2.0
declared for ECDSA. ``pdfa_writer_class`` replaces the hook; ``check()`` states what it
assumes and ``tests/test_signature_pyhanko_compat.py`` runs it (pyproject.toml pins pyHanko for the same reason).
"""

from __future__ import annotations

from datetime import datetime, timezone


def pdfa_writer_class():
    """pyHanko's IncrementalPdfFileWriter, keeping Info and XMP in step and the PDF version at 1.7 (PDF/A)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR

    from circolari.pdf.xmp import bump_xmp, pdf_date

    class PdfaIncrementalWriter(IncrementalPdfFileWriter):
        # PDF/A-2 is PDF 1.7: pyHanko would declare 2.0 for ECDSA (ISO 32002).
        def ensure_output_version(self, version):
            super().ensure_output_version(min(tuple(version), (1, 7)))

        def register_extension(self, ext):
            if str(ext.base_version) != "/2.0":
                super().register_extension(ext)

        def _update_meta(self):
            when = datetime.now(timezone.utc).astimezone().replace(microsecond=0)
            producer = VENDOR
            if self._info is not None:
                info = self._info.get_object()
                old = str(info.get("/Producer", "")) if "/Producer" in info else ""
                producer = old if VENDOR in old else "; ".join(p for p in (old, VENDOR) if p)
                info["/Producer"] = generic.TextStringObject(producer)
                info["/ModDate"] = generic.TextStringObject(pdf_date(when))
                self.mark_update(self._info)
            if "/Metadata" not in self.root:
                return
            old_xmp = self.root["/Metadata"].data
            stream = generic.StreamObject(
                {"/Type": generic.pdf_name("/Metadata"), "/Subtype": generic.pdf_name("/XML")},
                stream_data=bump_xmp(old_xmp, modified=when, producer=producer),
            )
            ref = self.root.raw_get("/Metadata")
            if isinstance(ref, generic.IndirectObject):  # same object number: no orphan copy
                self.objects[(ref.generation, ref.idnum)] = stream
            else:
                self.root["/Metadata"] = self.add_object(stream)
                self.update_root()

    return PdfaIncrementalWriter




def check() -> None:
    """Raise AssertionError if pyHanko no longer writes through the hook overridden here."""
    import inspect

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    assert callable(getattr(IncrementalPdfFileWriter, "_update_meta", None)), "pyHanko's _update_meta is gone"
    assert "self._update_meta()" in inspect.getsource(IncrementalPdfFileWriter._prep_dom_for_writing), \
        "pyHanko no longer calls _update_meta when it writes"
