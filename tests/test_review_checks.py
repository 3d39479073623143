"""circolari check: citations, figures (fatti), dates, templates, registry: every problem at once."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from circolari.compose.placeholders import format_value
from circolari.model.fatti import Fatto
from circolari.review import citations, dates
from conftest import EXAMPLES, ROOT, run_cli
from helpers.edits import rewrite

DGR = EXAMPLES / "dgr-xi-3681-2020.yaml"


# -- citations ---------------------------------------------------------------
@pytest.mark.parametrize("text, kind, leg, number, year", [
    ("DGR n. IX/1479/2011", "dgr", "IX", 1479, 2011),
    ("D.G.R. n. 1185/2013", "dgr", None, 1185, 2013),
    ("DGR XI/2019/2019", "dgr", "XI", 2019, 2019),
    ("d.g.r. n. X/1185/2013", "dgr", "X", 1185, 2013),
    ("l.r. n. 33/2009", "lr", None, 33, 2009),
    ("DL 44/2021", "dl", None, 44, 2021),
    ("FGR XI/3529/2020", "fgr", "XI", 3529, 2020),
])
def test_citations_are_recognised(text, kind, leg, number, year):
    [found] = citations.find(f"visto quanto previsto dalla {text}, si stabilisce")
    assert (found.kind, found.legislature, found.number, found.year) == (kind, leg, number, year)


def test_citation_problems():
    assert citations.problems_in("DGR n. IX/1479/2011, D.G.R. n. 1185/2013, DGR XI/2019/2019, "
                                 "d.g.r. n. X/1185/2013, l.r. n. 33/2009, Delibere n. IX/1479/2011, e n. X/1185/2013") == []
    [(level, message, _)] = citations.problems_in("la DGR n. X/1000/2020")
    assert level == "errore" and "per il 2020 è XI" in message
    [(level, message, _)] = citations.problems_in("prevista dalla FGR XI/3529/2020, ovvero")
    assert level == "avviso" and "FGR XI/3529/2020" in message and "DGR" in message
    assert citations.problems_in("fino al 31/5/2021, Regole 2020, tel. 02/6765.2906") == []


def _texts_for_the_fast_patterns() -> list[str]:
    """The reference acts' texts, texts that lean on where a search may skip (punctuation next to a
    citation, a letter glued to a year, a number/year in a number/year) and seeded random texts of the
    characters the patterns read."""
    import random

    from circolari.input.strings import all_strings
    from circolari.input.load import load_yaml

    texts = [t for e in ("dgr-xi-3681-2020.yaml", "nota-plasma-iperimmune-2020.yaml")
             for _, t in all_strings(load_yaml(EXAMPLES / e).data) if isinstance(t, str)]
    texts += ["(DGR n. XI/3681/2020), “D.G.R. 12/2019”; l.r. n. 33/2009é e n. X/1185/2013", "1/2020/2021",
              "x" * 300 + " DGR 4/2019", "entro 31/2020, il 12.000,5 € (dodicimila) e € 1.000 pari al 10 %",
              "_5/2020 é5/2020 ٣/2020 n°7/2019 nn. 3/2020 XI / 3 / 2020", "euro 3.000.000,00 (tremilioni)",
              "lunedì 15 ottobre 2020, Giovedi' 15/10/2020, MARTEDÌ, 1° maggio 2021, domenica 3.4.2022"]
    rng = random.Random(20261130)
    alphabet = "0123456789 /.,;:()“”'-_\n°%€IVXLDGRnlrdgeuoaéà٣ìmvsgab"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(1500)]
    return texts


def test_patterns_written_for_speed_find_what_their_plain_forms_find():
    """Citations sought only in the stretches holding a number/year, numbers written with their first
    digit out of the alternation, look-aheads that fail where no match can start (a date's weekday by
    its first three letters): the same matches as the plain patterns searched over the whole text."""
    from circolari.compose.italian import GIORNI
    from circolari.review import contradictions, numbers

    weekday_letters = r"(?=\d|" + "|".join(sorted({g[:3] for g in GIORNI})) + ")"
    assert weekday_letters in dates.DATE.pattern
    plain_number = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
    lead = r"(?=\b[A-Za-z]|n|\d)"
    assert citations.CITATION.pattern.startswith(lead)
    plain_citation = re.compile(citations.CITATION.pattern.removeprefix(lead))
    pairs = [
        (contradictions.AMOUNT, re.compile(rf"(?:€|\beuro\b)\s*(?P<a>{plain_number})|(?P<b>{plain_number})\s*"
                                           r"(?:€|\beuro\b)", re.IGNORECASE)),
        (contradictions.PERCENT, re.compile(rf"(?P<p>{plain_number})\s?%")),
        (dates.DATE, re.compile(dates.DATE.pattern.replace(weekday_letters, ""), re.IGNORECASE)),
        (contradictions.NUMBER, re.compile(rf"(?<![\w./,-])(?P<n>{plain_number})(?![\w/%]|[.,]\d)")),
        (numbers.DIGITS_WORDS, re.compile(numbers.DIGITS_WORDS.pattern.replace(contradictions.NUMBER_TEXT,
                                                                               plain_number), re.IGNORECASE)),
    ]
    for text in _texts_for_the_fast_patterns():
        whole = [(m.span(), m.groups()) for m in plain_citation.finditer(text)]
        sought = [(m.span(), m.groups()) for start, end in citations._stretches(text)
                  for m in citations.CITATION.finditer(text, start, end)]
        assert sought == whole, text
        for fast, plain in pairs:
            assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
                   [(m.span(), m.groups()) for m in plain.finditer(text)], (fast.pattern, text)


# -- dates ---------------------------------------------------------------------
def test_dates():
    seduta = dt.date(2020, 10, 15)
    found = {m for _, m, _ in dates.problems_in(
        "convocata lunedì 15 ottobre 2020; giovedì 15/10/2020 va bene; entro il 31 aprile 2021; "
        "in vigore fino al 31.05.2019", seduta)}
    assert any("era giovedì, non lunedì" in m for m in found)
    assert any("«31 aprile 2021» non esiste" in m for m in found)
    assert any("termine «31.05.2019» precedente" in m for m in found)
    assert len(found) == 3


# -- figures -------------------------------------------------------------------
@pytest.mark.parametrize("fatto, formato, text", [
    ({"importo": 28000000}, None, "€ 28.000.000,00"),
    ({"importo": 28000000}, "decimali", "28.000.000,00"),
    ({"importo": 190}, "intero", "190"),
    ({"importo": 190}, "euro-intero", "€ 190"),
    ({"numero": Decimal("12.5")}, None, "12,5"),
    ({"percentuale": 50}, None, "50%"),
    ({"data": "2021-05-31"}, None, "31 maggio 2021"),
    ({"data": "2021-05-31"}, "punti", "31.05.2021"),
    ({"data": "2021-05-31"}, "barre", "31/05/2021"),
    ({"data": "2021-05-31"}, "barre-corta", "31/5/2021"),
    ({"data": "2021-05-31"}, "settimana", "lunedì 31 maggio 2021"),
])
def test_figures_are_written_the_italian_way(fatto, formato, text):
    assert format_value(Fatto(**fatto), formato) == text


def test_reference_dgr_declares_and_cites_its_figures():
    from circolari.kinds.load import load_act

    act, _ = load_act(DGR)
    source = DGR.read_text(encoding="utf-8")
    assert act.fatti["stanziamento"].parti == ["stanziamento_2020", "stanziamento_2021"]
    assert {"tariffa_sub_acute", "fine_validita", "posti_totali", "quota_posti_covid"} <= set(act.fatti)
    premesse_on = source.split("premesse:", 1)[1]
    for written in ("190 euro", "euro 130", "euro 120", "31.05.2021", "31/05/2021", "28.000.000,00", "50%"):
        assert written not in premesse_on  # every figure is cited, none written by hand


def _act(project, text: str, name: str = "prova.yaml"):
    path = project / "atti" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


NOTA = """tipo: circolare
data: {data}
protocollo: G1.2020.0000001
destinatari:
  enti: [{ente}]
