"""The review pack and the preview as a reviewer sees them, in headless Chromium (Debian's
chromium + chromium-driver, driven by Selenium; no browser is ever downloaded)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import copy_of, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Screenshots (nothing asserts on them) for a person to look at: the named ones only when
# CIRCOLARI_SCREENSHOTS is set, a failed test's always (default: the temp folder).
SCREENSHOTS = Path(os.environ.get("CIRCOLARI_SCREENSHOTS", tempfile.gettempdir())) / "circolari-screenshots"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium non installato (pip install '.[test]')")
if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    pytest.skip("chromium e chromedriver assenti: apt-get install chromium chromium-driver", allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _screenshot_when_failed_then_blank_page(request, browser):
    """A failed test leaves a screenshot of what the browser showed: ``<test>.png``. Every test
    leaves the browser on a blank page: a page of one test (the preview that reloads itself)
    must not navigate while the next test loads its own (the diff test once found no panes)."""
    failed = request.session.testsfailed
    yield
    from selenium.common.exceptions import WebDriverException

    with contextlib.suppress(WebDriverException):  # a browser gone wrong keeps the test's own error
        if request.session.testsfailed > failed:
            _screenshot(browser, f"{request.node.name}.png", always=True)
        browser.get("about:blank")


def _screenshot(driver, name: str, always: bool = False) -> None:
    if always or "CIRCOLARI_SCREENSHOTS" in os.environ:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / name))


def _images_loaded(driver) -> list[int]:
    """The decoded width of every image (pictures load lazily: all are asked for first)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("Array.from(document.images).forEach(i => { i.loading = 'eager'; });")
    try:
        WebDriverWait(driver, 20, 0.1).until(lambda d: d.execute_script(
            "return Array.from(document.images).every(i => i.complete);"))
    except Exception:
        pass  # the widths below say which did not load
    return driver.execute_script(
        "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0);")


def test_review_pack_shows_thumbnails_checks_and_marked_changes(modified_pack, browser):
    out = modified_pack / "out" / "review"  # the DGR's tariff changed 190 -> 200: red
    browser.get((out / "index.html").as_uri())
    sizes = _images_loaded(browser)
    assert len(sizes) >= 10 and all(w > 0 for w in sizes), sizes  # 7 + 3 pages and the changed ones, all decoded
    section = browser.find_element("id", "dgr-xi-3681-2020")
    assert section.get_attribute("data-stato") == "modificato"
    inserted = [e.text for e in section.find_elements("css selector", ".dopo ins")]
    deleted = [e.text for e in section.find_elements("css selector", ".prima del")]
    assert inserted == ["200"] * 3 and deleted == ["190"] * 3
    colour = browser.execute_script(
        "return getComputedStyle(document.querySelector('.dopo ins')).backgroundColor;")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the change is visibly highlighted
    assert "FGR XI/3529/2020" in section.text  # the check results are in the pack
    nota = browser.find_element("id", "nota-plasma-iperimmune-2020")
    assert nota.get_attribute("data-stato") == "uguale"
    browser.execute_script("arguments[0].scrollIntoView();", section)
    _screenshot(browser, "review.png")
    browser.find_element("css selector", "#dgr-xi-3681-2020 a[data-modifica]").click()  # scrolls both texts
    assert browser.execute_script(
        "const r = document.getElementById('dgr-xi-3681-2020-m1-n').getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;")
    _screenshot(browser, "review-diff.png")


