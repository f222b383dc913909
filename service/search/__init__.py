"""Label search: resources ranked by how well one of their labels matches a text.

Callers use `search` and `Hit` only. The ranking is the named query `queries/label-search.rq`'s: it
reads every rdfs:label, skos:prefLabel, skos:altLabel and dcterms:title and ranks a resource by its
best label: the whole label (exact) > its start (prefix) > a whole word (English) > anywhere
(substring, which is how Chinese matches), then by its shortest matching label, then by IRI; case
does not matter.

On the embedded store the answer comes from the label index of the snapshot a query would read
(index.py, which this package builds and versions), milliseconds at millions of triples where the
scan takes seconds; until that snapshot's index is built (just after a write) the query scans, which
gives the same answer slower.
Over a remote store (`store`) it always scans: other clients write to that server, so no index kept
here could follow it. Either way the labels that matched are listed shortest first.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import BadRequest
from ..links import Site
from ..nodes import describe, reports
from ..settings import Settings
from ..sparql.catalog import load_catalog
from ..store.base import Backend
from ..store.results import select
from .index import KEPT, LANGUAGES, MATCHES, LabelIndex, Ranked

DEFAULT_LIMIT = 20
MAX_LIMIT = KEPT
"""The index keeps that many resources of each kind (index.py), so it is the most a search gives."""
SEPARATOR = " | "


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    """The resource's label in the display language."""
    matched: str
    """The labels that matched, shortest first, joined with ' | '."""
    match: str
    """exact, prefix, word or substring: the best of its labels."""
    score: int
    display_class: str
    page: str
    report: str | None = None
    """The report a reform, measure or indicator is in: hits of several reports are told apart by it."""
    report_label: str | None = None


def label_index(settings: Settings, backend: Backend) -> LabelIndex | None:
    """The label index of the store in `data_dir`, rebuilt in the background after every write so that
    searches scan only until it is; None over a store whose version this process cannot know (a remote
    one: other clients write to it, so no index kept here could follow it)."""
    if backend.generation() is None:
        return None
    index = LabelIndex(settings.data_dir)
    backend.after_write(lambda: index.build_soon(backend.generation() or ""))
    return index


def search(backend: Backend, text: str, *, site: Site, lang: str | None = None, limit: int = DEFAULT_LIMIT,
           timeout: float = 30.0, index: LabelIndex | None = None) -> list[Hit]:
    """The `limit` best matches for `text`, in labels of language `lang` (any when None), from `index`
    when it has the current snapshot's, else by scanning.

    Raises BadRequest for an empty text, an unknown language or a limit out of 1..MAX_LIMIT.
    """
    text = text.strip()
    if not text:
        raise BadRequest("q is empty: give the text to look for, e.g. q=养老 or q=elderly care")
    if "\x00" in text:
        # SQLite ends an FTS5 string at a NUL, and no label is looked up by one.
        raise BadRequest("q must not contain NUL (U+0000, %00): give the text to look for without it")
    if lang not in (None, *LANGUAGES):
        raise BadRequest(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    found = index.lookup(text, lang, limit) if index is not None else None
    if found is None:
        found = scan(backend, text, lang=lang, limit=limit, timeout=timeout)
    # The index knows how to show its resources, all but a rare few; the scan knows none.
    info = describe(backend, [r.iri for r in found if r.names is None], timeout=timeout, max_rows=limit * 50)
    found = [r if r.names is not None else replace(r, names={language: info[r.iri].label(language)
                                                             for language in LANGUAGES},
                                                   display_class=info[r.iri].display_class())
             for r in found]
    shown = lang or ("en" if text.isascii() else "zh")
    scopes = reports(backend, [r.iri for r in found], timeout=timeout, max_rows=limit * 50)
    return [Hit(iri=r.iri, label=r.names[shown], matched=matched(r.labels), match=MATCHES[r.score], score=r.score,
                display_class=r.display_class, page=site.href(r.iri),
                report=scopes[r.iri].report if r.iri in scopes else None,
                report_label=scopes[r.iri].label(shown) if r.iri in scopes else None)
            for r in found]


def scan(backend: Backend, text: str, *, lang: str | None, limit: int, timeout: float) -> list[Ranked]:
    """The answer of label-search.rq, which reads every label in the store."""
    query = load_catalog().get("label-search")
    substitutions = query.bind({"q": [text], "lang": [lang] if lang else []})
    rows = select(backend, query.paged(limit, 0), substitutions, timeout=timeout, max_rows=limit)
    return [Ranked(r["resource"].value, int(r["score"].value), int(r["length"].value),
                   tuple(r["labels"].value.split(SEPARATOR))) for r in rows]


def matched(labels: tuple[str, ...]) -> str:
    """Labels joined with ' | ', shortest first. The query's GROUP_CONCAT joins them in no set order,
    so they are split at every ' | ' (a label may hold one) and sorted, whichever way they came."""
    return SEPARATOR.join(sorted(SEPARATOR.join(labels).split(SEPARATOR), key=lambda label: (len(label), label)))