oggetto: prova
fatti:
  fine: {{data: 2021-05-31, formato: punti}}
  totale: {{importo: 300, parti: [parte_a, 150]}}
  parte_a: {{importo: 100}}
corpo: |
  Le misure valgono fino al [[fine]], con [[totale]].

  Per la DGR n. X/1000/2020 si rinvia alla FGR XI/3529/2020.
  La riunione di lunedì 15 ottobre 2020 ha stabilito [[mancante]].

  Resta in vigore fino al 30.06.2021 l'importo di euro 999.
firmatario: {{qualifica: IL DIRETTORE GENERALE, nome: MARIO ROSSI}}
piede: {{responsabile_procedimento: {{nome: ANNA BIANCHI}}}}
"""


def test_check_reports_every_problem_with_its_line(project):
    rewrite(project / "templates" / "circolare.html.j2",
            (project / "templates" / "circolare.html.j2").read_text(encoding="utf-8")
            .replace("{{ atto.saluti }}", "{{ atto.saluto }}")
            .replace('{% include "_piede.html.j2" %}', '{% include "_piedi.html.j2" %}'))
    rewrite(project / "templates" / "_ente.html.j2", "{% if ente.pec %}\n<p>{{ ente.pec }}</p>\n")
    registry = project / "recipients" / "asst.yaml"
    rewrite(registry, registry.read_text(encoding="utf-8").replace("@", "@@", 1))
    good = _act(project, NOTA.format(data="2020-10-20", ente="areu"))
    future = _act(project, NOTA.format(data="2999-01-01", ente="ente-inesistente"), "futura.yaml")
    broken = _act(project, "tipo: circolare\noggetto: [non chiusa\n", "rotta.yaml")

    result = run_cli("check", project / "atti", project / "recipients", project / "templates", cwd=project)
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert all(re.match(r"^\S+(:\d+)?: (errore|avviso): ", line) for line in lines), lines
    text = result.stdout

    def line_of(path, needle):
        return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)

    expected = [
        f"{good}:{line_of(good, '[[mancante]]')}: errore: campo 'corpo': fatto «mancante» non dichiarato",
        f"{good}:{line_of(good, 'totale:')}: errore: campo 'fatti.totale': il totale «totale» (300,00) non è la somma",
        "_ente.html.j2:2: errore: errore di sintassi nel template",
        "circolare.html.j2:13: errore: template incluso «_piedi.html.j2» non esiste",
        "errore: il template usa «saluto», ma una circolare non ha il campo «saluto» (forse «saluti»?)",
        f"{broken}:2: errore: sintassi YAML non valida",
        f"{future}:{line_of(future, 'ente-inesistente')}: errore: campo 'destinatari.enti': ente «ente-inesistente» non presente",
        "asst.yaml",
    ]
    for item in expected:
        assert item in text, f"{item!r} not in\n{text}"
    assert "PEC" in next(line for line in lines if "asst.yaml" in line and "errore" in line)


def test_templates_edited_between_two_checks_in_one_process_are_checked_anew(project):
    """The template checker keeps parsed templates by their text (template_checks._parse): an
    edit between two checks in one process is seen, and putting the text back clears it."""
    template = project / "templates" / "circolare.html.j2"
    original = template.read_text(encoding="utf-8")
    assert "saluto»" not in run_cli("check", project / "templates", cwd=project).output
    rewrite(template, original.replace("{{ atto.saluti }}", "{{ atto.saluto }}"))
    edited = run_cli("check", project / "templates", cwd=project)
    assert edited.exit_code == 1 and "una circolare non ha il campo «saluto»" in edited.output
    rewrite(template, original.replace("{{ atto.saluti }}", "{% if %}"))
    broken = run_cli("check", project / "templates", cwd=project)
    assert broken.exit_code == 1 and "circolare.html.j2:" in broken.output and "errore di sintassi" in broken.output
    rewrite(template, original)
    again = run_cli("check", project / "templates", cwd=project)
    assert "saluto»" not in again.output and "errore di sintassi" not in again.output


def test_template_check_kept_for_the_process_sees_a_file_appear_a_link_out_and_a_new_kind(project, monkeypatch):
    """check_templates gives its problems again while what it read of the folder reads the same
    (template_checks._RESULTS): a missing included template that appears, a template that becomes
    a link out of the folder, and a kind of act registered since are each seen at the next check."""
    from circolari.kinds import KINDS
    from circolari.review.template_checks import check_templates

    folder = project / "templates"
    main = folder / "circolare.html.j2"
    original = main.read_text(encoding="utf-8")
    rewrite(main, original.replace("{% include", '{% include "_nuovo.html.j2" %}{% include', 1))
    assert [p.message for p in check_templates(folder)] == ["template incluso «_nuovo.html.j2» non esiste"]
    (folder / "_nuovo.html.j2").write_text("<p>nuovo</p>\n", encoding="utf-8")
    assert check_templates(folder) == []
    outside = project / "fuori.html.j2"
    outside.write_text("<p>fuori</p>\n", encoding="utf-8")
    (folder / "_nuovo.html.j2").unlink()
    (folder / "_nuovo.html.j2").symlink_to(outside)
    assert [p.message for p in check_templates(folder)] == [
        f"il template «_nuovo.html.j2» è un collegamento a un file fuori dalla cartella {folder} ({outside})"]
    problems = check_templates(folder)
    problems[0].message = "cambiato da chi lo ha chiesto"  # the caller's own copy
    assert check_templates(folder)[0].message.startswith("il template «_nuovo.html.j2» è un collegamento")
    (folder / "_nuovo.html.j2").unlink()
    rewrite(main, original)
    assert check_templates(folder) == []
    decreto = type(KINDS["circolare"])()
    decreto.template = "decreto.html.j2"
    monkeypatch.setitem(KINDS, "decreto", decreto)
    assert [p.message for p in check_templates(folder)] == [
        "manca il template principale «decreto.html.j2» (serve a ogni decreto)"]


def test_a_template_linked_to_itself_is_an_error_of_check_not_a_traceback(tmp_path):
    """A link loop in the templates folder: Path.resolve raised RuntimeError in the confinement check."""
    import shutil

    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    (folder / "ciclo.html.j2").symlink_to("ciclo.html.j2")
    result = run_cli("check", folder, cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, RuntimeError)
    assert f"{folder / 'ciclo.html.j2'}: errore: collegamenti simbolici in ciclo" in result.output


def test_check_text_problems_of_a_valid_act(project):
    text = NOTA.format(data="2999-01-01", ente="areu").replace("[[mancante]]", "[[fine:lunga]]") \
        .replace("parti: [parte_a, 150]", "parti: [parte_a, 200]")
    act = _act(project, text)
    result = run_cli("check", act, "--json", cwd=project)
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)
    by_message = {p["message"]: p for p in problems if p["file"] == str(act)}
    lines = act.read_text(encoding="utf-8").splitlines()

    def find(fragment):
        hit = next((p for m, p in by_message.items() if fragment in m), None)
        assert hit, f"{fragment!r} not in {list(by_message)}"
        return hit

    legislature = find("la legislatura X (2013–2018) non corrisponde all'anno 2020")
    assert legislature["level"] == "errore" and "X/1000/2020" in lines[legislature["line"] - 1]
    typo = find("tipo di atto sconosciuto nella citazione «FGR XI/3529/2020»")
    assert typo["level"] == "avviso" and "FGR" in lines[typo["line"] - 1]
    weekday = find("era giovedì, non lunedì")
    assert "lunedì 15 ottobre" in lines[weekday["line"] - 1]
    assert find("nel futuro")["field"] == "data"
    contradiction = find("«30.06.2021» scritto a mano contraddice il fatto «fine»")
    assert contradiction["level"] == "avviso" and "30.06.2021" in lines[contradiction["line"] - 1]
    assert find("importo «euro 999» scritto a mano")["level"] == "avviso"


def test_text_findings_kept_in_the_process_follow_the_text_and_the_act_date(project):
    """A check keeps each text's citations, dates and figures for the process (``_text_findings``,
    by text and act date): the act checked again gives the same problems, the same texts in an act
    of another date that date's."""
    from circolari.review.checks import check_paths

    def terms_before(data: str) -> list[str]:
        act = _act(project, NOTA.format(data=data, ente="areu").replace("[[mancante]]", "[[fine]]"))
        return [p.message for p in check_paths([act]).problems if "precedente alla data dell'atto" in p.message]

    assert terms_before("2020-10-20") == []
    [may] = terms_before("2021-06-15")
    assert may == "termine «31.05.2021» precedente alla data dell'atto (15/06/2021)"
    july = terms_before("2021-07-01")
    assert len(july) == 2 and "«31.05.2021»" in july[0] and "«30.06.2021»" in july[1]
    assert terms_before("2020-10-20") == [] and terms_before("2021-07-01") == july


