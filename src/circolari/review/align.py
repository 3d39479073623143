"""Align two word sequences in about linear time (the diff of two acts, a text with its PDF's words).

``difflib.SequenceMatcher`` (without junk) costs about len(a) × (occurrences of a word in b): a
long act, or a paragraph repeating a word, took minutes. Here the common head and tail are
matched first; the middle is split at the words that occur once on each side, in the same order
(the longest increasing run of their positions, as "patience diff"); difflib only aligns the
gaps between them, when a gap is small enough (``GAP``). A larger gap with no such word left is
left unmatched (a replacement): the cost stays bounded whatever the text.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence

GAP = 250_000  # len(a) × len(b) of a gap that difflib aligns word by word


def matching_blocks(a: Sequence, b: Sequence) -> list[tuple[int, int, int]]:
    """``(i, j, n)`` runs with ``a[i:i+n] == b[j:j+n]``, increasing, ending with ``(len(a), len(b), 0)``
    (as ``SequenceMatcher.get_matching_blocks``)."""
    found: list[tuple[int, int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        head = 0
        while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
            head += 1
        if head:
            found.append((alo, blo, head))
            alo, blo = alo + head, blo + head
        tail = 0
        while alo < ahi - tail and blo < bhi - tail and a[ahi - tail - 1] == b[bhi - tail - 1]:
            tail += 1
        if tail:
            found.append((ahi - tail, bhi - tail, tail))
            ahi, bhi = ahi - tail, bhi - tail
        if alo == ahi or blo == bhi:
            continue
        if (ahi - alo) * (bhi - blo) <= GAP:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            found += [(alo + i, blo + j, n) for i, j, n in matcher.get_matching_blocks() if n]
            continue
        anchors = _anchors(a, alo, ahi, b, blo, bhi)
        bounds = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]
        found += [(i, j, 1) for i, j in anchors]
        stack += [(i + 1, k, j + 1, m) for (i, j), (k, m) in zip(bounds, bounds[1:]) if anchors]
    blocks: list[tuple[int, int, int]] = []
    for i, j, n in sorted(found):
        if blocks and blocks[-1][0] + blocks[-1][2] == i and blocks[-1][1] + blocks[-1][2] == j:
            blocks[-1] = (blocks[-1][0], blocks[-1][1], blocks[-1][2] + n)
        else:
            blocks.append((i, j, n))
    return [*blocks, (len(a), len(b), 0)]


def opcodes(a: Sequence, b: Sequence) -> list[tuple[str, int, int, int, int]]:
    """``(tag, i1, i2, j1, j2)`` as ``SequenceMatcher.get_opcodes``, from ``matching_blocks``."""
    result, i, j = [], 0, 0
    for ai, bj, size in matching_blocks(a, b):
        tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert" if j < bj else ""
        if tag:
            result.append((tag, i, ai, j, bj))
        i, j = ai + size, bj + size
        if size:
            result.append(("equal", ai, i, bj, j))
    return result


def _anchors(a: Sequence, alo: int, ahi: int, b: Sequence, blo: int, bhi: int) -> list[tuple[int, int]]:
    """Positions ``(i, j)`` of the words found once in ``a[alo:ahi]`` and once in ``b[blo:bhi]``,
    the longest run whose order agrees on both sides."""
    count_a, count_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in where_b]
    # longest increasing subsequence of the j's (patience sorting), O(k log k)
    tails: list[int] = []            # smallest last j of an increasing run of each length
    tail_at: list[int] = []          # index in pairs of that last element
    back = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_at.append(index)
        else:
            tails[length], tail_at[length] = j, index
        back[index] = tail_at[length - 1] if length else -1
    run, index = [], tail_at[-1] if tail_at else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]
