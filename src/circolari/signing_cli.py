"""`circolari sign` and `circolari verify`: thin Typer wrappers, heavy imports inside."""

from __future__ import annotations

import os
from pathlib import Path

import typer

PASSWORD_ENV = "CIRCOLARI_P12_PASSWORD"


def default_output(pdf: Path) -> Path:
    """ATTO.pdf -> ATTO.firmato.pdf, beside it."""
    return pdf.with_name(f"{pdf.stem}.firmato{pdf.suffix or '.pdf'}")


def sign(
    pdf: Path = typer.Argument(..., help="PDF dell'atto da firmare (con il campo firma vuoto)."),
    p12: Path = typer.Option(..., "--p12", help="Certificato di firma con chiave privata (.p12/.pfx)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File firmato da scrivere [predefinito: ATTO.firmato.pdf]."),
    field: str | None = typer.Option(
        None, "--field", help="Nome del campo firma (se il PDF ne ha più di uno vuoto)."),
    tsa_url: str | None = typer.Option(
        None, "--tsa", help="Indirizzo del servizio di marca temporale (firma PAdES B-T)."),
) -> None:
    """Firma digitalmente il PDF (PAdES) nel campo firma vuoto.

    La password del certificato si legge dalla variabile d'ambiente
    CIRCOLARI_P12_PASSWORD oppure viene chiesta senza mostrarla.
    """
    from circolari.signing import sign_pdf

    secret = os.environ.get(PASSWORD_ENV)
    if secret is None:
        secret = typer.prompt("Password del certificato", hide_input=True)
    dst = output or default_output(pdf)
    sign_pdf(pdf, dst, p12, secret.encode("utf-8"), field=field, tsa_url=tsa_url)
    typer.echo(f"Firmato: {dst}")


def verify(
    file: Path = typer.Argument(..., help="PDF o busta .p7m da verificare."),
) -> None:
    """Verifica PDF/A, caratteri e firme di un PDF o di un file .p7m.

    Di un .p7m estrae il documento accanto (senza sovrascrivere). Esce con
    codice 1 se qualcosa non va.
    """
    from circolari.verify import verify_file

    report = verify_file(file)
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)
