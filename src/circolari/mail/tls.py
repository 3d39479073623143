"""The TLS context of the mail clients (SMTP, IMAP): certificates always verified."""

from __future__ import annotations

import ssl

from circolari.errors import fail


def client_context(cafile: str | None, *, field: str) -> ssl.SSLContext:
    """The system's CAs, or only those of ``cafile`` when given (a PEM bundle, for test or
    private servers: it replaces the system's, it does not add to them); host name and
    certificate are always checked."""
    try:
        return ssl.create_default_context(cafile=cafile or None)
    except (OSError, ssl.SSLError) as exc:
        raise fail(f"certificati CA non leggibili ({exc})", file=cafile, field=field,
                   hint="indicare un file PEM di certificati CA") from None