def test_preview_shows_every_page(previews, browser):
    act = previews / "examples" / "nota-plasma-iperimmune-2020.yaml"
    folder = previews / "out" / act.stem / "preview"
    browser.get((folder / "index.html").as_uri())
    sizes = _images_loaded(browser)
    assert len(sizes) == 3 and all(w > 0 for w in sizes), sizes
    assert "pagina 3 di 3" in browser.find_element("tag name", "body").text
    _screenshot(browser, "preview.png")
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__csp = []; document.addEventListener('securitypolicyviolation', "
        "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")})
    browser.get((folder / f"{act.stem}.html").as_uri())
    body = browser.find_element("tag name", "body").text
    assert "plasma iperimmune" in body and "pagina 3 di 3" in body  # the PDF's figures, not '#'
    # each page's footer number where that page ends, the footer itself (the last page's) at the end
    shown = browser.execute_script(  # top to bottom as the browser lays them out (the footer goes last)
        "return Array.from(document.querySelectorAll('.fine-pagina, footer .numero-pagina'))"
        ".map(e => [e.getBoundingClientRect().top, e.innerText]).sort((a, b) => a[0] - b[0]).map(x => x[1]);")
    assert shown == ["pagina 1 di 3", "pagina 2 di 3", "pagina 3 di 3"]
    assert browser.execute_script("return getComputedStyle(document.querySelector('.fine-pagina')).borderBottomStyle;") == "dashed"
    faces = browser.execute_async_script(  # the PDF's font, from the files beside the style sheet
        "const done = arguments[arguments.length - 1]; document.fonts.ready.then(() => done("
        "Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight)));")
    assert any("Titillium Web" in f for f in faces), faces
    assert browser.execute_script("return window.__csp;") == []
    _screenshot(browser, "preview-html.png")


HOSTILE = 'x" onerror="alert(document.domain)'


