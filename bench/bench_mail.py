"""Bench of the PEC mailing: prepare 5,000 messages (time and peak memory), send 1,000
over loopback TLS, import 2,000 signed receipts from an mbox. Each figure is printed
beside its goal and a floor measured in the same run.

Run from the project root:  python bench/bench_mail.py [prepare] [send] [receipts] [--runs 3]
The SMTP server (aiosmtpd, implicit TLS + AUTH, 127.0.0.1 only) runs in a separate
process so that client and server do not share one interpreter lock.
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import statistics
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
    t0, c0 = time.perf_counter(), time.process_time()
    prepare(act, pdf)
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = (act / "mail" / "areu.eml").stat().st_size
    data = (act / "mail" / "areu.eml").read_bytes()
    t0 = time.perf_counter()                      # floor: writing the same files only
    for i in range(n):
        write_atomic(tmp / "floor" / f"{i}.eml", data)
    floor = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    queue.put((t, peak, base, size, floor, cpu))


def _receipts(n: int) -> tuple[float, float, int]:
    import email
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
                j.record_event(db, r.recipient_id, "data-sent", "sending", None, at)
                db.execute("UPDATE messages SET state = 'sent', sent_at = ? "
                           "WHERE recipient_id = ?", (at, r.recipient_id))
    box = mailbox.mbox(str(tmp / "ricevute.mbox"))
    for r in rows:
        box.add(h.make_receipt("accettazione", r.message_id, r.address))
    box.close()
    t0 = time.perf_counter()                      # floor: read and parse every message
    for _, raw in read_source(tmp / "ricevute.mbox"):
        email.message_from_bytes(raw)
    floor = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    report = import_receipts(act, tmp / "ricevute.mbox", trust=h.pec_signers()["ca_pem"])
    t, cpu = time.perf_counter() - t0, time.process_time() - c0
    shutil.rmtree(tmp, ignore_errors=True)
    return t, floor, len(report.applied), cpu


def _send(n: int, ctx) -> tuple[float, float, int]:
    """send_batch of n prepared messages, and the rival: the same bytes sent by a bare
    smtplib loop on one connection (no journal, no checks), to the same server."""
    import smtplib
    import ssl

    from helpers import mail as h
    from circolari.mail.prepare import prepare
    from circolari.mail.send import send_batch
    from circolari.mail.smtp import SmtpSettings

    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    act = h.make_act(tmp, n=n, pad=PDF_PAD)
    pdf = tmp / "atto-firmato.pdf"
    pdf.write_bytes(h.pdf_bytes(True, pad=PDF_PAD))
    prepare(act, pdf)
    queue, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(queue, stop, *h.tls_files()), daemon=True)
    proc.start()
    while True:
        item = queue.get(timeout=30)
        if isinstance(item, tuple):
            port = item[1]
            break
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, security="ssl", user=h.USER,
                                password=h.PASSWORD, cafile=h.tls_files()[0], timeout=30)
        t0, c0 = time.perf_counter(), time.process_time()
        report = send_batch(act, settings)
        t_send, cpu = time.perf_counter() - t0, time.process_time() - c0
        files = sorted((act / "mail").glob("*.eml"))
        t0 = time.perf_counter()
        smtp = smtplib.SMTP_SSL("127.0.0.1", port, timeout=30,
                                context=ssl.create_default_context(cafile=h.tls_files()[0]))
        smtp.login(h.USER, h.PASSWORD)
        for f in files:
            smtp.sendmail(h.USER, ["x@y.pec.test"], f.read_bytes())
        smtp.quit()
        rival = time.perf_counter() - t0
        commits = _synced_commits(tmp, n)
    finally:
        stop.set()
        proc.join(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return t_send, rival, len(report.sent), cpu, commits


def _synced_commits(folder: Path, n: int) -> float:
    """n commits synced to disk (the journal's settings), on the act's file system: the
    one sync per message that 'never twice' needs before each end-of-data marker."""
    from circolari.mail.journal import Journal

    with Journal(folder / "floor.sqlite") as j:
        t0 = time.perf_counter()
        for i in range(n):
            with j.transaction() as db:
                j.set_meta(db, "k", str(i))
        return time.perf_counter() - t0


def _stats(values: list[float]) -> str:
    values = sorted(values)
    return f"min {values[0]:.2f} s, mediana {statistics.median(values):.2f} s"


def _cpu(values: list[float]) -> str:
    """CPU time of this process: what the machine's other load does not inflate."""
    return f"CPU di questo processo: mediana {statistics.median(values):.2f} s"


def main() -> None:
    import argparse
    import os
    import warnings

    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="*", default=["prepare", "send", "receipts"])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    print(f"(carico della macchina: {os.getloadavg()[0]:.1f} su {os.cpu_count()} core)")
    if "prepare" in args.parts:
        res = []
        for _ in range(args.runs):
            q = ctx.Queue()
            child = ctx.Process(target=_prepare_child, args=(q, N_PREPARE, PDF_PAD))
            child.start()
            res.append(q.get(timeout=600))
            child.join(60)
        t = [r[0] for r in res]
        size, floors, peak = res[0][3], [r[4] for r in res], max(r[1] for r in res)
        print(f"prepare: {N_PREPARE} messaggi ({size / 1024:.0f} KB ciascuno): {_stats(t)} "
              f"({_cpu([r[5] for r in res])}; obiettivo < 8 s; scrittura dei soli file: "
              f"{_stats(floors)}); memoria di "
              f"picco {peak:.0f} MB (obiettivo < 300 MB; processo prima di prepare: "
              f"{res[0][2]:.0f} MB)")
    if "send" in args.parts:
        res = [_send(N, ctx) for _ in range(args.runs)]
        print(f"send: {res[0][2]} messaggi, TLS + AUTH, nessun limite di velocità: "
              f"{_stats([r[0] for r in res])} ({_cpu([r[3] for r in res])}; obiettivo "
              f"< 10 s; invio nudo con smtplib "
              f"sulla stessa connessione, senza giornale: {_stats([r[1] for r in res])}; "
              f"{res[0][2]} commit sincronizzati del giornale, soli: "
              f"{_stats([r[4] for r in res])})")
    if "receipts" in args.parts:
        res = [_receipts(N_RECEIPTS) for _ in range(args.runs)]
        print(f"receipts: {res[0][2]} ricevute firmate da un mbox: "
              f"{_stats([r[0] for r in res])} ({_cpu([r[3] for r in res])}; obiettivo "
              f"< 5 s; lettura e parsing soli: "
              f"{_stats([r[1] for r in res])})")
    print(f"(carico della macchina alla fine: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
