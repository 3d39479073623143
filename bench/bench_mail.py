"""Bench of the PEC mailing: prepare 5,000 messages (time and peak memory), send 1,000
over loopback TLS, import 2,000 signed receipts from an mbox. Each figure is printed
beside its goal and a floor measured in the same run.

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

N = 1000            # messages sent
N_PREPARE = 5000
N_RECEIPTS = 2000
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

    from helpers import mail as h

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


def _prepare_child(queue, n, pad) -> None:
    """prepare() of n messages in a fresh process: its time and peak RSS."""
    import resource
    import warnings

    warnings.simplefilter("ignore")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    from helpers import mail as h
    from circolari.mail.prepare import prepare
    from circolari.output import write_atomic

    tmp = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    act = h.make_act(tmp, n=n, pad=pad)
    pdf = tmp / "atto-firmato.pdf"
    pdf.write_bytes(h.pdf_bytes(True, pad=pad))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    prepare(act, pdf)
    t = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = (act / "mail" / "areu.eml").stat().st_size
    data = (act / "mail" / "areu.eml").read_bytes()
    t0 = time.perf_counter()                      # floor: writing the same files only
    for i in range(n):
        write_atomic(tmp / "floor" / f"{i}.eml", data)
    floor = time.perf_counter() - t0
    queue.put((t, peak, base, size, floor))


def _receipts(n: int) -> None:
    import mailbox

    from helpers import mail as h
    from circolari.mail.journal import Journal, now
    from circolari.mail.prepare import prepare
    from circolari.mail.receipts import import_receipts, read_source

    tmp = Path(tempfile.mkdtemp(prefix="bench-receipts-"))
    act = h.make_act(tmp, n=n, pad=2000)
    pdf = tmp / "atto-firmato.pdf"
    pdf.write_bytes(h.pdf_bytes(True, pad=2000))
    prepare(act, pdf)
    with Journal.open_existing(act / "mail") as j:       # as after a send
        rows = j.rows()
        with j.transaction() as db:
            at = now()
            for r in rows:
                j._event(db, r.recipient_id, "data-sent", "sending", None, at)
                db.execute("UPDATE messages SET state = 'sent', sent_at = ? "
                           "WHERE recipient_id = ?", (at, r.recipient_id))
    box = mailbox.mbox(str(tmp / "ricevute.mbox"))
    for r in rows:
        box.add(h.make_receipt("accettazione", r.message_id, r.address))
    box.close()
    import email
    t0 = time.perf_counter()                      # floor: read and parse every message
    for _, raw in read_source(tmp / "ricevute.mbox"):
        email.message_from_bytes(raw)
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = import_receipts(act, tmp / "ricevute.mbox")
    t = time.perf_counter() - t0
    print(f"receipts: {len(report.applied)} ricevute firmate da un mbox in {t:.2f} s "
          f"(obiettivo < 5 s; lettura e parsing soli: {floor:.2f} s)")


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")
    from helpers import mail as h
    from circolari.mail.prepare import prepare
    from circolari.mail.send import send_batch
    from circolari.mail.smtp import SmtpSettings

    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    child = ctx.Process(target=_prepare_child, args=(q, N_PREPARE, PDF_PAD))
    child.start()
    t_prep, peak, base, size, floor = q.get(timeout=600)
    child.join(60)
    print(f"prepare: {N_PREPARE} messaggi ({size / 1024:.0f} KB ciascuno) in {t_prep:.2f} s "
          f"(obiettivo < 8 s; scrittura dei soli file: {floor:.2f} s), memoria di picco "
          f"{peak:.0f} MB (obiettivo < 300 MB; processo prima di prepare: {base:.0f} MB)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    act = h.make_act(tmp, n=N, pad=PDF_PAD)
    pdf = tmp / "atto-firmato.pdf"
    pdf.write_bytes(h.pdf_bytes(True, pad=PDF_PAD))
    h.tls_files()
    prepare(act, pdf)

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
    _receipts(N_RECEIPTS)


if __name__ == "__main__":
    main()