def _trap_alerts(driver) -> None:
    """Record any alert() instead of showing it (runs before the page's own scripts, CSP or not)."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; window.alert = m => window.__alerts.push(String(m));"})


def _alerts(driver) -> list[str]:
    return driver.execute_script("return window.__alerts || ['no trap'];")


def test_hostile_act_name_runs_no_script_in_pack_preview_or_diff(project, browser):
    examples = project / "examples"
    hostile = examples / f"{HOSTILE}.yaml"
    shutil.copy(examples / "nota-plasma-iperimmune-2020.yaml", hostile)
    out = project / "out" / "review"
    assert run_cli("review", project / "templates", hostile, "--out", out, cwd=project).exit_code == 0
    assert run_cli("approve", hostile, "--by", "Revisore di prova", "--pack", out, cwd=project).exit_code == 0
    result = run_cli("review", project / "templates", hostile, "--out", out, cwd=project)
    assert result.exit_code == 0, result.output
    assert run_cli("preview", hostile, "--out", project / "out", cwd=project).exit_code == 0, result.output
    html = project / "confronto.html"
    other = examples / "v2.yaml"
    other.write_text(hostile.read_text(encoding="utf-8").replace("plasma", f"{HOSTILE} <script>alert(1)</script>"),
                     encoding="utf-8")
    assert run_cli("diff", hostile, other, "--html", html, cwd=project).exit_code == 1
    _trap_alerts(browser)
    preview = project / "out" / HOSTILE / "preview"
    for page in (out / "index.html", preview / "index.html", preview / f"{HOSTILE}.html", html):
        browser.get(page.as_uri())
        assert _alerts(browser) == [], page
        assert HOSTILE in browser.find_element("tag name", "body").text or page.name.endswith(f"{HOSTILE}.html")
        if page.name == "index.html":
            sizes = _images_loaded(browser)  # the quoted URLs lead to the hostile act's page images
            assert sizes and all(w > 0 for w in sizes), (page, sizes)
        if page == out / "index.html":
            section = browser.find_element("id", "x_22__20_onerror_3d__22_alert_28_document_2e_domain_29_")
            assert section.get_attribute("data-stato") == "uguale"


def test_content_security_policy_blocks_an_injected_script(tmp_path, browser):
    from circolari.review.html import page

    hostile = tmp_path / "iniettata.html"
    hostile.write_text(page("prova", "", '<img src="nessuna.png" onerror="alert(1)"><script>alert(2)</script>'
                                         '<a id="ok" href="#">ok</a>'), encoding="utf-8")
    _trap_alerts(browser)
    browser.get(hostile.as_uri())
    assert browser.find_element("id", "ok").text == "ok"
    assert _alerts(browser) == []


def test_layout_only_template_change_shows_red_pack_pages_record_and_source_diff(approved_examples, tmp_path, browser):
    project = copy_of(approved_examples[0], tmp_path)  # approved afresh, by this reviewer
    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    out = project / "out" / "review"
    template = project / "templates" / "circolare.html.j2"
    template.write_text(template.read_text(encoding="utf-8").replace("<strong>{{ o.etichetta }}</strong>{{", "{{ o.etichetta }}{{"),
                        encoding="utf-8")  # the text stays the same: only the look changes
    assert run_cli("review", project / "templates", act, "--out", out, cwd=project).exit_code == 1
    browser.get((out / "index.html").as_uri())
    section = browser.find_element("id", "nota-plasma-iperimmune-2020")
    assert section.get_attribute("data-stato") == "modificato"
    badge = section.find_element("css selector", "h2 .esito")
    assert "aspetto diverso: pagina 3" in badge.text
    assert browser.execute_script("return getComputedStyle(arguments[0]).color;", badge) == "rgb(198, 40, 40)"
    assert "approvato da Revisore di prova il" in section.text
    import json

    record = json.loads((project / "examples" / "approvati" / f"{act.stem}.json").read_text(encoding="utf-8"))
    registro = section.find_element("css selector", "details.registro")
    registro.find_element("tag name", "summary").click()  # the approval record, unfolded
    assert "Revisore di prova" in registro.text and "1 cambiato da allora" in registro.text
    changed = registro.find_element("css selector", 'tr[data-stato="cambiato"]')
    assert "circolare.html.j2" in changed.text and record["template"]["circolare.html.j2"][:12] in changed.text
    assert record["hash_atto"][:12] in registro.text
    pair = section.find_element("css selector", '.confronto-pagina[data-pagina="3"]')
    images = pair.find_elements("tag name", "img")
    assert len(images) == 2 and all(browser.execute_script("return arguments[0].naturalWidth;", i) > 0 for i in images)
    first = browser.find_element("css selector", "main > section")  # the template change comes first
    assert first.get_attribute("id") == "modifiche-template" and "circolare.html.j2" in first.text
    removed = [e.text for e in first.find_elements("css selector", "pre.sorgente .tolto")]
    assert any("<strong>{{ o.etichetta }}</strong>" in line for line in removed), removed
    browser.execute_script("arguments[0].scrollIntoView();", pair)
    _screenshot(browser, "review-pages.png")


def _page_text(browser):
    """A function giving the page's text, retried while a self-refreshing page is reloading."""
    return _in_page(browser, "return document.body && document.body.innerText;")


def _in_page(browser, script: str):
    """A function giving ``script``'s value in the page (never None), retried while a self-refreshing
    page is reloading: read in one call (no element held between calls), and any WebDriver error
    meanwhile (the document, its nodes or its script context going away mid-call) is retried."""
    import time

    from selenium.common.exceptions import WebDriverException

    def value():
        last = None
        for _ in range(100):
            try:
                found = browser.execute_script(script)
                if found is not None:
                    return found
            except WebDriverException as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(f"la pagina non si è stabilizzata in 10 s: {last}")
    return value


def _html_text(browser, folder, act) -> str:
    """The text of the preview's HTML copy of the act, read in the browser (which stays on it)."""
    browser.get((folder / f"{act.stem}.html").as_uri())
    return browser.find_element("tag name", "body").text


