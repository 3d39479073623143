"""A series act over some of the registry's ASST and its table in XLSX or CSV, for the series tests.

The figures are test data made from each row's position (posti = 10 + i, importo = 1000 (i + 1) + 0,5),
so that every letter's figures are distinct and the expected total is known."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

ACT = """\
tipo: circolare
intestazione: dg-welfare
destinatari:
  stile: elenco
  intestazione: Al Direttore Generale
  {selection}
oggetto: assegnazione di prova per la serie.
fatti:
  importo_totale: {{importo: {total}, descrizione: somma della colonna importo}}
serie:
  tabella: {table}
{sheet}  campi:
    posti_letto: {{tipo: numero, formato: intero}}
    importo: {{tipo: importo, formato: euro}}
  totali:
    importo: importo_totale
corpo: |
  A codesta Azienda sono assegnati [[posti_letto]] posti letto e l'importo di [[importo]], su un totale regionale di [[importo_totale]].
firmatario:
  qualifica: IL DIRETTORE GENERALE
  nome: NOME COGNOME
piede:
  responsabile_procedimento:
    nome: NOME COGNOME
    telefono: 02/6765.0000
"""


SIZE = 4


def asst(root: Path):
    """The bodies the series addresses: the group's first ASST and its first without a verified PEC
    (a letter that ``mail prepare`` refuses), ``SIZE`` in all: enough for two jobs (the first letter
    here, the other three in two workers), a run killed after its third letter with one left to
    resume, three letters that can be sent (one refused by the server); more would only make every
    test slower (the whole group is 27)."""
    from circolari.registry.registry import cached_registry

    members = cached_registry(root / "recipients").group_members("asst")  # read once per process
    unreachable = [e for e in members if not (e.pec and e.verificato)][:1]
    return [e for e in members if e not in unreachable][:SIZE - len(unreachable)] + unreachable


def figures(i: int) -> tuple[int, Decimal]:
    return 10 + i, Decimal(1000 * (i + 1)) + Decimal("0.5")


def expected_text(i: int) -> tuple[str, str]:
    """How letter ``i`` prints its two figures."""
    posti, importo = figures(i)
    whole = f"{int(importo):,}".replace(",", ".")
    return str(posti), f"€ {whole},50"


def write_act(root: Path, table: str, *, sheet: str | None = None, total: Decimal | None = None,
              name: str = "riparto") -> Path:
    bodies = asst(root)
    total = total if total is not None else sum((figures(i)[1] for i in range(len(bodies))), Decimal(0))
    act = root / "atti" / f"{name}.yaml"
    act.parent.mkdir(parents=True, exist_ok=True)
    act.write_text(ACT.format(total=total, table=table, sheet=f"  foglio: {sheet}\n" if sheet else "",
                              selection=f"enti: [{', '.join(e.id for e in bodies)}]"), encoding="utf-8")
    return act


def rows(root: Path) -> list[list]:
    """[ente, denominazione, posti_letto, importo] for every body of the series (``asst``)."""
    return [[e.id, e.denominazione, *figures(i)] for i, e in enumerate(asst(root))]


def write_xlsx(path: Path, data: list[list], *, sheet: str = "Riparto") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Note"
    book.active["A1"] = "foglio di appunti: la tabella è nel foglio Riparto"
    ws = book.create_sheet(sheet)
    ws.append(["ente", "denominazione", "posti_letto", "importo"])
    for row in data:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
    book.save(path)
    return path


def write_csv(path: Path, data: list[list]) -> Path:
    """Italian spreadsheet export: ';' between cells, '1.234,50' for amounts."""
    lines = ["ente;denominazione;posti_letto;importo"]
    for ente, name, posti, importo in data:
        amount = f"{importo:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") \
            if isinstance(importo, Decimal) else str(importo)
        lines.append(f"{ente};{name};{posti};{amount}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_p12(folder: Path, password: bytes = b"segreta") -> tuple[Path, Path]:
    """A test CA and a signer's PKCS#12 (valid from yesterday for a year); returns (p12, ca.pem)."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from helpers.pki import p12_encryption

    now = datetime.now(timezone.utc)

    def cert(subject, issuer, key, issuer_key, ca):
        def name(cn):
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        usage = x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                              encipher_only=False, decipher_only=False)
        return (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
                .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                .add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256()))

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = cert("CA di prova", "CA di prova", ca_key, ca_key, True)
    signer = cert("Firmatario di prova", "CA di prova", key, ca_key, False)
    p12 = folder / "firma.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"firma", key, signer, [ca],
                                                          p12_encryption(password)))
    pem = folder / "ca.pem"
    pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return p12, pem
