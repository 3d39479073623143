"""Batch PEC mailing of a rendered act: prepare, send, import receipts, report status.

Driven only by the render's ``out/<act>/manifest.json``; everything it produces lives
under ``out/<act>/mail/``. See ``docs/mail.md``.
"""
