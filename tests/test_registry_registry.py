"""The recipient registry: the bundled one is valid, a broken one is reported with file and line."""

from __future__ import annotations

import re

from conftest import run_cli


def test_bundled_registry_is_valid_and_warns_about_unverified_entries():
    result = run_cli("recipients", "check")
    assert result.exit_code == 0, result.output
    assert "0 errori" in result.output
    assert "avviso: ente «irccs-san-raffaele» non verificato" in result.output


def test_group_list_shows_pec_addresses():
    result = run_cli("recipients", "list", "--group", "asst")
    assert result.exit_code == 0
    assert re.search(r"^asst-rhodense +ASST Rhodense  <protocollo.generale@pec.asst-rhodense.it>$", result.output, re.M)
    assert "27 enti nel gruppo «asst»" in result.output
    assert "areu" not in result.output
    unknown = run_cli("recipients", "list", "--group", "ospedali")
    assert unknown.exit_code == 1 and "gruppo «ospedali» sconosciuto" in unknown.output


def test_reference_defects_are_not_carried(tmp_path):
    from circolari.model.pec import pec_problem

    assert "spazi" in pec_problem("hsr sanraffaele@hsr.postecert.it")
    assert pec_problem("direzione.amministrativa@asst-") is not None
    assert pec_problem("protocollo@pec.areu.lombardia.it") is None


def test_broken_registry_reports_every_problem_with_file_and_line(project):
    folder = project / "recipients"
    (folder / "extra.yaml").write_text(
        "- id: asst-garda\n  denominazione: Doppione\n  tipo: ASST\n  pec: altro@pec.test.it\n  fonte: test\n"
        "- id: nuovo-ente\n  denominazione: Nuovo\n  tipo: ASST\n  pec: protocollo@pec.asst-garda.it\n  fonte: test\n"
        "- id: terzo\n  denominazione: Terzo\n  tipo: ASST\n  pec: 'a b@pec.it'\n  gruppi: [inesistente]\n  fonte: test\n"
        "- id: quarto\n  denominazione: Quarto\n  tipo: ospedale\n  pec: quarto@pec.test.it\n",
        encoding="utf-8")
    (folder / "rotto.yaml").write_text("- id: x\n  denominazione: [\n", encoding="utf-8")
    result = run_cli("recipients", "check", "--recipients", folder, cwd=project)
    assert result.exit_code == 1
    out = result.output
    extra = folder / "extra.yaml"
    assert f"{extra}:1: errore: id «asst-garda» ripetuto" in out
    assert f"{extra}:6: errore: campo 'pec': PEC «protocollo@pec.asst-garda.it» già assegnata a «asst-garda»" in out
    assert f"{extra}:11: errore: campo 'pec': l'indirizzo PEC «a b@pec.it» contiene spazi" in out
    assert f"{extra}:11: errore: campo 'gruppi': gruppo «inesistente» sconosciuto" in out
    assert f"{extra}:19: errore: campo '[4].tipo': valore non ammesso" in out
    assert f"{folder / 'rotto.yaml'}:3: errore: sintassi YAML non valida: valore mancante o incompleto" in out


def test_registry_cache_notices_a_changed_file(tmp_path):
    """A render reuses the registry it read, until one of its files changes (its bytes: not only
    its size or time)."""
    import os
    import shutil

    from conftest import ROOT
    from circolari.registry.registry import load_registry

    folder = tmp_path / "recipients"
    shutil.copytree(ROOT / "recipients", folder)
    first = load_registry(folder)
    assert load_registry(folder) is first  # unchanged: the same object
    asst = next(p for p in sorted(folder.glob("*.yaml")) if "protocollo.generale@pec.asst-rhodense.it" in p.read_text())
    stat = asst.stat()
    text = asst.read_text(encoding="utf-8")
    asst.write_text(text.replace("protocollo.generale@pec.asst-rhodense.it", "protocollo.generale@pec.asst-rhodens.it"),
                    encoding="utf-8")
    os.utime(asst, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time: one byte shorter
    assert load_registry(folder).by_id["asst-rhodense"].ente.pec == "protocollo.generale@pec.asst-rhodens.it"
    asst.write_text(text.replace("protocollo.generale@pec.asst-rhodense.it", "protocollo.generale@pec.asst-rhodenze.it"),
                    encoding="utf-8")
    os.utime(asst, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # same size: a later time
    assert load_registry(folder).by_id["asst-rhodense"].ente.pec == "protocollo.generale@pec.asst-rhodenze.it"


def test_check_sees_a_registry_edit_of_the_same_size_and_time(tmp_path):
    """check reuses the registry it read in the process (registry.cached_registry) only while its
    files hold the same bytes: an edit keeping size and modification time is seen."""
    import os
    import shutil

    from conftest import ROOT, run_cli

    folder = tmp_path / "recipients"
    shutil.copytree(ROOT / "recipients", folder)
    assert "errore" not in run_cli("check", folder).output
    asst = next(p for p in sorted(folder.glob("*.yaml")) if "protocollo.generale@pec.asst-rhodense.it" in p.read_text())
    stat = asst.stat()
    asst.write_text(asst.read_text(encoding="utf-8").replace("protocollo.generale@pec.asst-rhodense.it",
                                                             "protocollo generale@pec.asst-rhodense.it"), encoding="utf-8")
    os.utime(asst, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert asst.stat().st_size == stat.st_size
    result = run_cli("check", folder)
    assert result.exit_code == 1 and "«protocollo generale@pec.asst-rhodense.it» contiene spazi" in result.output


def test_registry_cache_gives_a_copied_folder_its_own_paths(tmp_path):
    """The same files in another folder reuse the registry read (``cached_registry``), every entry
    and problem naming the file in the folder asked: the same as reading that folder."""
    import shutil

    from conftest import ROOT
    from circolari.registry.registry import Registry, cached_registry

    folders = [tmp_path / "a" / "recipients", tmp_path / "b" / "recipients"]
    for folder in folders:
        shutil.copytree(ROOT / "recipients", folder)
        (folder / "extra.yaml").write_text("- id: asst-garda\n  denominazione: Doppione\n  tipo: ASST\n"
                                           "  pec: altro@pec.test.it\n- id: rotto\n  denominazione: [\n",
                                           encoding="utf-8")

    def seen(registry):
        return ([(loc.ente, loc.file, loc.line, loc.index) for loc in registry.entries], registry.groups,
                [problem.format() for problem in registry.problems], registry.folder)

    first = cached_registry(folders[0])
    second = cached_registry(folders[1])
    assert second.entries[0].ente is first.entries[0].ente  # read once
    assert seen(second) == seen(Registry.load(folders[1])) and seen(first) == seen(Registry.load(folders[0]))
    assert str(folders[0]) not in "".join(seen(second)[2]) and any(str(folders[1]) in p for p in seen(second)[2])
    assert cached_registry(folders[1]) is second