def test_unknown_placeholder_stops_render_with_its_line(project):
    act = _act(project, NOTA.format(data="2020-10-20", ente="areu"))
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 1
    assert re.search(r"prova\.yaml:\d+: errore: campo 'corpo': fatto «mancante» non dichiarato", result.output)
    assert "Traceback" not in result.output and not (project / "out" / "prova").exists()


def test_placeholders_are_substituted_not_evaluated(project):
    text = NOTA.format(data="2020-10-20", ente="areu").replace(
        "[[mancante]]", "{{ 7*7 }} e \\[[fine]] e [[totale:euro-intero]]").replace("[parte_a, 150]", "[parte_a, 200]")
    act = _act(project, text)
    result = run_cli("render", act, "--out", project / "out", cwd=project)
    assert result.exit_code == 0, result.output
    printed = (project / "out" / "prova" / "prova.txt").read_text(encoding="utf-8")
    assert "fino al 31.05.2021, con € 300,00." in printed
    assert "{{ 7*7 }} e [[fine]] e € 300" in printed


def test_examples_pass_check_with_the_known_typo_as_warning():
    result = run_cli("check", EXAMPLES, ROOT / "recipients", ROOT / "templates")
    assert result.exit_code == 0, result.output
    typo = [line for line in result.stdout.splitlines() if "FGR XI/3529/2020" in line]
    assert len(typo) == 3 and all(": avviso: " in line for line in typo)
    source = DGR.read_text(encoding="utf-8").splitlines()
    for line in typo:
        number = int(line.split(":")[1])
        assert "FGR XI/3529/2020" in source[number - 1]


