"""Bench of the PEC mailing: prepare for 1,000 addressees, send 1,000 messages.

Run from the project root:  PYTHONPATH=src:tests python bench/bench_mail.py
The SMTP server (aiosmtpd, implicit TLS + AUTH, 127.0.0.1 only) runs in a separate
process so that client and server do not share one interpreter lock.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

N = 1000
PDF_PAD = 60_000  # bytes of padding: a signed act of about 60 KB


class _Counter:
    def __init__(self, queue):
        self.queue = queue
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        if self.n % 100 == 0:
            self.queue.put(self.n)
        return "250 2.0.0 Ok"


def _serve(queue, stop, cert, key):
    import logging
    import warnings

    warnings.simplefilter("ignore")

    from aiosmtpd.controller import Controller

    import mail_helpers as h

    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    class _C(Controller):
        def _trigger_server(inner):
            inner.port = inner.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    c = _C(_Counter(queue), hostname="127.0.0.1", port=0, ssl_context=ctx,
           authenticator=h._authenticator(h.Handler()), auth_required=True,
           auth_require_tls=False)
    c.start()
    queue.put(("port", c.port))
    stop.wait()
    c.stop()


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")
    import mail_helpers as h
    from circolari.mail.prepare import prepare
    from circolari.mail.send import send_batch
    from circolari.mail.smtp import SmtpSettings

    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    act = h.make_act(tmp, n=N, pad=PDF_PAD)
    pdf = tmp / "atto-firmato.pdf"
    pdf.write_bytes(h.pdf_bytes(True, pad=PDF_PAD))
    h.tls_files()

    t0 = time.perf_counter()
    prepare(act, pdf)
    t_prepare = time.perf_counter() - t0
    size = (act / "mail" / "areu.eml").stat().st_size
    print(f"prepare: {N} messaggi ({size / 1024:.0f} KB ciascuno) in {t_prepare:.2f} s "
          f"(obiettivo < 2 s)")

    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(queue, stop, *h.tls_files()), daemon=True)
    proc.start()
    while True:
        item = queue.get(timeout=30)
        if isinstance(item, tuple):
            port = item[1]
            break
    settings = SmtpSettings(host="127.0.0.1", port=port, security="ssl", user=h.USER,
                            password=h.PASSWORD, cafile=h.tls_files()[0], timeout=30)
    t0 = time.perf_counter()
    report = send_batch(act, settings)
    t_send = time.perf_counter() - t0
    stop.set()
    proc.join(10)
    print(f"send: {len(report.sent)} messaggi in {t_send:.2f} s "
          f"({len(report.sent) / t_send:.0f} msg/s, obiettivo < 10 s, TLS + AUTH, "
          f"nessun limite di velocità)")


if __name__ == "__main__":
    main()
