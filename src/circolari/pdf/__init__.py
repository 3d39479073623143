"""PDF/A and PDF/UA: finishing, XMP, font subsets, the clause checkers, one walk over a PDF."""