def test_template_contexts_are_the_kinds_typed_contexts():
    """The context each kind builds has exactly the keys of its TypedDict, which the template
    checker reads (nested: the DGR's allegati, sections, tables and columns)."""
    from circolari.kinds.load import load_act
    from circolari.input.project import Project
    from circolari.kinds import kind_of
    from circolari.review.template_checks import contexts

    declared = contexts()
    project = Project(ROOT / "templates", ROOT / "recipients", ROOT / "out")
    for path in (DGR, EXAMPLES / "nota-plasma-iperimmune-2020.yaml"):
        act, doc = load_act(path)
        prepared = kind_of(act).prepare(act, doc, project)
        template, types = declared[act.tipo]
        assert prepared.template == template and set(prepared.context) == set(types)
    dgr = load_act(DGR)
    allegato = kind_of(dgr[0]).prepare(*dgr, project).context["allegati"][0]
    allegato_types = declared["delibera"][1]["allegati"][1]
    assert set(allegato) == set(allegato_types)
    table = allegato["sezioni"][0]["tabelle"][0] if allegato["sezioni"][0]["tabelle"] else allegato["tabelle"][0]
    assert set(table) == set(allegato_types["tabelle"][1]) == set(allegato_types["sezioni"][1]["tabelle"][1])
    assert set(table["colonne"][0]) == set(allegato_types["tabelle"][1]["colonne"][1])


