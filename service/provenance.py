"""Showing where a fact was read: the sentence around a span, and the source text with the span marked.

Spans index the cleaned source text in Unicode code points, end exclusive (ontology/MODEL.md, Span),
which is how Python slices strings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Where a sentence ends in the reports: full-width full stop, question and exclamation marks, the
# semicolon that separates clauses of one item, and the line break that ends a paragraph.
_END = re.compile(r"[。！？；!?;\n]")
CONTEXT_LIMIT = 160
"""Most characters of context shown on either side of a span when no sentence boundary comes sooner."""


@dataclass(frozen=True)
class Passage:
    before: str
    quote: str
    after: str
    clipped_before: bool
    clipped_after: bool


def sentence(text: str, start: int, end: int, limit: int = CONTEXT_LIMIT) -> Passage:
    """The sentence holding text[start:end], split around it; clipped to `limit` characters a side."""
    window = text[max(0, start - limit):start]
    ends = list(_END.finditer(window))
    before = window[ends[-1].end():] if ends else window
    clipped_before = not ends and start - limit > 0
    window = text[end:end + limit]
    stop = _END.search(window)
    after = window[:stop.end()].rstrip("\n") if stop else window
    clipped_after = stop is None and end + limit < len(text)
    return Passage(before, text[start:end], after, clipped_before, clipped_after)


@dataclass(frozen=True)
class Piece:
    text: str
    marked: bool
    anchor: bool = False
    """The first marked piece: the page's `#mark` anchor."""
    spans: tuple[int, ...] = ()
    """The spans (indices into the `spans` given) that cover the piece, the shortest first."""


def paragraphs(text: str, mark: tuple[int, int] | None = None,
               spans: list[tuple[int, int]] | tuple = ()) -> list[list[Piece]]:
    """The text as paragraphs (one per line), each a list of pieces: cut wherever `mark` or one of the
    `spans` (start, end) begins or ends, so that each piece is covered by the same spans throughout."""
    cuts = sorted({c for a, b in ([mark] if mark else []) + list(spans) for c in (a, b)})
    by_length = sorted(range(len(spans)), key=lambda i: (spans[i][1] - spans[i][0], i))
    result = []
    offset = 0
    anchored = False
    for line in text.split("\n"):
        line_end = offset + len(line)
        points = [offset, *(c for c in cuts if offset < c < line_end), line_end]
        pieces = []
        for a, b in zip(points, points[1:]):
            if a == b:
                continue
            marked = bool(mark) and mark[0] <= a and b <= mark[1]
            covering = tuple(i for i in by_length if spans[i][0] <= a and b <= spans[i][1])
            pieces.append(Piece(text[a:b], marked, anchor=marked and not anchored, spans=covering))
            anchored = anchored or marked
        if pieces:
            result.append(pieces)
        offset = line_end + 1
    return result


def parse_mark(value: str | None, length: int) -> tuple[int, int] | None:
    """`?mark=155-161` → (155, 161) when it is a range inside a text of `length`; else None."""
    match = re.fullmatch(r"(\d{1,9})-(\d{1,9})", value or "")
    if not match:
        return None
    start, end = int(match[1]), int(match[2])
    return (start, end) if 0 <= start < end <= length else None
