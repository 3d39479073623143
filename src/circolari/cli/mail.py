"""``circolari mail``: invio massivo via PEC di un atto generato (Typer sub-app).

Heavy imports stay inside the commands so that ``circolari --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from circolari.cli.options import given_as
from circolari.cli.problems import run_reporting

PEC_TRUST_ENV = "CIRCOLARI_PEC_TRUST"  # the providers' certificates, when --trust is not given

app = typer.Typer(
    name="mail",
    help="Invio dell'atto via PEC a tutti i destinatari: prepara i messaggi, li invia, "
         "importa le ricevute e mostra lo stato di ogni invio.",
    no_args_is_help=True,
    add_completion=False,
)

ACT_DIR = typer.Argument(..., help="Cartella dell'atto generato, es. out/<atto>/",
                         show_default=False)


@app.command("prepare")
def prepare_cmd(
    act_dir: Path = ACT_DIR,
    signed: Optional[Path] = typer.Option(
        None, "--signed", help="L'atto firmato da inviare: PDF firmato (PAdES) o file .p7m "
                               "(CAdES).", show_default=False),
    unsigned: bool = typer.Option(
        False, "--unsigned", help="Accetta un PDF senza firma digitale (solo per prove)."),
    allegato: list[Path] = typer.Option(
        [], "--allegato", help="Altro file da allegare (ripetibile).", show_default=False),
) -> None:
    """Prepara un messaggio (.eml) per ogni destinatario in <atto>/mail/.

    Per la cartella di una serie di lettere: ogni ente riceve solo la sua lettera firmata
    (<serie>/<ente>/<lettera>.firmato.pdf), i messaggi sono in <serie>/<ente>/mail/.
    """
    from circolari.errors import fail
    from circolari.mail.prepare import prepare

    def go():
        from circolari.series.manifest import is_series_folder

        if is_series_folder(act_dir):  # a series: each letter's folder with its own signed letter
            from circolari.cli.series import mail_prepare

            if signed is not None:
                raise fail("per una serie di lettere non si indica --signed", field="--signed",
                           hint="ogni lettera si invia con il suo <lettera>.firmato.pdf: firmarle "
                                "con 'circolari sign <cartella della serie>'")
            return mail_prepare(act_dir, allow_unsigned=unsigned, allegati=list(allegato))
        if signed is None:
            raise fail("manca l'atto firmato da inviare", field="--signed",
                       hint="indicare --signed <atto>.pdf (firmato) oppure <atto>.pdf.p7m")
        report = prepare(act_dir, signed, allow_unsigned=unsigned, allegati=list(allegato))
        total = len(report.written) + len(report.unchanged) + len(report.kept)
        typer.echo(f"Preparati {total} messaggi in {report.mail_dir}/ "
                   f"(nuovi o aggiornati: {len(report.written)}, invariati: "
                   f"{len(report.unchanged)}, già inviati: {len(report.kept)}).")
        if report.withdrawn:
            typer.echo(f"Tolti perché non più destinatari: {', '.join(report.withdrawn)}.")
        for w in report.warnings:
            typer.echo(f"attenzione: {w}", err=True)
        if unsigned:
            typer.echo("attenzione: --unsigned, l'atto potrebbe non essere firmato.", err=True)
        typer.echo(f"Per inviare: circolari mail send {act_dir}")

    run_reporting(go)


def _settings(act_dir: Path, host, port, security, user, cafile, timeout):
    from circolari.errors import fail
    from circolari.mail.journal import Journal
    from circolari.mail.files import mail_dir_of
    from circolari.mail.smtp import SmtpSettings

    if not host:
        raise fail("manca il server SMTP della casella PEC", field="CIRCOLARI_SMTP_HOST",
                   hint="indicare --host o la variabile CIRCOLARI_SMTP_HOST")
    security = (security or "ssl").lower()
    if security not in ("ssl", "starttls"):
        raise fail(f"sicurezza «{security}» non valida", field="CIRCOLARI_SMTP_SECURITY",
                   hint="'ssl' (TLS implicito, porta 465) o 'starttls' (porta 587)")
    if not user:
        with Journal.open_existing(mail_dir_of(act_dir)) as journal:
            user = journal.meta("sender")
    password = os.environ.get("CIRCOLARI_SMTP_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise fail("manca la password della casella PEC", field="CIRCOLARI_SMTP_PASSWORD",
                       hint="impostare la variabile CIRCOLARI_SMTP_PASSWORD o eseguire il "
                            "comando da un terminale per inserirla")
        password = typer.prompt(f"Password della casella PEC {user}", hide_input=True)
    return SmtpSettings(host=host, port=port or (465 if security == "ssl" else 587),
                        security=security, user=user, password=password,
                        cafile=cafile or None, timeout=timeout)


@app.command("send")
def send_cmd(
    act_dir: Path = ACT_DIR,
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Mostra cosa verrebbe inviato, senza inviare nulla."),
    rate: Optional[str] = typer.Option(
        None, "--rate", help="Limite di messaggi al minuto, es. 30/min (default: nessuno).",
        show_default=False),
    timeout: float = typer.Option(60.0, "--timeout",
                                  help="Secondi di attesa massima per una risposta del server."),
    host: Optional[str] = typer.Option(None, "--host", envvar="CIRCOLARI_SMTP_HOST",
                                       help="Server SMTP della casella PEC."),
    port: Optional[int] = typer.Option(None, "--port", envvar="CIRCOLARI_SMTP_PORT",
                                       help="Porta (default 465 con ssl, 587 con starttls)."),
    security: str = typer.Option("ssl", "--security", envvar="CIRCOLARI_SMTP_SECURITY",
                                 help="ssl (TLS implicito) o starttls."),
    user: Optional[str] = typer.Option(None, "--user", envvar="CIRCOLARI_SMTP_USER",
                                       help="Utente (default: la PEC del mittente). La "
                                            "password si legge da CIRCOLARI_SMTP_PASSWORD "
                                            "o viene chiesta; non è mai salvata."),
    cafile: Optional[str] = typer.Option(None, "--cafile", envvar="CIRCOLARI_SMTP_CAFILE",
                                         help="Certificati CA (PEM) al posto di quelli di "
                                              "sistema, per server di prova."),
    resend_uncertain: bool = typer.Option(
        False, "--reinvia-incerti",
        help="Reinvia anche i messaggi con esito incerto (interrotti dopo la trasmissione). "
             "Usare solo dopo aver verificato che non è arrivata la ricevuta di accettazione."),
    attempts: int = typer.Option(5, "--tentativi", min=1, max=20,
                                 help="Tentativi per messaggio in caso di errori temporanei."),
    backoff: float = typer.Option(2.0, "--attesa", envvar="CIRCOLARI_SMTP_BACKOFF",
                                  hidden=True, help="Attesa iniziale tra i tentativi (s)."),
    stop_421: int = typer.Option(5, "--stop-421", min=0,
                                 help="Sospende l'invio dopo tante risposte 421 di seguito "
                                      "(server non disponibile); 0: mai."),
    progress_mode: str = typer.Option("auto", "--progress",
                                      help="auto (barra su terminale, altrimenti righe), "
                                           "bar, plain (una riga per messaggio su stderr)."),
) -> None:
    """Invia i messaggi preparati; si può rilanciare: riprende da dove si è fermato.

    Per la cartella di una serie di lettere: ogni lettera con il suo giornale, su una sola
    connessione; ogni ente riceve solo la sua lettera.
    """
    from circolari.errors import fail
    from circolari.mail.send import parse_rate, send_batch

    def go():
        per_min = parse_rate(rate)
        if progress_mode not in ("auto", "bar", "plain"):
            raise fail(f"modo «{progress_mode}» non valido", field="--progress",
                       hint="auto, bar o plain")
        from circolari.series.manifest import is_series_folder

        if is_series_folder(act_dir):  # a series: each letter with its own journal, one connection
            from circolari.cli.series import mail_send

            return mail_send(act_dir, lambda letter: _settings(letter, host, port, security, user, cafile, timeout),
                             dry_run=dry_run, rate_per_min=per_min, max_attempts=attempts, backoff=backoff,
                             resend_uncertain=resend_uncertain, stop_after_421=stop_421)
        if dry_run:
            from circolari.mail.status import SENT_AS

            report = send_batch(act_dir, None, dry_run=True,
                                resend_uncertain=resend_uncertain)
            for row in report.planned:
                typer.echo(f"invierebbe  {row.recipient_id:<30} {row.address}  ({SENT_AS[row.header]})")
            for rid, why in report.uncertain:
                typer.echo(f"esito incerto, non reinviato: {rid} ({why})")
            typer.echo(f"Prova: {len(report.planned)} messaggi da inviare, "
                       f"{report.already} già inviati. Nessun messaggio è stato inviato.")
            return 0
        settings = _settings(act_dir, host, port, security, user, cafile, timeout)
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeRemainingColumn)

        from circolari.mail.journal import Journal
        from circolari.mail.files import mail_dir_of

        with Journal.open_existing(mail_dir_of(act_dir)) as j:
            todo = sum(r.state == "prepared" or (r.state == "sending" and
                       (not r.transmitted or resend_uncertain)) for r in j.rows())
        plain = progress_mode == "plain" or (progress_mode == "auto"
                                             and not sys.stderr.isatty())
        labels = {"sent": "inviato", "failed": "fallito", "postponed": "rinviato",
                  "uncertain": "esito incerto"}
        done = [0]

        def wait_line(rid, seconds, why):
            typer.echo(f"attesa {seconds:g} s prima di riprovare {rid} ({why})", err=True)

        if plain:
            def progress(rid, outcome):
                done[0] += 1
                typer.echo(f"[{done[0]}/{todo}] {rid}: {labels.get(outcome, outcome)}",
                           err=True)

            report = send_batch(act_dir, settings, rate_per_min=per_min,
                                max_attempts=attempts, backoff=backoff,
                                resend_uncertain=resend_uncertain, progress=progress,
                                on_wait=wait_line, stop_after_421=stop_421)
        else:
            with Progress(TextColumn("Invio PEC"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[last]}"), TimeRemainingColumn(),
                          transient=False, console=None) as bar:
                task = bar.add_task("invio", total=todo, last="")

                def progress(rid, outcome):
                    bar.update(task, advance=1, last=f"{rid}: {labels.get(outcome, outcome)}")

                def bar_wait(rid, seconds, why):
                    bar.update(task, last=f"attesa {seconds:g} s: {rid} ({why})")

                report = send_batch(act_dir, settings, rate_per_min=per_min,
                                    max_attempts=attempts, backoff=backoff,
                                    resend_uncertain=resend_uncertain, progress=progress,
                                    on_wait=bar_wait, stop_after_421=stop_421)
        typer.echo(f"Inviati {len(report.sent)}, falliti {len(report.failed)}, "
                   f"rinviati per errori temporanei {len(report.postponed)}, "
                   f"esito incerto {len(report.uncertain)} (già inviati prima: "
                   f"{report.already}).")
        for rid, why in report.failed:
            typer.echo(f"fallito: {rid}: {why}", err=True)
        for rid, why in report.postponed:
            typer.echo(f"non inviato (errore temporaneo): {rid}: {why} — rilanciare "
                       "'circolari mail send'", err=True)
        for rid, why in report.uncertain:
            typer.echo(f"esito incerto: {rid}: {why} — importare le ricevute "
                       "('circolari mail receipts'): la ricevuta di accettazione lo conferma; "
                       "senza ricevuta usare --reinvia-incerti", err=True)
        return 0 if not (report.failed or report.postponed or report.uncertain) else 1

    try:
        code = run_reporting(go)
    except KeyboardInterrupt:
        typer.echo("Invio interrotto: rilanciare 'circolari mail send' per riprendere.",
                   err=True)
        raise typer.Exit(130)
    raise typer.Exit(code or 0)


@app.command("receipts")
def receipts_cmd(
    ctx: typer.Context,
    act_dir: Path = ACT_DIR,
    ricevute: Optional[Path] = typer.Argument(
        None, help="Cartella (anche con sottocartelle) di file .eml, file mbox o Maildir "
                   "con le ricevute PEC (oppure --imap).", show_default=False),
    imap: Optional[str] = typer.Option(
        None, "--imap", help="Legge le ricevute dalla casella PEC: "
                             "imaps://utente@server[:porta]/INBOX. Sola lettura; ogni volta "
                             "solo i messaggi nuovi. La password si legge da "
                             "CIRCOLARI_IMAP_PASSWORD o viene chiesta; non è mai salvata.",
        show_default=False),
    imap_ca: Optional[str] = typer.Option(
        None, "--imap-ca", help="Certificati CA (PEM) del server IMAP, al posto di "
                                "quelli di sistema: per server interni o di prova.", show_default=False),
    imap_timeout: float = typer.Option(60.0, "--imap-timeout", min=1,
                                       help="Secondi di attesa massima per il server IMAP."),
    trust: Optional[Path] = typer.Option(
        None, "--trust", envvar=PEC_TRUST_ENV, metavar="FILE.pem",
        help="File PEM con i certificati dei gestori PEC attendibili: le ricevute firmate da "
             "altri sono rifiutate; senza, nessuna ricevuta cambia lo stato (non verificabile). "
             f"Se manca --trust si usa il file indicato nella variabile {PEC_TRUST_ENV}, da "
             "impostare una volta sola.", show_default=False),
) -> None:
    """Importa le ricevute PEC firmate (accettazione, consegna, errori) e aggiorna gli
    stati; le ricevute non firmate, alterate o per messaggi mai inviati sono messe da parte."""
    from circolari.errors import fail

    def go():
        if (ricevute is None) == (imap is None):
            raise fail("indicare da dove leggere le ricevute: una cartella o un file, "
                       "oppure --imap (non entrambi)", field="RICEVUTE",
                       hint="es. circolari mail receipts out/<atto>/ RICEVUTE/ oppure "
                            "--imap imaps://utente@server/INBOX")
        from circolari.mail.smime import Verifier

        verifier = Verifier(trust, given_as=given_as(ctx, "trust"))  # a bad file: before anything
        if imap is not None:
            from circolari.mail.imap import import_imap, parse_url

            box = parse_url(imap)
            password = _imap_password(box.user)
            report = import_imap(act_dir, imap, password, cafile=imap_ca,
                                 timeout=imap_timeout, verifier=verifier)
            typer.echo(f"Messaggi nuovi letti da {box.folder} su {box.host}: {report.read}.")
        else:
            from circolari.mail.receipts import import_receipts

            report = import_receipts(act_dir, ricevute, verifier=verifier)
        typer.echo(f"Ricevute abbinate: {len(report.applied)}, già importate: "
                   f"{len(report.duplicates)}, non abbinate: {len(report.unmatched)}.")
        for source, why in report.unmatched:
            typer.echo(f"non abbinata: {source}: {why} (conservata in "
                       f"{act_dir}/mail/ricevute/non-abbinate/)", err=True)

    run_reporting(go)


def _imap_password(user: str) -> str:
    from circolari.errors import fail

    password = os.environ.get("CIRCOLARI_IMAP_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise fail("manca la password della casella PEC (IMAP)",
                       field="CIRCOLARI_IMAP_PASSWORD",
                       hint="impostare la variabile CIRCOLARI_IMAP_PASSWORD o eseguire il "
                            "comando da un terminale per inserirla")
        password = typer.prompt(f"Password IMAP di {user}", hide_input=True)
    return password


@app.command("status")
def status_cmd(
    act_dir: Path = ACT_DIR,
    csv: Optional[Path] = typer.Option(None, "--csv", help="Scrive lo stato anche in CSV.",
                                       show_default=False),
) -> None:
    """Stato di ogni invio. Esce con 0 solo se tutti i messaggi sono consegnati
    (1: qualche invio fallito; 3: invii non ancora confermati)."""
    from rich.console import Console

    from circolari.mail import status

    def go():
        lines = status.collect(act_dir)
        Console().print(status.table(lines, title=f"Invii PEC — {Path(act_dir).name}"))
        typer.echo(status.summary(lines))
        if csv is not None:
            status.write_csv(lines, csv)
            typer.echo(f"CSV scritto in {csv}")
        return status.exit_code(lines)

    raise typer.Exit(run_reporting(go) or 0)


def main() -> None:
    app(prog_name="circolari mail")