# -- numbers in words, hand-written totals -------------------------------------
@pytest.mark.parametrize("words, value", [
    ("trecento", 300), ("quattrocento", 400), ("ottocento", 800), ("centottanta", 180), ("ventitré", 23),
    ("ventisettemilioni/00", 27000000), ("ventottomilioni/00", 28000000), ("diecimilioni", 10000000),
    ("diciottomilioni/50", Decimal("18000000.50")), ("mille e cinquecento", 1500), ("duemilionitrecentomila", 2300000),
    ("centonovanta", 190), ("MI", None), ("presente", None), ("ATS", None),
])
def test_italian_number_words_are_read(words, value):
    from circolari.review.numbers import words_value

    assert words_value(words) == (None if value is None else Decimal(value))


def test_words_beside_digits_must_agree_in_reference_dgr_sentences():
    from circolari.review.numbers import words_vs_digits

    sentence = ("lo stanziamento complessivo per le misure contenute nel presente provvedimento pari a "
                "Euro 28.000.000,00 ({}) è finanziato nell'ambito della macro-area dei ricoveri")
    assert words_vs_digits(sentence.format("ventottomilioni/00")) == []
    [(message, written)] = words_vs_digits(sentence.format("ventisettemilioni/00"))
    assert written == "28.000.000,00 (ventisettemilioni/00)" and "27.000.000" in message and "28.000.000" in message
    [(message, _)] = words_vs_digits("possono essere attivati fino a trecento (400) nuovi posti di cure sub-acute")
    assert "(300)" in message and "(400)" in message
    assert words_vs_digits("possono essere attivati fino a quattrocento (400) nuovi posti, Milano (MI)") == []


