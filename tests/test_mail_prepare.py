"""mail prepare: messages, manifest, idempotence, signature check, hostile data."""

from __future__ import annotations

import email
import hashlib
import json
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circolari.errors import CircolariError
from circolari.mail.journal import Journal
from circolari.mail.prepare import prepare
from conftest import ROOT
from helpers.mail import make_act, p7m_of, pdf_bytes, recipients, signed_pdf


def _parse(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_prepare_34_messages(tmp_path):
    act = make_act(tmp_path)
    pdf = signed_pdf(tmp_path)
    extra = tmp_path / "allegato-1.xlsx"
    extra.write_bytes(b"PK\x03\x04 tabella")
    report = prepare(act, pdf, allegati=[extra])
    assert len(report.written) == 34
    mail = act / "mail"
    manifest = json.loads((mail / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["messages"]) == 34
    pdf_sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert manifest["attachments"][0] == {"name": pdf.name, "role": "atto",
                                          "sha256": pdf_sha, "size": pdf.stat().st_size}
    ids = set()
    for entry in manifest["messages"]:
        msg = _parse(mail / entry["file"])
        assert msg["Message-ID"] == entry["message_id"]
        ids.add(entry["message_id"])
        assert msg["To"].addresses[0].addr_spec == entry["address"]
        assert msg["From"].addresses[0].addr_spec == "welfare@regione.pec.test"
        assert msg["From"].addresses[0].display_name == \
            "Regione Lombardia - Direzione Generale Welfare"
        assert str(msg["Reply-To"]) == str(msg["From"])
        assert msg["Subject"] == "Prot. G1.2020.0012345 - Plasma iperimmune: indicazioni operative"
        atts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
        assert hashlib.sha256(atts[pdf.name]).hexdigest() == pdf_sha
        assert atts["allegato-1.xlsx"] == b"PK\x03\x04 tabella"
        assert {a["sha256"] for a in entry["attachments"]} == {
            pdf_sha, hashlib.sha256(extra.read_bytes()).hexdigest()}
        body = msg.get_body(("plain",)).get_content()
        per_conoscenza = entry["role"] == "cc"
        assert ("PER CONOSCENZA" in body) == per_conoscenza
        assert "20/05/2020" in body and "G1.2020.0012345" in body
    assert len(ids) == 34
    with Journal.open_existing(mail) as j:
        rows = j.rows()
        assert [r.state for r in rows] == ["prepared"] * 34
        assert rows[-1].recipient_id == "areu" and rows[-1].header == "cc"
        assert len(j.events()) == 34


def test_prepare_twice_is_idempotent(tmp_path):
    act = make_act(tmp_path, n=5)
    pdf = signed_pdf(tmp_path)
    prepare(act, pdf)
    before = {p.name: p.read_bytes() for p in (act / "mail").glob("*.eml")}
    report = prepare(act, pdf)
    assert report.written == [] and len(report.unchanged) == 5
    after = {p.name: p.read_bytes() for p in (act / "mail").glob("*.eml")}
    assert before == after
    with Journal.open_existing(act / "mail") as j:
        assert len(j.rows()) == 5 and len(j.events()) == 5


def test_builder_direct_equals_generator(tmp_path):
    from datetime import datetime

    from circolari.mail.manifest import load_render_manifest
    from circolari.mail.message import Attachment, MessageBuilder

    act = make_act(tmp_path, n=3)
    m = load_render_manifest(act)
    b = MessageBuilder(m.act, m.sender, [Attachment.from_file(signed_pdf(tmp_path), "atto")],
                       datetime(2020, 5, 20, 10, 0).astimezone(), ROOT / "templates")
    for r in m.recipients:
        assert b.build(r)[1] == b.build_plain(r)


def test_unsigned_pdf_refused_unless_allowed(tmp_path):
    act = make_act(tmp_path, n=3)
    for kind in (False, None):  # empty signature field, no field at all
        pdf = signed_pdf(tmp_path, f"non-firmato-{kind}.pdf", signed=kind)
        with pytest.raises(CircolariError) as err:
            prepare(act, pdf)
        text = str(err.value)
        assert "firma digitale" in text and "--unsigned" in text and pdf.name in text
        assert not (act / "mail").exists()
    report = prepare(act, act / f"{act.name}.pdf", allow_unsigned=True)  # the rendered PDF itself
    assert len(report.written) == 3


def test_only_this_acts_pdf_can_be_sent(tmp_path):
    act = make_act(tmp_path / "a", n=2)
    other = tmp_path / "altro-atto-firmato.pdf"
    other.write_bytes(pdf_bytes(True, pad=100))  # signed, but another act
    with pytest.raises(CircolariError, match="non è l'atto «nota-plasma-iperimmune-2020»"):
        prepare(act, other)
    wrong_p7m = tmp_path / "altro.pdf.p7m"
    wrong_p7m.write_bytes(p7m_of(pdf_bytes(True, pad=100)))
    with pytest.raises(CircolariError, match="non è l'atto"):
        prepare(act, wrong_p7m)
    assert not (act / "mail").exists()


def test_p7m_is_accepted(tmp_path):
    act = make_act(tmp_path, n=2)
    p7m = tmp_path / "atto.pdf.p7m"
    p7m.write_bytes(p7m_of(signed_pdf(tmp_path).read_bytes()))
    prepare(act, p7m)
    msg = _parse(act / "mail" / "asst-01.eml")
    part = next(msg.iter_attachments())
    assert part.get_content_type() == "application/pkcs7-mime"
    assert part.get_filename() == "atto.pdf.p7m"
    bad = tmp_path / "falso.p7m"
    bad.write_text("non una firma")
    with pytest.raises(CircolariError, match="CAdES"):
        prepare(act, bad)


def test_pec_with_space_refused_before_writing(tmp_path):
    recips = recipients(4)
    recips[2]["pec"] = "protocollo@asst-03 .pec.test"
    act = make_act(tmp_path, recips=recips)
    with pytest.raises(CircolariError) as err:
        prepare(act, signed_pdf(tmp_path))
    text = str(err.value)
    assert "recipients[2].pec" in text and "spazi" in text and "manifest.json" in text
    assert not (act / "mail").exists()


def test_bad_recipient_id_refused(tmp_path):
    recips = recipients(3)
    recips[0]["id"] = "../../etc/evil"
    act = make_act(tmp_path, recips=recips)
    with pytest.raises(CircolariError, match="recipients\\[0\\].id"):
        prepare(act, signed_pdf(tmp_path))


def test_hostile_headers(tmp_path):
    recips = recipients(3)
    recips[0]["denominazione"] = "ASST Città\r\nBcc: spia@evil.pec.test"
    recips[1]["denominazione"] = 'Ente "quotato", con virgola <x@evil.pec.test>'
    act = make_act(tmp_path, recips=recips,
                   oggetto="Nota urgente\nX-Iniettato: 1\r\nBcc: spia@evil.pec.test {{ 7*7 }}",
                   sender={"denominazione": "Regione\rLombardia — DG Welfare",
                           "pec": "welfare@regione.pec.test"})
    prepare(act, signed_pdf(tmp_path))
    for rid in ("asst-01", "asst-02", "areu"):
        raw = (act / "mail" / f"{rid}.eml").read_bytes()
        raw.decode("ascii")  # every header (and the QP body) is 7-bit
        head = raw.split(b"\r\n\r\n", 1)[0]
        names = [line.split(b":", 1)[0] for line in head.split(b"\r\n")
                 if line[:1] not in (b" ", b"\t")]
        assert b"Bcc" not in names and b"X-Iniettato" not in names
        assert sorted(names) == sorted([b"From", b"Reply-To", b"To", b"Subject", b"Date",
                                        b"Message-ID", b"X-Circolari-Destinatario",
                                        b"X-Circolari-Ruolo", b"MIME-Version",
                                        b"Content-Type"])
        assert b"\r" not in head.replace(b"\r\n", b"")
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert msg["Bcc"] is None and msg["X-Iniettato"] is None
        assert len(msg.get_all("To")) == 1 and len(msg["To"].addresses) == 1
        assert msg["Subject"] == ("Prot. G1.2020.0012345 - Nota urgente X-Iniettato: 1 "
                                  "Bcc: spia@evil.pec.test {{ 7*7 }}")
        assert msg["From"].addresses[0].display_name == "Regione Lombardia — DG Welfare"
        body = msg.get_body(("plain",)).get_content()
        assert "{{ 7*7 }}" in body and "49" not in body  # data is not a template
    first = email.message_from_bytes((act / "mail" / "asst-01.eml").read_bytes(),
                                     policy=policy.default)
    assert first["To"].addresses[0].display_name == "ASST Città Bcc: spia@evil.pec.test"
    assert first["To"].addresses[0].addr_spec == "protocollo@asst-01.pec.test"
    second = email.message_from_bytes((act / "mail" / "asst-02.eml").read_bytes(),
                                      policy=policy.default)
    assert second["To"].addresses[0].addr_spec == "protocollo@asst-02.pec.test"


def test_sent_message_not_rewritten_with_other_content(tmp_path):
    act = make_act(tmp_path, n=3)
    prepare(act, signed_pdf(tmp_path))
    with Journal.open_existing(act / "mail") as j:
        j.change("areu", "sent", "250 ok", state="sent")   # the last one: others come first
    other = tmp_path / "altro.pdf"
    other.write_bytes(signed_pdf(tmp_path).read_bytes() + b"\n%altro\n")
    before = {p.name: p.read_bytes() for p in (act / "mail").iterdir() if p.is_file()}
    with pytest.raises(CircolariError, match="già stato inviato"):
        prepare(act, other)
    # streamed to temporary files, which are removed: the folder is exactly as it was
    after = {p.name: p.read_bytes() for p in (act / "mail").iterdir() if p.is_file()
             and not p.name.startswith("journal.sqlite")}
    assert after == {k: v for k, v in before.items() if not k.startswith("journal.sqlite")}


def test_missing_manifest_and_bad_json(tmp_path):
    with pytest.raises(CircolariError, match="render"):
        prepare(tmp_path, signed_pdf(tmp_path))
    (tmp_path / "manifest.json").write_text("{ rotto")
    with pytest.raises(CircolariError, match="JSON"):
        prepare(tmp_path, signed_pdf(tmp_path))


def test_cli_prepare_and_dry_run(tmp_path):
    from typer.testing import CliRunner

    from circolari.cli.mail import app

    act = make_act(tmp_path, n=4)
    runner = CliRunner()
    res = runner.invoke(app, ["prepare", str(act), "--signed", str(signed_pdf(tmp_path))])
    assert res.exit_code == 0, res.output
    assert "Preparati 4 messaggi" in res.output
    res = runner.invoke(app, ["send", str(act), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert res.output.count("invierebbe") == 4 and "Nessun messaggio" in res.output
    res = runner.invoke(app, ["prepare", str(act), "--signed",
                              str(signed_pdf(tmp_path, "x.pdf", signed=False))])
    assert res.exit_code == 1
    assert "Traceback" not in res.output and "firma digitale" in res.output


def test_messages_have_the_mode_of_a_new_file(tmp_path):
    import os
    import stat

    act = make_act(tmp_path, n=2)
    old = os.umask(0o022)
    try:
        prepare(act, signed_pdf(tmp_path))
    finally:
        os.umask(old)
    for path in (act / "mail" / "asst-01.eml", act / "mail" / "manifest.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# -- exact headers: any text decodes back to itself ------------------------------------
_PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp",
                                                 "Zs"))
_WORD = st.one_of(st.text(_PRINTABLE, min_size=1, max_size=12),
                  st.text(_PRINTABLE, min_size=40, max_size=120),          # long words
                  st.sampled_from(["città", "perché", "è", "«virgolette»", '"x"', ",",
                                   "Ufficio,", "<intruso@example.com>", "=?utf-8?q?x?=",
                                   "l'ASST", "\\", "@"]))
# Printable text as the act shows it: words separated by single spaces.
_TEXT = st.lists(_WORD, min_size=1, max_size=25).map(" ".join)


def _builder(oggetto, protocollo, sender_name, recipient_name):
    from datetime import datetime

    from circolari.mail.manifest import Act, Recipient, Sender
    from circolari.mail.message import MessageBuilder

    act = Act(kind="circolare", name="atto", oggetto=oggetto, date="2020-05-20",
              protocollo=protocollo, numero=None)
    b = MessageBuilder(act, Sender(denominazione=sender_name, pec="welfare@regione.pec.test"),
                       [], datetime(2020, 5, 20, 10, 0).astimezone(), ROOT / "templates")
    rcp = Recipient(id="asst-01", denominazione=recipient_name, ruolo=None,
                    pec="protocollo@asst-01.pec.test", per_conoscenza=False)
    raw = b.build(rcp)[1]
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))  # RFC 5322 hard limit
    return email.message_from_bytes(raw, policy=policy.default)


@settings(max_examples=100, deadline=None)
@given(oggetto=_TEXT, protocollo=st.one_of(st.none(), st.just("G1.2020.0012345")))
def test_subject_decodes_to_the_exact_oggetto(oggetto, protocollo):
    msg = _builder(oggetto, protocollo, "Regione Lombardia", "ASST di prova")
    expected = f"Prot. {protocollo} - {oggetto}" if protocollo else oggetto
    assert str(msg["Subject"]) == expected


def _first_words_within_600_bytes(words: list[str]) -> str:
    """The words that fit in 600 bytes of UTF-8 from the first on, joined by single spaces (the
    first always fits: 120 characters of 4 bytes at most). A name of ``_TEXT`` within the limit is
    kept whole; a longer one is cut to the limit's last whole word, not drawn again (a filter
    drew again for 11-18 % of the names, a whole list of words each time)."""
    kept, size = [words[0]], len(words[0].encode("utf-8"))
    for word in words[1:]:
        size += 1 + len(word.encode("utf-8"))
        if size > 600:
            break
        kept.append(word)
    return " ".join(kept)


_NAME = st.lists(_WORD, min_size=1, max_size=25).map(_first_words_within_600_bytes)  # a denominazione


@settings(max_examples=100, deadline=None)
@given(sender=_NAME, recipient=_NAME)
def test_display_names_decode_exactly_and_add_no_address(sender, recipient):
    msg = _builder("Oggetto", None, sender, recipient)
    to = msg["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == \
        [(recipient, "protocollo@asst-01.pec.test")]
    for name in ("From", "Reply-To"):
        assert [(a.display_name, a.addr_spec) for a in msg[name].addresses] == \
            [(sender, "welfare@regione.pec.test")]


_ID_START = "abcdefghijklmnopqrstuvwxyz0123456789"  # a recipient id: [a-z0-9][a-z0-9-]{0,30}


@settings(max_examples=120, deadline=None)
@given(oggetto=_TEXT, denominazione=_NAME, ruolo=st.one_of(st.none(), _NAME),
       cc=st.booleans(), n_attachments=st.integers(0, 2),
       rid=st.builds(str.__add__, st.sampled_from(_ID_START), st.text(_ID_START + "-", max_size=30)))
def test_direct_build_equals_the_generator_for_any_data(oggetto, denominazione, ruolo, cc,
                                                        n_attachments, rid):
    """build() assembles the bytes itself; they must be exactly the stdlib generator's
    (build_plain), or a message prepared before would change when prepared again."""
    from datetime import datetime

    from circolari.mail.manifest import Act, Recipient, Sender
    from circolari.mail.message import Attachment, MessageBuilder

    act = Act(kind="circolare", name="atto", oggetto=oggetto, date="2020-05-20",
              protocollo="G1.2020.0012345", numero=None)
    attachments = [Attachment(name=f"allegato {i} città.pdf", data=bytes(range(256)) * 40,
                              maintype="application", subtype="pdf", role="allegato")
                   for i in range(n_attachments)]
    b = MessageBuilder(act, Sender(denominazione="Regione Lombardia", pec="welfare@regione.pec.test"),
                       attachments, datetime(2020, 5, 20, 10, 0).astimezone(), ROOT / "templates")
    rcp = Recipient(id=rid, denominazione=denominazione, ruolo=ruolo,
                    pec="protocollo@asst-01.pec.test", per_conoscenza=cc)
    assert b.build(rcp)[1] == b.build_plain(rcp)


def test_adjacent_accented_words_keep_their_space():
    """Regression (Python 3.11 folding): "città perché" must not arrive as "cittàperché"."""
    # Found by random search: the stdlib folder gave "DGR  unitàunità ... cittàgià ...".
    oggetto = ("Lombardia Regione Regione operative DGR unità unità sanitarie più città già "
               "della della più operative sanitarie")
    assert str(_builder(oggetto, "G1.2020.0012345", "R", "A")["Subject"]) == \
        f"Prot. G1.2020.0012345 - {oggetto}"


def test_comma_and_angle_brackets_in_a_name_add_no_recipient():
    name = "Azienda Socio Sanitaria Territoriale, Ufficio Protocollo <intruso@example.com>"
    to = _builder("Oggetto", None, "R", name)["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in to] == \
        [(name, "protocollo@asst-01.pec.test")]


@pytest.mark.parametrize("body, words", [
    ("{{ 1/0 }}", "divisione per zero"),
    ("{% for i in range(10**8) %}x{% endfor %}", "range"),
    ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "ricorsione"),
])
def test_mail_template_runs_bounded_with_italian_errors(tmp_path, body, words):
    """The PEC message template is clerk-editable: same sandbox bounds as the acts' templates."""
    act = make_act(tmp_path)
    pdf = signed_pdf(tmp_path)
    templates = tmp_path / "modelli"
    (templates / "mail").mkdir(parents=True)
    (templates / "mail" / "messaggio.txt.j2").write_text(body, encoding="utf-8")
    with pytest.raises(CircolariError) as caught:
        prepare(act, pdf, template_dir=templates)
    text = str(caught.value.problems[0].message) if hasattr(caught.value, "problems") else str(caught.value)
    assert words in text.lower(), text
    assert not (act / "mail" / "manifest.json").exists()


def test_manifest_problems_are_all_reported_by_field(tmp_path):
    """The render's manifest is checked by its pydantic model: every problem at once, in Italian,
    each naming its field (indexes from 0, as in the JSON), and nothing prepared."""
    from circolari.mail.manifest import load_render_manifest

    act = make_act(tmp_path, n=4)
    manifest = load_render_manifest(act)
    assert manifest.act_dir == act and manifest.recipients[-1].per_conoscenza and manifest.act.numero is None
    data = json.loads((act / "manifest.json").read_text(encoding="utf-8"))
    data["format"] = 2
    data["act"].update(oggetto="  ", date="20-05-2020", numero=12)
    data["sender"]["pec"] = "welfare @regione.pec.test"
    data["recipients"][0]["id"] = "../evil"
    data["recipients"][1]["id"] = "asst-03"
    del data["recipients"][1]["denominazione"]
    data["recipients"][2].update(pec=None, per_conoscenza="no")
    data["recipients"].append("asst-05")
    (act / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CircolariError) as err:
        prepare(act, signed_pdf(tmp_path))
    found = {p.field: p.message for p in err.value.problems}
    assert found == {
        "format": "formato 2 non supportato (atteso 1)",
        "act.oggetto": "valore vuoto",
        "act.date": "data «20-05-2020» non nel formato AAAA-MM-GG",
        "sender.pec": "l'indirizzo PEC «welfare @regione.pec.test» contiene spazi o a capo",
        "recipients[0].id": "identificativo «../evil» non valido",
        "recipients[1].denominazione": "valore mancante",
        "recipients[2].pec": "indirizzo PEC mancante",
        "recipients[2].per_conoscenza": "atteso true o false, trovato 'no'",
        "recipients[4]": "atteso un oggetto",
        "recipients[2].id": "identificativo «asst-03» ripetuto (già in recipients[1])",
    }
    assert "«ASST di prova 03» nell'anagrafica" in next(p.hint for p in err.value.problems if p.field == "recipients[2].pec")
    assert not (act / "mail").exists()


def test_message_template_compiled_once_per_folder_and_again_when_edited(tmp_path):
    """Builders of one folder share its compiled template (a series builds one per letter);
    an edit of the file between two builds in one process is used by the second."""
    import os
    import shutil
    from datetime import datetime

    from circolari.mail.manifest import Act, Recipient, Sender
    from circolari.mail.message import TEMPLATE_NAME, MessageBuilder

    folder = tmp_path / "templates"
    (folder / "mail").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / TEMPLATE_NAME, folder / TEMPLATE_NAME)
    act = Act(kind="circolare", name="atto", oggetto="Oggetto", date="2020-05-20", protocollo=None, numero=None)
    rcp = Recipient(id="asst-01", denominazione="ASST di prova", ruolo=None, pec="protocollo@asst-01.pec.test",
                    per_conoscenza=False)

    def builder():
        return MessageBuilder(act, Sender(denominazione="Regione Lombardia", pec="welfare@regione.pec.test"),
                              [], datetime(2020, 5, 20, 10, 0).astimezone(), folder)

    first, second = builder(), builder()
    assert first.template is second.template
    assert "Testo modificato" not in email.message_from_bytes(first.build(rcp)[1], policy=policy.default) \
        .get_body().get_content()
    template = folder / TEMPLATE_NAME
    stat = template.stat()
    template.write_text("Testo modificato per {{ recipient.denominazione }}.\n", encoding="utf-8")
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later edit, however fast
    body = email.message_from_bytes(builder().build(rcp)[1], policy=policy.default).get_body().get_content()
    assert body.startswith("Testo modificato per ASST di prova.")
