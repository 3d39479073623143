"""Every bundled example renders exactly its approved text (examples/approvati/<act>.txt).

An intended change is approved with ``circolari approve examples/`` and a reviewed commit.
"""

from __future__ import annotations

import pytest

from circolari.project import Project
from circolari.render import render_act
from circolari.review.approve import approved_text, rendered_text
from circolari.review.diff import compare, rendered_words, terminal, text_words
from conftest import EXAMPLES, ROOT

ACTS = sorted(EXAMPLES.glob("*.yaml"))


def test_every_example_has_an_approved_text():
    assert ACTS and all(approved_text(act) is not None for act in ACTS)


@pytest.mark.parametrize("act", ACTS, ids=lambda p: p.stem)
def test_render_equals_approved_text(act):
    rendered = render_act(act, Project.locate(act, templates=ROOT / "templates", recipients=ROOT / "recipients"))
    approved = approved_text(act)
    if rendered_text(rendered) != approved:
        diff = compare(text_words(approved), rendered_words(rendered))
        pytest.fail("il testo generato differisce da quello approvato (se voluto: circolari approve examples/):\n"
                    + terminal(diff, "approvato", "attuale", colour=False))