def test_preview_watch_refreshes_the_open_page_and_shows_errors_in_it(project, browser, monkeypatch):
    """``preview --watch --open`` in a process of its own (forked from this worker: warm), as the
    clerk runs it beside a plain ``preview``: two renders in one process share its laid-out page
    furniture (writers.pdf), so the session must not be a thread of the process that runs the other."""
    import signal

    from selenium.webdriver.support.ui import WebDriverWait

    from helpers.forked_cli import fork_cli

    act = project / "examples" / "nota-plasma-iperimmune-2020.yaml"
    folder = project / "out" / act.stem / "preview"
    opened = project / "aperta.txt"  # what --open opened, once per session (in the session's process)
    monkeypatch.setattr("webbrowser.open", lambda uri, new=0: opened.open("a", encoding="utf-8").write(uri + "\n"))
    session = fork_cli("preview", act, "--watch", "--open", "--out", project / "out", cwd=project,
                       log=project / "watch.log")
    code = None
    try:
        WebDriverWait(browser, 60, 0.05).until(lambda _: (folder / "index.html").is_file())
        browser.get((folder / "index.html").as_uri())
        assert (folder / f"{act.stem}.pdf").read_bytes().startswith(b"%PDF")  # the PDF beside the pages shown
        body = _page_text(browser)  # the page reloads itself: never hold an element across a reload
        pdf_link = _in_page(browser, "return !!document.querySelector(\"nav a[href$='.pdf']\");")
        WebDriverWait(browser, 30, 0.2).until(lambda _: pdf_link())
        assert "pagina 3 di 3" in body()
        text = act.read_text(encoding="utf-8")
        act.write_text(text.replace("I migliori saluti", "I migliori saluti" + " e grazie" * 400), encoding="utf-8")
        WebDriverWait(browser, 60, 0.2).until(lambda _: "pagina 4 di 4" in body())  # reloaded by itself
        act.write_text("tipo: circolare\nnumero: [\n", encoding="utf-8")
        WebDriverWait(browser, 60, 0.2).until(lambda _: "L'atto non può essere generato" in body())
        assert "sintassi YAML" in body() and len(browser.window_handles) == 1
        act.write_text(text, encoding="utf-8")
        WebDriverWait(browser, 60, 0.2).until(lambda _: "pagina 3 di 3" in body())
        # a plain 'preview --open' meanwhile opens no other tab: the open page shows its result
        calls: list[str] = []
        monkeypatch.setattr("webbrowser.open", calls.append)
        act.write_text(text.replace("I migliori saluti", "Cordiali saluti"), encoding="utf-8")
        result = run_cli("preview", act, "--open", "--out", project / "out", cwd=project)
        assert result.exit_code == 0 and "già aperta" in result.output and calls == [], result.output
        WebDriverWait(browser, 60, 0.2).until(lambda _: "Cordiali saluti" in _html_text(browser, folder, act))
        again = run_cli("preview", act, "--watch", "--out", project / "out", cwd=project)
        assert again.exit_code == 1 and "già in corso" in again.output and calls == []
    finally:
        os.kill(session.pid, signal.SIGINT)  # Ctrl-C: the session ends as the clerk ends it
        code = session.wait(bound=60)
    assert code == 0 and "errore, vedere l'anteprima" in session.output(), session.output()
    assert opened.read_text(encoding="utf-8").splitlines() == [(folder / "index.html").resolve().as_uri()]
    assert len(browser.window_handles) == 1


def test_diff_panes_scroll_together_and_print_shows_every_change(tariff_diff, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((tariff_diff[0] / "confronto.html").as_uri())  # the DGR's tariff 190 -> 195
    before, after = WebDriverWait(browser, 30, 0.05).until(
        lambda d: (panes := d.find_elements("css selector", ".affiancati > div")) and panes)
    browser.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight / 2;", before)
    WebDriverWait(browser, 10, 0.1).until(lambda d: d.execute_script("return arguments[0].scrollTop;", after) > 0)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert browser.execute_script("return getComputedStyle(arguments[0]).overflowY;", after) == "visible"
        assert browser.execute_script("return getComputedStyle(arguments[0]).display;", before) == "none"
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
