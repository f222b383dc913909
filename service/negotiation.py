"""Content negotiation: one function, q-values, wildcards, q=0, a default when Accept is absent.

RFC 9110 §12.5.1: the most specific matching range sets the quality of an offer; among offers of
equal quality the server's order of preference wins.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import NotAcceptable


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*") + bool(self.params)

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; malformed ranges are skipped, as browsers and servers do."""
    ranges = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0] or "/" not in pieces[0]:
            continue
        main, _, sub = pieces[0].lower().partition("/")
        q = 1.0
        params = []
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif key:
                params.append((key, value))
        ranges.append(MediaRange(main, sub or "*", q, tuple(params)))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(header: str | None, offers: list[str], what: str = "this resource",
           shown: tuple[str, ...] | list[str] | None = None) -> str:
    """The offer the client prefers; the first offer when Accept is absent or empty.

    Raises NotAcceptable, listing the offers (or `shown`, leaving out aliases), when every offer has
    quality 0.
    """
    if not offers:
        raise ValueError("no offers")
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    scored = [(quality(ranges, offer), -i, offer) for i, offer in enumerate(offers)]
    q, _, offer = max(scored)
    if q <= 0:
        raise NotAcceptable(f"no acceptable format for {what}; it is offered as " + ", ".join(shown or offers))
    return offer
