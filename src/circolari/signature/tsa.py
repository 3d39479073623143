"""The time-stamping authority's client of a PAdES B-T signature: one RFC 3161 request, one HTTP
POST through the standard library.

pyHanko's ``HTTPTimeStamper`` makes the same POST through aiohttp, whose import (with yarl,
multidict and its SSL contexts) costs a cold ``circolari sign --tsa`` about a third of a second.
As pyHanko's client: certifi's certificate authorities for HTTPS, no proxy from the environment,
the reply refused unless it is ``application/timestamp-reply``, and unlike it, refused past
``MAX_REPLY`` bytes (a service cannot fill the memory); pyHanko checks its content (status,
nonce). Every failure is an ``OSError`` (pyHanko's ``TimestampRequestError``), which ``pades``
reports in Italian with the address.
"""

from __future__ import annotations

from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

REPLY_TYPE = "application/timestamp-reply"
MAX_REPLY = 1 << 20  # bytes read at most: a token with its authority's chain is a few kilobytes


def network_problem(exc: OSError) -> str:
    """What went wrong in reaching the service, in Italian (``exc``: urllib's error)."""
    import socket
    import ssl
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"il servizio ha risposto con l'errore HTTP {exc.code}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return "tempo di attesa scaduto (il servizio non risponde)"
    if isinstance(reason, ConnectionRefusedError):
        return "connessione rifiutata"
    if isinstance(reason, socket.gaierror):
        return "nome del servizio sconosciuto"
    if isinstance(reason, ssl.SSLError):
        return f"errore TLS ({getattr(reason, 'reason', None) or reason})"
    return f"errore di rete ({reason})"


class UrllibTimeStamper(TimeStamper):
    """pyHanko's time-stamper over ``urllib.request`` (see the module's docstring)."""

    def __init__(self, url: str, timeout: float):
        super().__init__()
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req):
        import http.client
        import ssl
        import urllib.request

        import certifi
        from asn1crypto import tsp

        scheme = self.url.partition(":")[0].lower()
        if scheme not in ("http", "https"):  # never file: or ftp:, which urllib would open too
            raise TimestampRequestError("indirizzo non valido: deve iniziare con http:// o https://")
        handlers = [urllib.request.ProxyHandler({})]
        if scheme == "https":
            handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=certifi.where())))
        opener = urllib.request.build_opener(*handlers)
        try:
            request = urllib.request.Request(self.url, data=req.dump(), headers=set_tsp_headers({}), method="POST")
            with opener.open(request, timeout=self.timeout) as response:  # HTTP errors raise
                kind, data = response.headers.get("Content-Type"), response.read(MAX_REPLY + 1)
        except ValueError:  # urllib's refusal of the address ("http:///x")
            raise TimestampRequestError("indirizzo non valido: deve iniziare con http:// o https://") from None
        except http.client.HTTPException as exc:
            raise TimestampRequestError(f"risposta HTTP non valida ({exc.__class__.__name__})") from None
        except OSError as exc:
            raise TimestampRequestError(network_problem(exc)) from None
        if len(data) > MAX_REPLY:
            raise TimestampRequestError(f"risposta troppo grande (oltre {MAX_REPLY // 1024} KiB)")
        if kind != REPLY_TYPE:
            raise TimestampRequestError(f"il servizio non ha risposto con una marca temporale ({kind})")
        try:
            return tsp.TimeStampResp.load(data, strict=True)
        except ValueError:
            raise TimestampRequestError("la risposta del servizio non è una marca temporale leggibile") from None
