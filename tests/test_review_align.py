"""Word alignment for diffs and pages (``review/align.py``): correct, and bounded on long repetitive texts."""

from __future__ import annotations

import difflib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from circolari.review import align
from helpers.hang import no_hang


def _check(a: list[str], b: list[str]) -> list[tuple]:
    """The opcodes turn ``a`` into ``b``; every block is a real match."""
    codes = align.opcodes(a, b)
    rebuilt = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
            rebuilt += a[i1:i2]
        else:
            rebuilt += b[j1:j2]
    assert rebuilt == b
    blocks = align.matching_blocks(a, b)
    assert blocks[-1] == (len(a), len(b), 0)
    for (i, j, n), (k, m, _) in zip(blocks, blocks[1:]):
        assert a[i:i + n] == b[j:j + n] and i + n <= k and j + n <= m
    return codes


@settings(max_examples=200, deadline=None)
# Each word list drawn as one string of one-letter words (one choice for Hypothesis, not two per word).
@given(st.text("abcde", max_size=60).map(list), st.text("abcdef", max_size=60).map(list))
def test_opcodes_turn_one_text_into_the_other(a, b):
    _check(a, b)


def test_long_repetitive_text_gives_difflib_only_small_gaps(monkeypatch):
    """300,000 words, mostly one word repeated (a 2 MB paragraph): difflib over the whole took
    minutes; each gap it now aligns is at most GAP word pairs, and the edits are all found."""
    rng = random.Random(7)
    a = [f"unica{k}" if k % 300 == 0 else "parola" for k in range(300_000)]
    b = list(a)
    edits = sorted(rng.sample(range(1, 300_000), 40))
    for k in edits:
        if b[k] == "parola":
            b[k] = "altra"
    sizes = []
    real = difflib.SequenceMatcher

    def recording(isjunk, x, y, autojunk=True):
        sizes.append(len(x) * len(y))
        return real(isjunk, x, y, autojunk=autojunk)

    monkeypatch.setattr(align.difflib, "SequenceMatcher", recording)
    with no_hang():
        codes = _check(a, b)
    assert sizes and max(sizes) <= align.GAP
    changed = [(i1, i2) for tag, i1, i2, _, _ in codes if tag != "equal"]
    assert changed == [(k, k + 1) for k in edits if a[k] == "parola"]
