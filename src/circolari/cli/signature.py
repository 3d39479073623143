"""`circolari sign` and `circolari verify`: thin Typer wrappers, heavy imports inside.

``sign`` and ``verify`` stay plain functions (tests register them on their own apps); ``app`` wraps them
so that invalid input ends in a clear message.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from circolari.cli.options import given_as
from circolari.cli.problems import clerk_errors

PASSWORD_ENV = "CIRCOLARI_P12_PASSWORD"


def default_output(pdf: Path) -> Path:
    """ATTO.pdf -> ATTO.firmato.pdf, beside it."""
    return pdf.with_name(f"{pdf.stem}.firmato{pdf.suffix or '.pdf'}")


def sign(
    pdf: Path = typer.Argument(..., help="PDF dell'atto da firmare (con il campo firma vuoto), "
                                         "o la cartella di una serie di lettere (le firma tutte)."),
    p12: Path = typer.Option(..., "--p12", help="Certificato di firma con chiave privata (.p12/.pfx)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File firmato da scrivere [predefinito: ATTO.firmato.pdf]."),
    field: str | None = typer.Option(
        None, "--field", help="Nome del campo firma (se il PDF ne ha più di uno vuoto)."),
    tsa_url: str | None = typer.Option(
        None, "--tsa", help="Indirizzo del servizio di marca temporale (firma PAdES B-T)."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Processi in parallelo per una serie [predefinito: i core]."),
) -> None:
    """Firma digitalmente il PDF (PAdES) nel campo firma vuoto.

    La password del certificato si legge dalla variabile d'ambiente
    CIRCOLARI_P12_PASSWORD oppure viene chiesta senza mostrarla.
    """
    from circolari.signature.pades import sign_pdf

    secret = os.environ.get(PASSWORD_ENV)
    if secret is None:
        secret = typer.prompt("Password del certificato", hide_input=True)
    if pdf.is_dir():
        from circolari.cli.series import sign as sign_series

        return sign_series(pdf, p12, secret, jobs=jobs, tsa_url=tsa_url)
    dst = output or default_output(pdf)
    sign_pdf(pdf, dst, p12, secret.encode("utf-8"), field=field, tsa_url=tsa_url)
    typer.echo(f"Firmato: {dst}")


def verify(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="PDF o busta .p7m da verificare, o la cartella di una serie."),
    trust: list[Path] = typer.Option(
        [], "--trust", envvar="CIRCOLARI_TRUST", show_default=False, metavar="FILE.pem",
        help="Certificati dei certificatori di fiducia (.pem, anche più d'uno); "
             "ripetibile. Variabile CIRCOLARI_TRUST: percorsi separati da spazi."),
) -> None:
    """Verifica PDF/A, caratteri e firme di un PDF o di un file .p7m.

    Esito VALIDO, NON VALIDO o NON VERIFICABILE (un controllo non si è potuto fare,
    ad esempio perché nessun certificatore di fiducia è indicato con --trust).
    Di un .p7m (anche annidato: x.pdf.p7m.p7m) verifica ogni livello ed estrae il
    documento accanto, senza sovrascrivere, solo se nessun livello è NON VALIDO.

    Codici di uscita: 0 VALIDO; 1 NON VALIDO (o file/opzioni errati);
    3 NON VERIFICABILE; 4 NON FIRMATO (un PDF senza alcuna firma: conforme e pronto per
    la firma, ma non ancora firmato).
    """
    from circolari.signature.verdict import EXIT_CODES, load_trust
    from circolari.signature.verify import verify_file

    anchors = load_trust(trust, field=given_as(ctx, "trust"))
    if file.is_dir():
        from circolari.cli.series import verify as verify_series

        code = EXIT_CODES[verify_series(file, trust=anchors)]
        if code:
            raise typer.Exit(code)
        return
    report = verify_file(file, anchors, parallel=True)
    for line in report.lines():
        typer.echo(line)
    code = EXIT_CODES[report.verdict]
    if code:
        raise typer.Exit(code)


app = typer.Typer()
app.command("sign")(clerk_errors(sign))
app.command("verify")(clerk_errors(verify))