def test_hand_written_totals_must_equal_their_parts_in_reference_dgr_sentences():
    from circolari.review.numbers import totals

    sentence = ("dovrà rispettare la numerosità prevista dalla programmazione regionale che si stima essere di {} "
                "posti di sub-acute e {} fra degenza di comunità di livello base e degenze di sorveglianza, "
                "per {} posti; - le Degenze di Sorveglianza, previste dalla DGR XI/3020/2020, rimangono attive")
    assert totals(sentence.format(400, 400, "un totale di 800")) == []
    [(message, written)] = totals(sentence.format(350, 300, "complessivi 800"))
    assert written == "per complessivi 800" and "350 + 300 = 650" in message
    assert totals("ai sensi della legge n. 33 del 2009, art. 5, comma 2, per un totale di 800 posti") == []


def test_check_finds_words_digits_and_totals_in_the_reference_dgr(project):
    dgr = project / "examples" / "dgr-xi-3681-2020.yaml"
    text = dgr.read_text(encoding="utf-8")
    text = text.replace("pari a Euro [[stanziamento]] è", "pari a Euro [[stanziamento]] (ventisettemilioni/00) è", 1)
    text = text.replace("possono essere attivati fino a [[posti_sub_acute]] nuovi",
                        "possono essere attivati fino a trecento ([[posti_sub_acute]]) nuovi", 1)
    text = text.replace("essere di [[posti_sub_acute]] posti di sub-acute e [[posti_comunita_sorveglianza]] fra "
                        "degenza di comunità di livello base e degenze di sorveglianza, per un totale di [[posti_totali]]",
                        "essere di 350 posti di sub-acute e 300 fra degenza di comunità di livello base e degenze di "
                        "sorveglianza, per complessivi 800", 1)
    rewrite(dgr, text)
    result = run_cli("check", dgr, "--json", cwd=project)
    assert result.exit_code == 1
    problems = [p for p in json.loads(result.stdout) if p["level"] == "errore"]
    lines = text.splitlines()
    messages = {p["message"]: p for p in problems}
    words = next(p for m, p in messages.items() if "ventisettemilioni/00" in m)
    assert "(ventisettemilioni/00)" in lines[words["line"] - 1]
    assert any("«trecento (400)»" in m for m in messages)
    total = next(p for m, p in messages.items() if "per complessivi 800" in m)
    assert "350 + 300 = 650" in total["message"] and "per complessivi 800" in lines[total["line"] - 1]


def test_hand_written_amount_equal_to_a_declared_figure_is_no_contradiction(project):
    dgr = project / "examples" / "dgr-xi-3681-2020.yaml"
    text = dgr.read_text(encoding="utf-8").replace("per Euro [[stanziamento_2020]]", "per Euro 10.000.000,00")
    rewrite(dgr, text)
    result = run_cli("check", dgr, "--json", cwd=project)
    hits = [p for p in json.loads(result.stdout) if "10.000.000,00" in p["message"]]
    assert hits == [] and "stanziamento_2020" in text  # still declared and cited in the total's parts


def test_check_of_one_act_reports_only_its_registry_warnings(project):
    nota = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    one = run_cli("check", nota, "--json", cwd=project)
    every = run_cli("check", nota, project / "recipients", "--json", cwd=project)
    mine, named = json.loads(one.stdout), json.loads(every.stdout)
    registry = [p for p in mine if "/recipients/" in p["file"]]
    assert len(named) > len(mine) and all(p in named for p in mine)
    assert all("«ats-" not in p["message"] for p in registry)  # the nota reaches no ATS
    assert any("irccs-san-raffaele" in p["message"] for p in registry)  # but this unverified recipient it does
