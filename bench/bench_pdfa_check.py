"""Time the PDF/A-2 + PDF/UA clause check (``check_pdfa``) of the reference acts, in process.

Run: PYTHONPATH=src python bench/bench_pdfa_check.py
``verify`` runs it on every signed PDF and the tests on every act they finish. Printed beside, from
the same run (CPU ms, best of rounds): the floor, opening the PDF with pikepdf and one qpdf parse of
every page's content (the least a check of the content must do); and the rival, the PDF/UA content
walk over every instruction of a full parse (as before ``pdfua_check._READ``) instead of the
marked-content, painting and inline-image operators only. Then ``verify``'s reading of the
document (``verify_pdf.read_document``: claim, clauses, fonts, fields) beside the same with the
clauses checked on a second opening of the file (``check_pdfa(raw)``, as before ``check_open_pdfa``).
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

from timing import best  # bench/timing.py

ROOT = Path(__file__).resolve().parents[1]
ACTS = [ROOT / "examples" / "nota-plasma-iperimmune-2020.yaml", ROOT / "examples" / "dgr-xi-3681-2020.yaml"]


def main() -> None:
    import pikepdf

    from circolari.input.project import Project
    from circolari.pdf import pdfa_check, pdfua_check
    from circolari.pdf.pdfa_check import check_pdfa
    from circolari.signature.verify_pdf import read_document
    from circolari.render import render_act

    for act in ACTS:
        rendered = render_act(act, Project.locate(act))
        raw = rendered.files[f"{rendered.name}.pdf"]
        assert check_pdfa(raw) == [], check_pdfa(raw)

        def floor():
            with pikepdf.open(BytesIO(raw)) as doc:
                for page in doc.pages:
                    pikepdf.parse_content_stream(page, "BI ID EI")

        with pikepdf.open(BytesIO(raw)) as doc:
            owners = pdfua_check._parent_tree(doc.Root.StructTreeRoot.get("/ParentTree"))
            read = pdfua_check._READ
            walk, check = best(lambda: list(pdfua_check._content(doc, owners))), best(lambda: check_pdfa(raw))
            pdfua_check._READ = ""  # every instruction, as before
            try:
                every, check_every = best(lambda: list(pdfua_check._content(doc, owners))), best(lambda: check_pdfa(raw))
            finally:
                pdfua_check._READ = read
        print(f"{act.stem}: check_pdfa {check:.1f} ms, leggendo ogni istruzione {check_every:.1f} ms "
              f"(soglia: apertura e lettura del contenuto {best(floor):.1f} ms); "
              f"di cui controllo PDF/UA del contenuto {walk:.1f} ms (ogni istruzione: {every:.1f} ms)")
        once = best(lambda: read_document(raw))
        kept = pdfa_check.check_open_pdfa

        def reopened(raw, doc):  # check_pdfa(raw): the file opened again
            with pikepdf.open(BytesIO(raw)) as again:
                return kept(raw, again)

        pdfa_check.check_open_pdfa = reopened
        try:
            twice = best(lambda: read_document(raw))
        finally:
            pdfa_check.check_open_pdfa = kept
        print(f"{act.stem}: lettura del documento in verify {once:.1f} ms (aprendo il file due volte: {twice:.1f} ms)")


if __name__ == "__main__":
    sys.exit(main())
