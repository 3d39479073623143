"""Every bundled example renders exactly its approved text (examples/approvati/<act>.txt) and
looks like its approved pages (examples/approvati/<act>/pagina-N.png, compared with the review's
pixel tolerance), with the approved page count and signature fields: the page goldens.

An intended change is approved with ``circolari review templates examples`` then
``circolari approve examples/ --by NAME`` and a reviewed commit.
"""

from __future__ import annotations

import pytest

from circolari.input.project import Project
from circolari.render import render_act
from circolari.review.approve import approved_look, approved_record, approved_text, rendered_text
from circolari.review.diff import compare, rendered_words, terminal, text_words
from conftest import EXAMPLES, ROOT

ACTS = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def example_render(reference):
    """``example_render(act)``: the example rendered with the repository's templates and registry, once
    for this module's tests (the text and the pages golden read the same render): the session's
    ``reference`` render (what the CLI wrote) for the reference acts, in memory for any other example."""
    renders = {ref.pdf.parent.name: ref.rendered for ref in reference.values()}

    def render(act):
        if act.stem not in renders:
            renders[act.stem] = render_act(act, Project.locate(act, templates=ROOT / "templates",
                                                               recipients=ROOT / "recipients"))
        return renders[act.stem]
    return render


def test_every_example_has_an_approved_text():
    assert ACTS and all(approved_text(act) is not None for act in ACTS)


@pytest.mark.parametrize("act", ACTS, ids=lambda p: p.stem)
def test_render_equals_approved_text(act, example_render):
    rendered = example_render(act)
    approved = approved_text(act)
    if rendered_text(rendered) != approved:
        diff = compare(text_words(approved), rendered_words(rendered))
        pytest.fail("il testo generato differisce da quello approvato (se voluto: circolari approve examples/):\n"
                    + terminal(diff, "approvato", "attuale", colour=False))


def test_every_example_has_an_approval_record():
    for act in ACTS:
        record = approved_record(act)
        assert record and record["approvato_da"] and record["atto"] == act.name and record["template"], act


@pytest.mark.parametrize("act", ACTS, ids=lambda p: p.stem)
def test_render_looks_like_approved_pages(act, example_render):
    from circolari.review.pages import compare_looks, look_of

    rendered = example_render(act)
    approved = approved_look(act)
    assert approved is not None and all(approved.pages), act
    diff = compare_looks(approved, look_of(rendered.files[f"{rendered.name}.pdf"]))
    assert diff.equal, ("le pagine generate differiscono da quelle approvate (se voluto: circolari review "
                        "templates examples, poi circolari approve examples/ --by NOME): " + "; ".join(diff.summary()))


def test_bundled_approvals_were_made_with_the_current_templates():
    """The shipped examples review green: their approvals name the repository's templates (a
    template edit is approved with the review, then ``circolari approve examples/ --by NAME``)."""
    from circolari.review.approve import sources_folder
    from circolari.review.folders import folder_files, folder_hashes

    now = folder_hashes(ROOT / "templates")
    for act in ACTS:
        stale = sorted(k for k in now.keys() | approved_record(act)["template"].keys()
                       if now.get(k) != approved_record(act)["template"].get(k))
        assert not stale, (f"{act.name}: template cambiati dopo l'approvazione: {', '.join(stale)} (circolari review "
                           "templates examples, poi circolari approve examples/ --by NOME)")
        assert folder_files(sources_folder(act)) == folder_files(ROOT / "templates"), act
