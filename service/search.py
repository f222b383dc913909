"""Label search: resources ranked by how well one of their labels matches a text.

Callers use `search` and `Hit` only. Today it runs the named query `queries/label-search.rq`, which
scans every rdfs:label, skos:prefLabel, skos:altLabel and dcterms:title and ranks a resource by its
best label: the whole label (exact) > its start (prefix) > a whole word (English) > anywhere
(substring, which is how Chinese matches), shorter labels first. A text index kept with the store
will replace that scan behind the same interface.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalog import load_catalog
from .errors import BadRequest
from .links import Site
from .nodes import describe
from .store.base import Backend
from .store.select import select

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    """The resource's label in the display language."""
    matched: str
    """The labels that matched, joined with ' | '."""
    match: str
    """exact, prefix, word or substring: the best of its labels."""
    score: int
    display_class: str
    page: str


def search(backend: Backend, text: str, *, site: Site, lang: str | None = None, limit: int = DEFAULT_LIMIT,
           timeout: float = 30.0) -> list[Hit]:
    """The `limit` best matches for `text`, in labels of language `lang` (any when None).

    Raises BadRequest for an empty text, an unknown language or a limit out of 1..MAX_LIMIT.
    """
    text = text.strip()
    if not text:
        raise BadRequest("q is empty: give the text to look for, e.g. q=养老 or q=elderly care")
    if lang not in (None, *LANGUAGES):
        raise BadRequest(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    query = load_catalog().get("label-search")
    substitutions = query.bind({"q": [text], "lang": [lang] if lang else []})
    rows = select(backend, query.paged(limit, 0), substitutions, timeout=timeout, max_rows=limit)
    info = describe(backend, [r["resource"].value for r in rows], timeout=timeout, max_rows=limit * 50)
    shown = lang or ("en" if text.isascii() else "zh")
    return [Hit(iri=r["resource"].value, label=info[r["resource"].value].label(shown), matched=r["labels"].value,
                match=r["match"].value, score=int(r["score"].value),
                display_class=info[r["resource"].value].display_class(), page=site.href(r["resource"].value))
            for r in rows]
