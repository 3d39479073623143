"""Writers: the document tree to PDF, DOCX and plain text."""
