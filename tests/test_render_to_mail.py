"""The whole path a clerk takes: render the reference circular, sign it, prepare the PEC batch."""

from __future__ import annotations

import email
import hashlib
import json
from email import policy

from helpers.pki import PASSWORD

from circolari.signature.pades import sign_pdf
from conftest import copy_of, run_cli
from helpers.bad_input import edit

NOTA = "examples/nota-plasma-iperimmune-2020.yaml"


def test_reference_act_without_verified_pec_is_refused_by_prepare(nota_out, tmp_path):
    """The reference circular as rendered (the session's render, copied)."""
    folder = copy_of(nota_out, tmp_path / "nota-plasma-iperimmune-2020")
    result = run_cli("mail", "prepare", folder, "--unsigned", "--signed", folder / "nota-plasma-iperimmune-2020.pdf")
    assert result.exit_code == 1
    assert "IRCCS Ospedale S. Raffaele - Milano" in result.output and "PEC mancante" in result.output
    assert not (folder / "mail").exists()


def test_render_sign_prepare(project, pki):
    act = edit(project, "    - asst-santi-paolo-carlo\n", "    - asst-santi-paolo-carlo\n  esclusi: [irccs-san-raffaele]\n")
    act = edit(project, "tipo: circolare", "tipo: circolare\nprotocollo: G1.2020.0000001\ndata: 2020-05-20")
    out = project / "out"
    assert run_cli("render", act, "--out", out, cwd=project).exit_code == 0
    folder = out / act.stem
    signed = folder / f"{act.stem}.firmato.pdf"
    sign_pdf(folder / f"{act.stem}.pdf", signed, pki.p12, PASSWORD)
    result = run_cli("mail", "prepare", folder, "--signed", signed, cwd=project)
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "mail" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["messages"]) == 33  # 32 addressees + AREU in copy
    digest = hashlib.sha256(signed.read_bytes()).hexdigest()
    areu = next(m for m in manifest["messages"] if m["id"] == "areu")
    assert areu["role"] == "cc" and areu["address"] == "protocollo@pec.areu.lombardia.it"
    message = email.message_from_bytes((folder / "mail" / areu["file"]).read_bytes(), policy=policy.default)
    assert message["From"].addresses[0].addr_spec == "welfare@pec.regione.lombardia.it"
    assert message["Subject"] == ("Prot. G1.2020.0000001 - plasma iperimmune anti SARS-CoV-2 e sperimentazioni "
                                  "cliniche in Regione Lombardia.")
    attachment = next(message.iter_attachments())
    assert hashlib.sha256(attachment.get_content()).hexdigest() == digest
